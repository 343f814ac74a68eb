// A three-protocol configuration (FTP + FTPS + SFTP on one server)
// deploys on the local AWS emulator with `cdktf deploy provider consumer`, as a
// user runs it, and is destroyed again. One deploy, kept compact: what the
// emulator then holds for the server (protocols, certificate, security policy,
// TLS session resumption, SFTP authentication methods), the NLB (a port-22
// listener and target group beside 21 and 8192-8200, health checks on 21), the
// security groups (22 admitted), the host key fingerprint output, and the
// client instance's user data pinning that fingerprint.
//
// Then the article's last step on that deployment (cli/demo-transfer-path.ts,
// what `npm run demo` runs too): users made by `npm run users` log in through
// the PrivateLink path rebuilt in network namespaces to the Transfer stand-in
// (emulator/transfer-stand-in/), which asks the deployed identity provider;
// files land in the emulator's S3 at home/<user>/. And the path suites, each
// with its own namespaces and users (__tests__/support/path-suites/): FTP with
// the smoke script, the idle timeout, FTPS, SFTP, the 11-client x 3-mode
// matrix. They share this one deployment: a deploy is minutes, a suite seconds.
// What only real Transfer can prove: README "The Transfer stand-in".
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { aws } from "../../emulator/client";
import { ADDRESSES } from "../../emulator/privatelink-path";
import { articleLastStep, ArticleStep, deployedServer, transferPathPrerequisites } from "../../cli/demo-transfer-path";
import type { PathContext } from "../support/path-context";
import { clientMatrixSuite } from "../support/path-suites/client-matrix";
import { ftpPathSuite, idleTimeoutSuite } from "../support/path-suites/ftp-path";
import { ftpsSuite, makeCertificates, sftpSuite } from "../support/path-suites/ftps-sftp";
import { FTP_CLIENTS } from "../support/ftp-clients";
import { commandExists } from "../support/prerequisites";
import { missingPrerequisites } from "../support/prerequisites";
import { stepper } from "../support/steps";
import {
  closeSession,
  configDocument,
  createPreexistingResources,
  demoPrerequisites,
  deploy,
  describeDeployment,
  destroy,
  formatTimings,
  leftovers,
  openSession,
  plan,
  planStack,
  PreexistingResources,
  Session,
  stackOutputs,
  writeConfig,
} from "../../cli/demo-session";

const missing = missingPrerequisites("three-protocol deploy and the PrivateLink path (emulator + terraform + namespaces)", [
  ...demoPrerequisites,
  ...transferPathPrerequisites,
  { name: "openssl (apt-get install openssl)", check: () => commandExists("openssl") },
  { name: "nft and sysctl (apt-get install nftables procps)", check: () => commandExists("nft") && commandExists("sysctl") },
  { name: "ssh-keyscan (apt-get install openssh-client)", check: () => commandExists("ssh-keyscan") },
  { name: "timeout and sha256sum (coreutils)", check: () => commandExists("timeout") && commandExists("sha256sum") },
  ...[...new Map(FTP_CLIENTS.map((c) => [c.command, c.debianPackage]))].map(([command, pkg]) => ({
    name: `${command} (apt-get install ${pkg})`,
    check: () => commandExists(command),
  })),
  { name: "ncftpget (apt-get install ncftp)", check: () => commandExists("ncftpget") },
]);
const describeE2E = missing.length ? describe.skip : describe;
const KEEP = process.env.E2E_KEEP === "1";
const DNS_NAME = "ftp.corp.internal";

