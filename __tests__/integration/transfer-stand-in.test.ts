// The Transfer stand-in's own claims (emulator/transfer-stand-in/), on a bare
// emulator with a small identity-provider function of the test's (no deploy:
// about half a minute): the event it sends, the answers it refuses, the FTP
// commands Transfer does not have, folders/rename/delete in S3, listings,
// TlsSessionResumptionMode DISABLED, SFTP PUBLIC_KEY_AND_PASSWORD, and that it
// will not play a server that is offline or whose certificate is not in ACM.
// Clients run in the consumer namespace of the PrivateLink path
// (emulator/privatelink-path.ts), as in the end-to-end scenario; the project's
// own identity provider is exercised there (protocols-deploy.test.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { zipSync } from "fflate";
import { aws, awsEnv, Emulator, emulatorPrerequisites, startEmulator } from "../../emulator/client";
import { ADDRESSES, createTopology, PrivateLinkPath, runCommand } from "../../emulator/privatelink-path";
import { commandExists, isRoot, missingPrerequisites } from "../support/prerequisites";
import { makeCertificates } from "../support/path-suites/ftps-sftp";

const ROOT = path.resolve(__dirname, "../..");
const BUCKET = "stand-in-bucket";
const HOST = "ftp.corp.internal";

const missing = missingPrerequisites("Transfer stand-in (emulator + network namespaces)", [
  ...emulatorPrerequisites,
  { name: "root (network namespaces need it)", check: isRoot },
  { name: "ip, ss (apt-get install iproute2)", check: () => commandExists("ip") && commandExists("ss") },
  { name: "socat, lftp, curl, openssl", check: () => ["socat", "lftp", "curl", "openssl"].every(commandExists) },
  { name: "sftp, ssh-keygen, ssh-keyscan (apt-get install openssh-client)", check: () => ["sftp", "ssh-keygen", "ssh-keyscan"].every(commandExists) },
]);

// The function logs the event it got (the password only as whether there was one) and answers per user name.
const FUNCTION = `
exports.handler = async (event) => {
  process.stdout.write(JSON.stringify({ seen: { ...event, password: event.password === "" ? "(empty)" : event.password === undefined ? "(absent)" : "(given)" } }) + "\\n");
  const logical = (user) => ({ Role: process.env.ROLE, HomeDirectoryType: "LOGICAL", HomeDirectoryDetails: JSON.stringify([{ Entry: "/", Target: "/${BUCKET}/home/" + user }]) });
  switch (event.username) {
    case "alice":
      if (event.protocol === "SFTP" && event.password === "") return { ...logical("alice"), PublicKeys: [process.env.KEY] };
      return event.password === "pw-alice" ? logical("alice") : {};
    case "rootless":
      return event.password === "pw" ? logical("rootless") : {};
    case "pathuser":
      return event.password === "pw" ? { Role: process.env.ROLE, HomeDirectory: "/${BUCKET}/home/pathuser" } : {};
    case "keysinpw":
      return event.password === "pw" ? { ...logical("keysinpw"), PublicKeys: [process.env.KEY] } : {};
    case "norole":
      return { HomeDirectoryType: "LOGICAL", HomeDirectoryDetails: JSON.stringify([{ Entry: "/", Target: "/${BUCKET}/home/norole" }]) };
    default:
      return {};
  }
};
`;

(missing.length ? describe.skip : describe)("the Transfer stand-in on a bare emulator", () => {
  let emulator: Emulator;
  let transferPath: PrivateLinkPath;
  let serverId: string;
  let serverArn: string;
  let work: string;
  let key: string;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let certificateArn: string;
  let functionArn: string;

  const run = (argv: string[], input = "") =>
    transferPath.run("consumer", argv, { env: { PATH: process.env.PATH, HOME: work }, input, timeoutMs: 30_000 });
  const lftp = (user: string, password: string, commands: string, extra: string[] = []) =>
    transferPath.run(
      "consumer",
      ["lftp", "-d", "-c", [...extra, "set net:timeout 5", "set net:max-retries 1", "set cmd:fail-exit yes", `open --env-password -u ${user} ${ADDRESSES.endpoint}`, commands].join("; ")],
      { env: { PATH: process.env.PATH, HOME: work, LFTP_PASSWORD: password }, timeoutMs: 30_000 },
    );
  const plainLftp = (user: string, password: string, commands: string) => lftp(user, password, commands, ["set ftp:ssl-allow no", "set ftp:prefer-epsv yes"]);
  const keys = async (prefix: string) =>
    ((await aws(emulator, ["s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", prefix]))?.Contents ?? []).map((o: { Key: string }) => o.Key).sort();
  const events = async (): Promise<Record<string, string>[]> => {
    const { events: found } = await aws(emulator, ["logs", "filter-log-events", "--log-group-name", "/aws/lambda/stand-in-idp"]);
    return (found ?? []).flatMap((e: { message: string }) =>
      e.message.split("\n").filter((l) => l.startsWith('{"seen"')).map((l) => (JSON.parse(l) as { seen: Record<string, string> }).seen),
    );
  };
  const refusals = (since: number) => transferPath.standInLog().slice(since).filter((e) => e.event === "login-refused").map((e) => e.reason);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), `stand-in-${process.pid}-`));
    fs.chmodSync(work, 0o755);
    // The set-up makes roles and uses them at once (the propagation delay is emulator-iam.test.ts's subject).
    emulator = await startEmulator({ region: "us-east-1", iamPropagationSeconds: 0 });
    certs = await makeCertificates(work, HOST);
    key = path.join(work, "alice");
    await runCommand(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key]);
    await aws(emulator, ["s3api", "create-bucket", "--bucket", BUCKET]);
    const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
    const userRole = (await aws(emulator, ["iam", "create-role", "--role-name", "stand-in-user", "--assume-role-policy-document", trust("transfer.amazonaws.com")])).Role.Arn;
    await aws(emulator, ["iam", "put-role-policy", "--role-name", "stand-in-user", "--policy-name", "s3",
      "--policy-document", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }] })]);
    const fnRole = (await aws(emulator, ["iam", "create-role", "--role-name", "stand-in-idp", "--assume-role-policy-document", trust("lambda.amazonaws.com")])).Role.Arn;
    const zip = path.join(work, "idp.zip");
    fs.writeFileSync(zip, zipSync({ "index.js": new TextEncoder().encode(FUNCTION) }));
    const publicKey = fs.readFileSync(`${key}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    functionArn = (await aws(emulator, ["lambda", "create-function", "--function-name", "stand-in-idp", "--runtime", "nodejs22.x", "--handler", "index.handler",
      "--role", fnRole, "--zip-file", `fileb://${zip}`, "--environment", JSON.stringify({ Variables: { ROLE: userRole, KEY: publicKey } })])).FunctionArn;
    certificateArn = (await aws(emulator, ["acm", "import-certificate", "--certificate", `fileb://${certs.cert}`, "--private-key", `fileb://${certs.key}`,
      "--certificate-chain", `fileb://${certs.ca}`])).CertificateArn;
    // FTP and FTPS need a VPC endpoint (Transfer API reference, CreateServer, Protocols): a VPC and a subnet for it.
    const { Vpc } = await aws(emulator, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]);
    const { Subnet } = await aws(emulator, ["ec2", "create-subnet", "--vpc-id", Vpc.VpcId, "--cidr-block", "10.0.3.0/24", "--availability-zone", "us-east-1a"]);
    const server = await aws(emulator, ["transfer", "create-server", "--protocols", "FTP", "FTPS", "SFTP", "--identity-provider-type", "AWS_LAMBDA",
      "--endpoint-type", "VPC", "--endpoint-details", `VpcId=${Vpc.VpcId},SubnetIds=${Subnet.SubnetId}`,
      "--identity-provider-details", `Function=${functionArn}`, "--certificate", certificateArn, "--protocol-details", "PassiveIp=0.0.0.0",
      "--security-policy-name", "TransferSecurityPolicy-2024-01", "--s3-storage-options", "DirectoryListingOptimization=ENABLED"]);
    serverId = server.ServerId;
    serverArn = `arn:aws:transfer:us-east-1:123456789012:server/${serverId}`;
    await aws(emulator, ["lambda", "add-permission", "--function-name", "stand-in-idp", "--statement-id", "transfer", "--action", "lambda:InvokeFunction",
      "--principal", "transfer.amazonaws.com", "--source-arn", serverArn]);
    const env = awsEnv(emulator);
    transferPath = await createTopology({
      tag: `${process.pid}t`,
      projectRoot: ROOT,
      target: {
        emulatorEndpoint: emulator.endpoint,
        serverId,
        region: "us-east-1",
        awsEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("AWS_") && k !== "AWS_ENDPOINT_URL")),
      },
    });
  }, 120_000);

  afterAll(async () => {
    const problems = transferPath ? await transferPath.destroy() : [];
    await emulator?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 30_000);

  it("sends Transfer's event: user, password, protocol as negotiated, the server's ID, the NLB's address as sourceIp", async () => {
    const plain = await plainLftp("alice", "pw-alice", "cls -1");
    expect(plain.code).toBe(0);
    const tls = await lftp("alice", "pw-alice", "cls -1", ["set ftp:ssl-force yes", `set ssl:ca-file "${certs.ca}"`]);
    expect({ code: tls.code, tail: tls.code === 0 ? "" : tls.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
    const seen = (await events()).filter((e) => e.username === "alice");
    expect(seen).toEqual(
      expect.arrayContaining([
        { username: "alice", password: "(given)", protocol: "FTP", serverId, sourceIp: ADDRESSES.nlb },
        { username: "alice", password: "(given)", protocol: "FTPS", serverId, sourceIp: ADDRESSES.nlb },
      ]),
    );
  });

  it("refuses (530) an answer without Role, a PATH home (not imitated), and PublicKeys in a password answer", async () => {
    const since = transferPath.standInLog().length;
    for (const user of ["norole", "pathuser", "keysinpw"]) {
      const result = await plainLftp(user, "pw", "cls -1");
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/<--- 530 /);
    }
    expect(refusals(since)).toEqual([
      "no Role in the answer (refused)",
      "HomeDirectoryType PATH (default) is not imitated (LOGICAL only)",
      "PublicKeys returned for a password login",
    ]);
  });

  it("has no active mode and no APPE (502), as Transfer", async () => {
    // A raw control connection: the commands are queued behind the login and answered in order.
    const script = "USER alice\r\nPASS pw-alice\r\nPORT 10,0,3,10,40,1\r\nEPRT |1|10.0.3.10|10241|\r\nAPPE x\r\nREST 10\r\nQUIT\r\n";
    // stdin stays open a while: the server ends a session whose client has ended its side.
    const result = await run(["sh", "-c", `{ printf '%s' "$1"; sleep 5; } | socat -t 2 - TCP4:${ADDRESSES.endpoint}:21`, "raw-ftp", script]);
    expect(result.stdout.split("\r\n").map((l) => l.slice(0, 3))).toEqual(["220", "331", "230", "502", "502", "502", "502", "221", ""]);
  });

  it("keeps folders, renames and deletes in S3 under the home; lists them as ls -l and MLSD; refuses renaming a folder", async () => {
    const local = path.join(work, "f.txt");
    fs.writeFileSync(local, "hello\n");
    const made = await plainLftp("alice", "pw-alice", `mkdir docs; put "${local}" -o docs/a.txt; mv docs/a.txt docs/b.txt; ls docs; mkdir empty; rmdir empty`);
    expect({ code: made.code, tail: made.code === 0 ? "" : made.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
    expect(await keys("home/alice/")).toEqual(["home/alice/docs/", "home/alice/docs/b.txt"]);
    expect(made.stdout).toMatch(/^-rw-r--r-- +1 - - +6 \w{3} \d\d \d\d:\d\d b\.txt$/m);
    const mlsd = await plainLftp("alice", "pw-alice", "quote MLST docs/b.txt");
    // lftp prints a quoted command's reply on stdout.
    expect(`${mlsd.stdout}${mlsd.stderr}`).toMatch(/type=file;size=6;modify=\d{14}; \/docs\/b\.txt/);
    const folderRename = await plainLftp("alice", "pw-alice", "mv docs other");
    expect(folderRename.stderr).toMatch(/<--- 550 /);
    const removed = await plainLftp("alice", "pw-alice", "rm docs/b.txt; rmdir docs");
    expect(removed.code).toBe(0);
    expect(await keys("home/alice/")).toEqual([]);
  });

  it("TlsSessionResumptionMode DISABLED: data connections are new TLS sessions, and work", async () => {
    await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--protocol-details", "TlsSessionResumptionMode=DISABLED"]);
    await transferPath.restartStandIn();
    try {
      const since = transferPath.standInLog().length;
      const result = await lftp("alice", "pw-alice", "cls -1; cls -1", ["set cache:enable no", "set ftp:ssl-force yes", `set ssl:ca-file "${certs.ca}"`]);
      expect(result.code).toBe(0);
      expect(transferPath.standInLog().slice(since).filter((e) => e.event === "data-tls").map((e) => e.resumed)).toEqual([false, false]);
    } finally {
      await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--protocol-details", "TlsSessionResumptionMode=ENFORCED"]);
      await transferPath.restartStandIn();
    }
  }, 60_000);

  it("SFTP PUBLIC_KEY_AND_PASSWORD: the key alone is not enough, the key and the password are (two questions to the identity provider)", async () => {
    await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--identity-provider-details",
      `Function=${functionArn},SftpAuthenticationMethods=PUBLIC_KEY_AND_PASSWORD`]);
    await transferPath.restartStandIn();
    try {
      const knownHosts = path.join(work, "known_hosts");
      fs.writeFileSync(knownHosts, (await run(["ssh-keyscan", ADDRESSES.endpoint])).stdout);
      const batch = path.join(work, "batch");
      fs.writeFileSync(batch, "ls\n");
      const common = ["-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-i", key, "-b", batch];
      const keyOnly = await run(["sftp", "-o", "BatchMode=yes", ...common, `alice@${ADDRESSES.endpoint}`]);
      expect(keyOnly.code).not.toBe(0);
      expect(keyOnly.stderr).toMatch(/Permission denied \(password\)|Authenticated using "publickey" with partial success/);
      const askpass = path.join(work, "askpass");
      fs.writeFileSync(askpass, "#!/bin/sh\necho pw-alice\n", { mode: 0o700 });
      // BatchMode before -b (which adds BatchMode yes after it; ssh keeps the first value), so askpass is asked.
      const both = await transferPath.run("consumer", ["setsid", "-w", "sftp", "-o", "BatchMode=no", ...common, `alice@${ADDRESSES.endpoint}`], {
        env: { PATH: process.env.PATH, HOME: work, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: "none" },
        timeoutMs: 30_000,
      });
      expect({ code: both.code, stderr: both.stderr.replace(/^Warning.*\n/m, "") }).toEqual({ code: 0, stderr: "" });
    } finally {
      await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--identity-provider-details", `Function=${functionArn}`]);
      await transferPath.restartStandIn();
    }
  }, 60_000);

  it("without S3's directory listing optimization, a LOGICAL home's root folder must exist before the login", async () => {
    await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--s3-storage-options", "DirectoryListingOptimization=DISABLED"]);
    await transferPath.restartStandIn();
    try {
      const since = transferPath.standInLog().length;
      const refused = await plainLftp("rootless", "pw", "cls -1");
      expect(refused.stderr).toMatch(/<--- 530 /);
      expect(refusals(since)).toEqual([
        `home root folder missing: s3://${BUCKET}/home/rootless/ (S3 DirectoryListingOptimization is DISABLED: the folder must exist before login)`,
      ]);
      await aws(emulator, ["s3api", "put-object", "--bucket", BUCKET, "--key", "home/rootless/"]);
      const admitted = await plainLftp("rootless", "pw", "cls -1");
      expect({ code: admitted.code, tail: admitted.code === 0 ? "" : admitted.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
    } finally {
      await aws(emulator, ["s3api", "delete-object", "--bucket", BUCKET, "--key", "home/rootless/"]);
      await aws(emulator, ["transfer", "update-server", "--server-id", serverId, "--s3-storage-options", "DirectoryListingOptimization=ENABLED"]);
      await transferPath.restartStandIn();
    }
    // With the optimization on (as the stacks set it), the same user needs no folder object.
    const optimized = await plainLftp("rootless", "pw", "cls -1");
    expect(optimized.code).toBe(0);
  }, 90_000);

  it("does not play a server that is not ONLINE, nor FTPS without its certificate in ACM", async () => {
    await aws(emulator, ["transfer", "stop-server", "--server-id", serverId]);
    try {
      await expect(transferPath.restartStandIn()).rejects.toThrow(/is OFFLINE, not ONLINE/);
    } finally {
      await aws(emulator, ["transfer", "start-server", "--server-id", serverId]);
    }
    await aws(emulator, ["acm", "delete-certificate", "--certificate-arn", certificateArn]);
    await expect(transferPath.restartStandIn()).rejects.toThrow(/FTPS needs the certificate .* in the emulator's ACM/);
  }, 60_000);
});