describeE2E("three protocols (FTP, FTPS, SFTP) on the emulator: deploy, read back, destroy", () => {
  const step = stepper();
  let session: Session | undefined;
  let everythingPassed = false;
  let providerOutputs: Record<string, string>;
  let serverId: string;
  let pre: PreexistingResources;
  let certificateArn: string;
  let certificates: Awaited<ReturnType<typeof makeCertificates>>;
  let certDir: string;
  let pathContext: PathContext | undefined;
  let article: ArticleStep;
  // The NLB's IP pinned to the namespace path's NLB address, so "PassiveIp = the NLB's IP" is the deployed NLB's.
  const threeProtocols = () =>
    configDocument(pre, { protocols: ["FTP", "FTPS", "SFTP"], certificateArn, dnsName: DNS_NAME, passiveIpMode: "control-connection", nlbPrivateIp: ADDRESSES.nlb });
  const context = () => {
    if (!pathContext) throw new Error("no deployment to test against (an earlier step failed)");
    return pathContext;
  };

  beforeAll(async () => {
    session = await openSession({ label: "e2e-protocols" });
  }, 60_000);

  afterAll(async () => {
    if (session) console.log(`three-protocol scenario timings:\n${formatTimings(session)}`);
    await closeSession(session, { keep: KEEP && !everythingPassed });
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  }, 5 * 60_000);

  step("deploys with cdktf deploy provider consumer (the FTPS certificate imported into the emulator's ACM first)", async () => {
    const s = session!;
    pre = await createPreexistingResources(s);
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), `path-certs-${process.pid}-`));
    fs.chmodSync(certDir, 0o755);
    certificates = await makeCertificates(certDir, DNS_NAME);
    ({ CertificateArn: certificateArn } = await aws(s.emulator, [
      "acm", "import-certificate", "--certificate", `fileb://${certificates.cert}`, "--private-key", `fileb://${certificates.key}`,
      "--certificate-chain", `fileb://${certificates.ca}`,
    ]));
    writeConfig(s, threeProtocols());
    await deploy(s, "cdktf deploy (FTP + FTPS + SFTP)");
    const deployment = await describeDeployment(s);
    providerOutputs = deployment.providerOutputs;
    serverId = deployment.server.id;
    expect(deployment.server.passiveIp).toBe("0.0.0.0");
  });

  step("the server has the three protocols, the certificate, the policy, TLS resumption and SFTP methods", async () => {
    const { Server } = await aws(session!.emulator, ["transfer", "describe-server", "--server-id", serverId]);
    expect([...Server.Protocols].sort()).toEqual(["FTP", "FTPS", "SFTP"]);
    expect(Server.Certificate).toBe(certificateArn);
    expect(Server.SecurityPolicyName).toBe("TransferSecurityPolicy-2024-01");
    expect(Server.ProtocolDetails).toMatchObject({ PassiveIp: "0.0.0.0", TlsSessionResumptionMode: "ENFORCED" });
    expect(Server.IdentityProviderDetails).toMatchObject({ SftpAuthenticationMethods: "PUBLIC_KEY_OR_PASSWORD" });
    // Published for consumers to pin, the server's own value.
    expect(providerOutputs.sftp_host_key_fingerprint).toMatch(/^SHA256:/);
    expect(providerOutputs.sftp_host_key_fingerprint).toBe(Server.HostKeyFingerprint);
  });

  step("the NLB listens on 22 too; every target group is health-checked on 21; the endpoint IP is registered on 22", async () => {
    const emu = session!.emulator;
    const { LoadBalancers } = await aws(emu, ["elbv2", "describe-load-balancers"]);
    expect(LoadBalancers).toHaveLength(1);
    const { Listeners } = await aws(emu, ["elbv2", "describe-listeners", "--load-balancer-arn", LoadBalancers[0].LoadBalancerArn]);
    expect(Listeners.map((l: { Port: number }) => l.Port).sort((a: number, b: number) => a - b)).toEqual([21, 22, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200]);
    const { TargetGroups } = await aws(emu, ["elbv2", "describe-target-groups"]);
    const sftpGroup = TargetGroups.find((g: { Port: number }) => g.Port === 22);
    expect(sftpGroup.TargetGroupName).toMatch(/^tf-ftp-22-[0-9a-f]{6}$/);
    expect(new Set(TargetGroups.map((g: { HealthCheckPort: string }) => g.HealthCheckPort))).toEqual(new Set(["21"]));
    const { TargetHealthDescriptions } = await aws(emu, ["elbv2", "describe-target-health", "--target-group-arn", sftpGroup.TargetGroupArn]);
    expect(TargetHealthDescriptions.map((t: { Target: { Port: number } }) => t.Target.Port)).toEqual([22]);
  });

  step("all three security groups admit TCP 22", async () => {
    const emu = session!.emulator;
    const { SecurityGroupRules } = await aws(emu, ["ec2", "describe-security-group-rules"]);
    const { SecurityGroups } = await aws(emu, ["ec2", "describe-security-groups"]);
    const nameOf = new Map(SecurityGroups.map((g: { GroupId: string; Tags?: { Key: string; Value: string }[] }) => [g.GroupId, g.Tags?.find((t) => t.Key === "Name")?.Value]));
    const with22 = SecurityGroupRules.filter((r: { IsEgress: boolean; FromPort: number; ToPort: number }) => !r.IsEgress && r.FromPort === 22 && r.ToPort === 22).map(
      (r: { GroupId: string }) => nameOf.get(r.GroupId),
    );
    expect(new Set(with22)).toEqual(new Set(["tf-ftp-nlb", "tf-ftp-transfer-endpoint", "tf-ftp-consumer-endpoint"]));
  });

  step("the client instance's user data pins the published fingerprint and installs sftp-smoke and the FTPS settings", async () => {
    const s = session!;
    const consumer = await stackOutputs(s, "consumer");
    const attribute = await aws(s.emulator, ["ec2", "describe-instance-attribute", "--instance-id", consumer.client_instance_id, "--attribute", "userData"]);
    const userData = Buffer.from(attribute.UserData.Value, "base64").toString("utf8");
    expect(userData).toContain(`echo '${providerOutputs.sftp_host_key_fingerprint}' > /etc/ftp-smoke/sftp-host-key-fingerprint`);
    expect(userData).toContain(`echo '${DNS_NAME}' > /etc/ftp-smoke/host`);
    // The compressed files unpack to the project's own.
    const blocks = [...userData.matchAll(/base64 -d <<'GZ' \| gunzip > (\S+)\n([A-Za-z0-9+/=\n]+?)\nGZ\n/g)];
    const files = Object.fromEntries(blocks.map((m) => [m[1], gunzipSync(Buffer.from(m[2].replace(/\n/g, ""), "base64")).toString("utf8")]));
    expect(Object.keys(files).sort()).toEqual(["/etc/ftp-smoke/lftprc-ftps", "/etc/sysctl.d/60-ftp-keepalive.conf", "/tmp/lftprc", "/usr/local/bin/ftp-smoke", "/usr/local/bin/sftp-smoke"]);
    expect(files["/usr/local/bin/sftp-smoke"]).toContain("StrictHostKeyChecking=yes");
    expect(files["/etc/ftp-smoke/lftprc-ftps"]).toContain("set ssl:verify-certificate yes");
  });

  step("the article's last step: a user made by npm run users uploads test.txt with lftp through the path; the object is in S3 at home/<user>/", async () => {
    const s = session!;
    const server = await deployedServer(s);
    pathContext = {
      session: s,
      serverId: server.serverId,
      functionName: server.functionName,
      bucket: pre.bucketName,
      ca: certificates.ca,
      otherCa: certificates.otherCa,
      hostName: DNS_NAME,
      hostKeyFingerprint: providerOutputs.sftp_host_key_fingerprint,
    };
    article = await articleLastStep(s, { bucket: pre.bucketName, tag: `${process.pid}a`, say: (line) => s.notes.push(`article: ${line}`) });
    expect({ code: article.upload.code, stderr: article.upload.stderr }).toEqual({ code: 0, stderr: "" });
    expect(article.key).toBe("home/alice/test.txt");
    expect(article.stored?.equals(article.sent)).toBe(true);
  });

  it("another user cannot read it: not over FTP (their home is their own), not in S3 with their role and session policy", async () => {
    expect(article.otherOverFtp.code).not.toBe(0);
    expect(article.otherOverFtp.stderr).toMatch(/550 No such file or directory/);
    expect(article.otherInS3).toEqual({ allowed: false, error: expect.stringMatching(/AccessDenied/) });
  });

  it("a wrong password is refused (530: curl exit 67) every time, and the identity provider's backoff shows after five", async () => {
    expect(article.wrongPasswords.map((r) => r.code)).toEqual(Array(article.wrongPasswords.length).fill(67));
    // Five free failures, then a 1 s window that doubles with each failure: the first login inside a window is the
    // throttled one (the sixth, or a few later where a login takes longer than the window); each login has a decision.
    const reasons = article.decisions.map((d) => d.reason);
    expect(reasons).toHaveLength(article.wrongPasswords.length);
    expect(reasons.slice(0, 5)).toEqual(Array(5).fill("wrong-password"));
    expect(reasons.slice(5)).toEqual([...Array(reasons.length - 6).fill("wrong-password"), "throttled"]);
    expect(reasons.length).toBeLessThanOrEqual(9);
    expect(article.decisions[reasons.length - 1].retryAfterSeconds).toBeGreaterThan(0);
  });

  it("an SFTP login with the user's key (npm run users -- add-key) uploads, host key pinned by the published fingerprint", async () => {
    expect({ code: article.sftp?.run.code, stderr: article.sftp?.run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(article.sftp!.stored?.equals(article.sftp!.sent)).toBe(true);
  });

  ftpPathSuite(context);
  idleTimeoutSuite(context);
  ftpsSuite(context);
  sftpSuite(context);
  clientMatrixSuite(context);

  step("the server is put back as deployed (PassiveIp 0.0.0.0, the three protocols, ENFORCED)", async () => {
    const emu = session!.emulator;
    const serverId = context().serverId;
    await aws(emu, ["transfer", "update-server", "--server-id", serverId, "--protocols", "FTP", "FTPS", "SFTP",
      "--protocol-details", "PassiveIp=0.0.0.0,TlsSessionResumptionMode=ENFORCED"]);
    await aws(emu, ["transfer", "stop-server", "--server-id", serverId]);
    await aws(emu, ["transfer", "start-server", "--server-id", serverId]);
    const { Server } = await aws(emu, ["transfer", "describe-server", "--server-id", serverId]);
    expect(Server).toMatchObject({ State: "ONLINE", ProtocolDetails: { PassiveIp: "0.0.0.0", TlsSessionResumptionMode: "ENFORCED" } });
  });

  step("a second plan of both stacks shows no changes (every new setting reads back as written)", async () => {
    const [provider, consumer] = await Promise.all([planStack(session!, "provider"), planStack(session!, "consumer")]);
    expect({ provider: provider.exitCode, consumer: consumer.exitCode }).toEqual({ provider: 0, consumer: 0 });
  });

  step("going back to FTP only plans updates and removals: the server, NLB and security groups stay", async () => {
    const s = session!;
    writeConfig(s, configDocument(pre, { dnsName: DNS_NAME, passiveIpMode: "control-connection", nlbPrivateIp: ADDRESSES.nlb }));
    const diff = await plan(s, ["provider"], "cdktf diff provider (three protocols -> FTP only)");
    const output = diff.output.replace(/\x1b\[[0-9;]*m/g, "");
    expect(output).toMatch(/aws_transfer_server\.\S+ (\([^)]*\) )?will be updated in-place/);
    // Only the server changes (protocols, certificate, policy, SFTP methods, TLS resumption); the port-22
    // listener, target group, attachment and three rules go.
    expect(output).toMatch(/Plan: 0 to add, 1 to change, 6 to destroy\./);
    expect(output).toMatch(/aws_lb_listener\.\S*listener-22\S* will be destroyed/);
    expect(output).toMatch(/aws_lb_target_group\.\S*port-22\S* will be destroyed/);
    expect(output).not.toMatch(/aws_(transfer_server|lb|security_group|lb_target_group|lb_listener)\.\S+ must be replaced/);
    writeConfig(s, threeProtocols());
  });

  step("cdktf destroy leaves nothing behind", async () => {
    const s = session!;
    await destroy(s);
    expect(await leftovers(s)).toEqual([]);
    everythingPassed = true;
  });
});
