// End to end against the local AWS emulator: `cdktf deploy provider consumer`
// as a user runs it, then what the emulator holds, an NLB IP change, and
// `cdktf destroy consumer provider`.
//
// Two scenarios, each with its own emulator, temporary working copy, state and
// cdktf.out (cli/demo-session.ts, which `npm run demo` uses too), run side by
// side: most of a deploy is the AWS provider's fixed wait for the NLB to
// become active, so the second one costs little extra.
//   1. Single AZ, the article: NLB IP pinned to 10.0.3.119, client instance
//      on; then a second deploy that moves the NLB to 10.0.3.120 (a
//      new NLB, the endpoint service switched to it, PassiveIp updated).
//      Before that, a consumer subnet in an AZ the NLB does not serve is
//      refused at plan time by AZ ID.
//   (Subnet changes -- one to two AZs, one of two replaced, two to one -- and
//   every other day-2 change are in day2-changes.test.ts.)
//   2. passiveIpMode consumer-endpoint: deployed in control-connection
//      mode with consumer.dnsName (Route 53 zone + alias), then switched to the
//      consumer endpoint's pinned IP. Done directly, the provider plan refuses it
//      (the server would hand out the new address before the endpoint has it);
//      done by the README's safe procedure (server stopped, new address recorded,
//      both stacks applied, server started) it goes through with no restart by
//      the stacks: PassiveIp = that IP, and no PASV reply ever named it early.
//
// What this proves and what it cannot (real networking, the PrivateLink data
// path, Transfer's FTP service, IAM enforcement, Lambda's own runtime): README,
// "The local AWS emulator". Set E2E_KEEP=1 to keep the temporary folders
// (config, state, cdktf.out) after a failure.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { aws } from "../../emulator/client";
import { markerParameterName } from "../../functions/passive-ip-restart/marker";
import { loadBalancerGeneration } from "../../stacks/provider/ftp-load-balancer";
import { missingPrerequisites } from "../support/prerequisites";
import { STEP_TIMEOUT_MS, stepper } from "../support/steps";
import {
  addFtpUser,
  closeSession,
  CommandError,
  configDocument,
  createPreexistingResources,
  createSubnet,
  demoPrerequisites,
  deploy,
  Deployment,
  describeDeployment,
  destroy,
  formatTimings,
  leftovers,
  openSession,
  PreexistingResources,
  readConfig,
  run,
  RunResult,
  Session,
  stateResources,
  writeConfig,
  stackOutput,
} from "../../cli/demo-session";

const missing = missingPrerequisites("end-to-end deploy (emulator + terraform)", demoPrerequisites);
const describeE2E = missing.length ? describe.skip : describe;

const KEEP = process.env.E2E_KEEP === "1";
const LISTENER_PORTS = [21, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];
const FIRST_IP = "10.0.3.119";
const SECOND_IP = "10.0.3.120";
// The emulator keeps a new Transfer server's VPC endpoint pending (ENIs not listed) this long, as
// AWS reports the server ONLINE before its endpoint is available; the stacks must wait before reading the ENIs.
const ENDPOINT_PENDING_SECONDS = 8;


/** Managed resources of one type in a stack's state, by address, with their IDs. */
function stateIds(session: Session, type: string): Record<string, string> {
  return Object.fromEntries(
    stateResources(session, "provider")
      .filter((r) => r.type === type)
      .map((r) => [`${r.type}.${r.name}`, String(r.instances[0].attributes.id)]),
  );
}

function notes(session: Session): string {
  return session.notes.length ? `\nnotes:\n  ${session.notes.join("\n  ")}` : "";
}

function restartSummary(deployment: Deployment): string[] {
  return deployment.restartCalls.map((c) => `${c.action} from ${c.fromState}`);
}

// ---------------------------------------------------------------- scenario 2
const ENDPOINT_IP = "10.0.3.50";
const DNS_NAME = "ftp.corp.internal";

interface HostedZoneView {
  readonly name: string;
  readonly privateZone: boolean;
  readonly vpcs: { VPCId: string; VPCRegion: string }[];
  readonly records: { Name: string; Type: string; AliasTarget?: { DNSName: string; HostedZoneId: string } }[];
}

interface ConsumerEndpointResult {
  readonly pre: PreexistingResources;
  readonly before: Deployment;
  readonly after: Deployment;
  readonly zoneBefore: HostedZoneView;
  readonly zoneAfter: HostedZoneView;
  /** The direct switch, refused at plan time. */
  readonly refusedOutput: string;
  /** Transfer calls for the server during the refused attempt. */
  readonly refusedServerCalls: { action: string; params?: unknown }[];
  readonly switchOutput: string;
  /** Transfer calls the emulator recorded for the server during the switch, in order. */
  readonly switchServerCalls: { action: string; params?: unknown }[];
  readonly endpointStateAfter: Record<string, unknown>;
  readonly endpointEniIps: string[];
  readonly clientUserData: string;
  readonly zonesLeft: string[];
  readonly leftovers: string[];
  readonly timings: string;
}

async function hostedZone(session: Session, name: string): Promise<HostedZoneView> {
  const emu = session.emulator;
  const { HostedZones } = await aws(emu, ["route53", "list-hosted-zones-by-name", "--dns-name", name]);
  const zone = HostedZones.find((z: { Name: string }) => z.Name === `${name}.`);
  if (!zone) throw new Error(`no hosted zone ${name}`);
  const [details, records] = await Promise.all([
    aws(emu, ["route53", "get-hosted-zone", "--id", zone.Id]),
    aws(emu, ["route53", "list-resource-record-sets", "--hosted-zone-id", zone.Id]),
  ]);
  return { name: zone.Name, privateZone: zone.Config.PrivateZone, vpcs: details.VPCs ?? [], records: records.ResourceRecordSets };
}

/** Deploy in control-connection mode with a host name, switch to consumer-endpoint, destroy; in the background. */
async function runConsumerEndpointScenario(): Promise<ConsumerEndpointResult> {
  let session: Session | undefined;
  let ok = false;
  try {
    session = await openSession({ label: "e2e-consumer-endpoint" });
    const emu = session.emulator;
    const pre = await createPreexistingResources(session);
    writeConfig(session, configDocument(pre, { passiveIpMode: "control-connection", dnsName: DNS_NAME }));
    await deploy(session, "cdktf deploy (control-connection, dnsName)");
    const before = await describeDeployment(session);
    const zoneBefore = await hostedZone(session, DNS_NAME);
    const callsBefore = (await emu.calls()).length;

    // Directly: refused by the provider's plan (consumer.endpointIp guard), nothing applied.
    writeConfig(session, configDocument(pre, { passiveIpMode: "consumer-endpoint", consumerEndpointIp: ENDPOINT_IP, dnsName: DNS_NAME }));
    const refused = await deploy(session, "cdktf deploy (switch to consumer-endpoint, refused)").then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(refused instanceof CommandError)) throw new Error("the direct switch to consumer-endpoint was not refused");
    const refusedServerCalls = (await emu.calls())
      .slice(callsBefore)
      .filter((c) => c.serverId === before.server.id)
      .map((c) => ({ action: c.action, params: c.params }));

    // The safe procedure (README "Day-2 changes"): stop the server, record the new address as the
    // one its next start applies, apply both stacks, start the server.
    const marker = markerParameterName(readConfig(session).namePrefix, before.server.id);
    await aws(emu, ["transfer", "stop-server", "--server-id", before.server.id]);
    await aws(emu, ["transfer", "wait", "server-offline", "--server-id", before.server.id]);
    await aws(emu, ["ssm", "put-parameter", "--overwrite", "--type", "String", "--name", marker, "--value", ENDPOINT_IP]);
    const switched = await deploy(session, "cdktf deploy (switch to consumer-endpoint, server stopped)");
    await aws(emu, ["transfer", "start-server", "--server-id", before.server.id]);
    await aws(emu, ["transfer", "wait", "server-online", "--server-id", before.server.id]);
    const after = await describeDeployment(session);
    const zoneAfter = await hostedZone(session, DNS_NAME);
    const switchServerCalls = (await emu.calls())
      .slice(callsBefore)
      .filter((c) => c.serverId === after.server.id)
      .map((c) => ({ action: c.action, params: c.params }));
    const endpointState = stateResources(session, "consumer").find((r) => r.type === "aws_vpc_endpoint");
    const { NetworkInterfaces } = await aws(emu, [
      "ec2",
      "describe-network-interfaces",
      "--filters",
      `Name=description,Values=VPC Endpoint Interface ${after.consumerEndpoint.id}`,
    ]);
    const userData = await aws(emu, ["ec2", "describe-instance-attribute", "--instance-id", after.clientInstance!.id, "--attribute", "userData"]);

    await destroy(session);
    const zonesLeft = (await aws(emu, ["route53", "list-hosted-zones"])).HostedZones.map((z: { Name: string }) => z.Name);
    const left = await leftovers(session);
    ok = true;
    return {
      pre,
      before,
      after,
      zoneBefore,
      zoneAfter,
      refusedOutput: refused.result.output,
      refusedServerCalls,
      switchOutput: switched.output,
      switchServerCalls,
      endpointStateAfter: (endpointState?.instances[0].attributes ?? {}) as Record<string, unknown>,
      endpointEniIps: NetworkInterfaces.map((n: { PrivateIpAddress: string }) => n.PrivateIpAddress),
      clientUserData: Buffer.from(userData.UserData?.Value ?? "", "base64").toString("utf8"),
      zonesLeft,
      leftovers: left,
      timings: formatTimings(session) + notes(session),
    };
  } finally {
    if (session && !ok) console.log(`consumer-endpoint scenario failed; timings so far:\n${formatTimings(session)}`);
    await closeSession(session, { keep: KEEP && !ok });
  }
}

describeE2E("end to end: cdktf deploy/destroy against the local AWS emulator", () => {
  // Scenario 2, in the background beside scenario 1 (its own emulator).
  let consumerEndpoint: Promise<ConsumerEndpointResult>;
  beforeAll(() => {
    consumerEndpoint = runConsumerEndpointScenario();
    consumerEndpoint.catch(() => undefined); // reported by the tests that await it
  });
  afterAll(async () => {
    await consumerEndpoint?.catch(() => undefined);
  }, 2 * STEP_TIMEOUT_MS);

  describe("single AZ (the article): pinned NLB IP, then a new pinned IP", () => {
    const step = stepper();
    let session: Session;
    let pre: PreexistingResources;
    let first: Deployment;
    let firstDeploy: RunResult;
    let everythingPassed = false;

    beforeAll(async () => {
      session = await openSession({ label: "e2e-single-az", emulator: { transferEndpointPendingSeconds: ENDPOINT_PENDING_SECONDS } });
    }, 60_000);

    afterAll(async () => {
      if (session) console.log(`single-AZ scenario timings:\n${formatTimings(session)}${notes(session)}`);
      await closeSession(session, { keep: KEEP && !everythingPassed });
    }, 60_000);

    step("a. the pre-existing resources: two VPCs with the same CIDR, a 10.0.3.0/24 subnet in each, the bucket", async () => {
      pre = await createPreexistingResources(session);
      const emu = session.emulator;
      const { Vpcs } = await aws(emu, ["ec2", "describe-vpcs", "--vpc-ids", pre.providerVpcId, pre.consumerVpcId]);
      expect(Vpcs.map((v: { CidrBlock: string }) => v.CidrBlock)).toEqual(["10.0.0.0/16", "10.0.0.0/16"]);
      expect(pre.providerSubnets).toEqual([expect.objectContaining({ cidr: "10.0.3.0/24", availabilityZone: "ap-northeast-1a" })]);
      expect(pre.consumerSubnets).toEqual([expect.objectContaining({ cidr: "10.0.3.0/24" })]);
      await aws(emu, ["s3api", "head-bucket", "--bucket", pre.bucketName]);
    });

    step("b. a config for them validates (region, pinned NLB IP inside its subnet, terraform_data restart)", async () => {
      const config = writeConfig(session, configDocument(pre, { nlbPrivateIp: FIRST_IP, restartTimeoutSeconds: 120 }));
      expect(config).toMatchObject({
        region: "ap-northeast-1",
        backend: { type: "local", dir: "state" },
        provider: {
          nlbPrivateIp: FIRST_IP,
          subnetCidrs: { [pre.providerSubnets[0].id]: "10.0.3.0/24" },
          restartResource: "terraform_data",
          restartTimeoutSeconds: 120,
          allowedPrincipals: ["arn:aws:iam::123456789012:root"],
        },
        consumer: { client: { enabled: true, instanceType: "t3.micro" } },
      });
    });

    step("c. cdktf deploy provider consumer --auto-approve --skip-provider-lock", async () => {
      firstDeploy = await deploy(session, "cdktf deploy (first)");
      expect(stackOutput(firstDeploy.output, "provider")).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
      expect(stackOutput(firstDeploy.output, "consumer")).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
      first = await describeDeployment(session);
    });

    step("d. npm run users -- add alice (password on stdin) stores an scrypt hash, encrypted with the user-secrets key the provider stack outputs", async () => {
      const password = "correct horse battery staple";
      const secretName = await addFtpUser(session, "alice", password);
      expect(secretName).toBe("tf-ftp/users/alice");
      const { SecretString } = await aws(session.emulator, ["secretsmanager", "get-secret-value", "--secret-id", secretName]);
      expect(SecretString).not.toContain(password);
      expect(JSON.parse(SecretString)).toMatchObject({ passwordHash: { algorithm: "scrypt" } });
      // The key came from the provider stack's output (terraform output -json), as `add` reads it after a deploy.
      const { KmsKeyId } = await aws(session.emulator, ["secretsmanager", "describe-secret", "--secret-id", secretName]);
      expect(KmsKeyId).toBe(first.providerOutputs.user_secrets_key_arn);
      expect(KmsKeyId).toMatch(/^arn:aws:kms:ap-northeast-1:123456789012:key\//);
    });

    // The deployed function, run by the emulator (patch 22) with its deployed environment and role:
    // the secret prefix, the server-ID parameter, the user-secrets key check, the attempts table.
    step("d2. the deployed identity provider answers Transfer-shaped events: alice's password, a wrong one, another server", async () => {
      const emu = session.emulator;
      const fn = stateResources(session, "provider").find((r) => r.type === "aws_lambda_function");
      const functionName = String(fn?.instances[0].attributes.function_name);
      expect(functionName).toBe("tf-ftp-identity-provider");
      const userRole = (await aws(emu, ["iam", "get-role", "--role-name", "tf-ftp-transfer-s3-access"])).Role.Arn;
      const serverId = first.providerOutputs.transfer_server_id;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-idp-"));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const login = async (label: string, event: Record<string, string>): Promise<{ functionError?: string; response: any }> => {
        const out = path.join(dir, `${label}.json`);
        const { FunctionError } = await aws(emu, ["lambda", "invoke", "--function-name", functionName, "--payload", JSON.stringify(event), out]);
        return { functionError: FunctionError, response: JSON.parse(fs.readFileSync(out, "utf8")) };
      };
      const event = { username: "alice", password: "correct horse battery staple", protocol: "FTP", serverId, sourceIp: FIRST_IP };
      try {
        // Not clearCalls(): later steps count the restarts since the first deploy.
        const callsBefore = (await emu.calls()).length;
        // One after the other: the wrong password counts a failure for alice (login-throttle.ts).
        const right = await login("right", event);
        const otherServer = await login("other-server", { ...event, serverId: "s-0123456789abcdef0" });
        const wrong = await login("wrong", { ...event, password: "Tr0ub4dor&3" });
        expect(right.functionError).toBeUndefined();
        expect(right.response).toMatchObject({ Role: userRole, HomeDirectoryType: "LOGICAL" });
        expect(JSON.parse(right.response.HomeDirectoryDetails)).toEqual([{ Entry: "/", Target: `/${pre.bucketName}/home/alice` }]);
        expect(JSON.parse(right.response.Policy).Statement).toContainEqual(
          expect.objectContaining({ Sid: "HomeObjects", Resource: `arn:aws:s3:::${pre.bucketName}/home/alice/*` }),
        );
        expect(wrong).toEqual({ response: {} });
        expect(otherServer).toEqual({ response: {} });
        const calls = (await emu.calls()).slice(callsBefore);
        expect(calls.filter((c) => c.action === "Invoke").map((c) => [c.functionName, c.functionError])).toEqual(
          Array.from({ length: 3 }, () => [functionName, undefined]),
        );
        // What the function did, as its own role: the server-ID parameter, the secret and its resource policy,
        // the attempts table (the expired-item delete, the reservation, the clearing delete).
        const asRole = new Set(calls.filter((c) => c.action === "RoleRequest" && c.roleArn?.endsWith(":role/tf-ftp-identity-provider")).map((c) => c.iamAction));
        expect([...asRole].sort()).toEqual(
          expect.arrayContaining([
            "dynamodb:DeleteItem",
            "dynamodb:UpdateItem",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:GetSecretValue",
            "ssm:GetParameter",
          ]),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    step("e. remote state, acceptance, NLB listeners and targets, PassiveIp, no restart", async () => {
      // The consumer found the service through the provider's state (remote state).
      expect(first.consumerEndpoint.serviceName).toBe(first.providerOutputs.endpoint_service_name);
      expect(first.endpointService.name).toBe(first.providerOutputs.endpoint_service_name);
      expect(first.consumerEndpoint.vpcId).toBe(pre.consumerVpcId);
      // Accepted by aws_vpc_endpoint_connection_accepter (the service requires acceptance).
      expect(first.endpointService.acceptanceRequired).toBe(true);
      expect(first.consumerEndpoint.state).toBe("available");
      expect(first.consumerOutputs.vpc_endpoint_dns_name).toBe(first.consumerEndpoint.dnsName);

      // NLB: internal, pinned IP, one TCP listener per FTP port, each forwarding to the group of its port.
      expect(first.loadBalancer).toMatchObject({ scheme: "internal", privateIps: [FIRST_IP], crossZone: "false" });
      expect(first.providerOutputs.nlb_private_ip).toBe(FIRST_IP);
      expect(first.loadBalancer.listeners.map((l) => [l.port, l.protocol])).toEqual(LISTENER_PORTS.map((p) => [p, "TCP"]));
      const groupPort = new Map(first.targetGroups.map((g) => [g.arn, g.port]));
      expect(first.loadBalancer.listeners.map((l) => groupPort.get(l.targetGroupArn))).toEqual(LISTENER_PORTS);
      // Every target group has the Transfer endpoint's IP registered on its own port; health checks on 21.
      expect(first.server.endpointIps).toHaveLength(1);
      const [endpointIp] = first.server.endpointIps;
      expect(endpointIp).toMatch(/^10\.0\.3\.\d+$/);
      expect(first.targetGroups.map((g) => [g.port, g.targets, g.healthCheckPort])).toEqual(
        LISTENER_PORTS.map((port) => [port, [{ ip: endpointIp, port }], "21"]),
      );

      // Transfer: PassiveIp is the NLB's IP, set at creation: in effect from the start, so no restart.
      expect(first.server).toMatchObject({ id: first.providerOutputs.transfer_server_id, state: "ONLINE", passiveIp: FIRST_IP });
      expect(restartSummary(first)).toEqual([]);
      expect(firstDeploy.output).toContain(`passive-ip restart: PassiveIp ${FIRST_IP} is already in effect on Transfer server ${first.server.id}`);

      expect(first.clientInstance).toMatchObject({ id: first.consumerOutputs.client_instance_id, type: "t3.micro", state: "running" });
    });

    // The NLB serves only the provider subnet's AZ (ap-northeast-1a = apne1-az4 on the
    // emulator); an endpoint in a consumer subnet of ap-northeast-1c (apne1-az1) would fail at
    // CreateVpcEndpoint on AWS. The consumer's plan refuses it first, naming subnet and AZ IDs.
    // Planned with `npm run diff` (cli/diff.ts), which plans the provider, then the consumer against
    // the provider's state, each under its stack's heading: cdktf diff plans one stack per run.
    step("e2. a consumer subnet in an AZ the NLB does not serve is refused at plan time, by AZ ID (npm run diff: both stacks, labelled)", async () => {
      const emu = session.emulator;
      const other = await createSubnet(session, pre.consumerVpcId, "10.0.5.0/24", "c");
      const { Subnets } = await aws(emu, ["ec2", "describe-subnets", "--subnet-ids", pre.providerSubnets[0].id, other.id]);
      const zoneId = new Map(Subnets.map((s: { SubnetId: string; AvailabilityZoneId: string }) => [s.SubnetId, s.AvailabilityZoneId]));
      const providerZone = zoneId.get(pre.providerSubnets[0].id) as string;
      const consumerZone = zoneId.get(other.id) as string;
      expect(providerZone).toMatch(/^apne1-az\d$/);
      expect(consumerZone).toMatch(/^apne1-az\d$/);
      expect(consumerZone).not.toBe(providerZone);
      expect(first.providerOutputs.nlb_availability_zone_ids).toBe(providerZone);

      writeConfig(session, configDocument(pre, { nlbPrivateIp: FIRST_IP, restartTimeoutSeconds: 120, consumerSubnetIds: [other.id] }));
      const refused = await run(process.execPath, ["scripts/run-ts.js", "cli/diff.ts", "--skip-provider-lock", "--no-color"], {
        cwd: session.workDir,
        env: session.env,
        timeoutMs: 6 * 60_000,
        onLine: session.onLine,
        group: session.processes,
      }).then(
        () => undefined,
        (error: unknown) => (error instanceof CommandError ? error.result : Promise.reject(error)),
      );
      if (!refused) throw new Error("npm run diff succeeded with a consumer subnet in another AZ");
      const [providerPart, consumerPart] = refused.output.split("==== consumer stack: cdktf diff consumer (against the provider's current state) ====");
      expect(providerPart).toContain("==== provider stack: cdktf diff provider ====");
      expect(providerPart).toMatch(/provider\s+No changes\. Your infrastructure matches the configuration/);
      expect(consumerPart.trimEnd().split("\n").pop()).toBe("diff: provider planned; consumer FAILED (see its part above)");
      // Terraform wraps long messages: compare with whitespace collapsed.
      const output = consumerPart.replace(/[│\s]+/g, " ");
      expect(refused.code).toBe(1);
      expect(output).toContain("Resource precondition failed");
      expect(output).toContain(
        `consumer.subnetIds: subnet ${other.id} is in AZ ID ${consumerZone}, but the provider's NLB (and so its endpoint service) serves only AZ IDs ${providerZone}.`,
      );
      // Nothing was changed: the consumer's endpoint is where it was.
      const { VpcEndpoints } = await aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", first.consumerEndpoint.id]);
      expect(VpcEndpoints[0].SubnetIds).toEqual([pre.consumerSubnets[0].id]);
      writeConfig(session, configDocument(pre, { nlbPrivateIp: FIRST_IP, restartTimeoutSeconds: 120 }));
      await aws(emu, ["ec2", "delete-subnet", "--subnet-id", other.id]);
    });

    // A new pinned NLB IP. An NLB's subnet mapping IP cannot change in place and an NLB an
    // endpoint service uses cannot be deleted (the emulator refuses both, as AWS does), so the stacks
    // name the NLB and its target groups after the IP and create them before destroying the old ones:
    // new NLB, groups, listeners and attachments; the endpoint service switches NLBs in place
    // (ModifyVpcEndpointServiceConfiguration); PassiveIp updated and the server restarted once more;
    // then the old listeners, groups and NLB go. The consumer keeps its endpoint.
    step("f. nlbPrivateIp 10.0.3.119 -> 10.0.3.120: a new NLB before the old one goes, same endpoint service, PassiveIp updated, restarted once", async () => {
      const emu = session.emulator;
      const lbBefore = stateIds(session, "aws_lb");
      expect(Object.keys(lbBefore)).toHaveLength(1);
      const callsBefore = (await emu.calls()).length;

      writeConfig(session, configDocument(pre, { nlbPrivateIp: SECOND_IP, restartTimeoutSeconds: 120 }));
      expect(readConfig(session).provider).toMatchObject({
        nlbPrivateIp: SECOND_IP,
        passiveIpMode: "nlb",
        subnetCidrs: { [pre.providerSubnets[0].id]: "10.0.3.0/24" },
      });
      const second = await deploy(session, "cdktf deploy (nlbPrivateIp changed)");
      const after = await describeDeployment(session);

      // The plan: NLB and groups replaced (create before destroy), endpoint service and server updated in place.
      expect(second.output).toMatch(/# aws_lb\.\S+ \([^)]*\) must be replaced/);
      expect(second.output).toMatch(/# aws_vpc_endpoint_service\.\S+ \([^)]*\) will be updated in-place/);
      expect(second.output).toMatch(/# aws_transfer_server\.\S+ \([^)]*\) will be updated in-place/);
      expect(second.output).toMatch(/# terraform_data\.passive-ip-restart\S* \([^)]*\) must be replaced/);
      expect(second.output).not.toMatch(/# aws_vpc_endpoint_service\.\S+ \([^)]*\) must be replaced/);
      expect(second.output).not.toMatch(/# aws_transfer_server\.\S+ \([^)]*\) must be replaced/);
      // 32 = the NLB, 10 target groups, 10 listeners, 10 attachments and the restart step, each
      // created anew and its predecessor destroyed; changed: the endpoint service, the server, alarms.
      expect(stackOutput(second.output, "provider")).toMatch(/Apply complete! Resources: 32 added, \d+ changed, 32 destroyed/);
      // The consumer has nothing to do (the emulator reads everything back as AWS would).
      expect(second.output).toMatch(/consumer\s+No changes\. Your infrastructure matches the configuration/);

      // Transfer: same server, PassiveIp is the new address, updated then restarted once (the first restart of its life).
      expect(after.server).toMatchObject({ id: first.server.id, passiveIp: SECOND_IP, state: "ONLINE" });
      expect(after.server.endpointIps).toEqual(first.server.endpointIps);
      expect(restartSummary(after)).toEqual(["StopServer from ONLINE", "StartServer from OFFLINE"]);
      const newCalls = (await emu.calls()).slice(callsBefore);
      const serverCalls = newCalls.filter((c) => c.serverId === first.server.id);
      expect(serverCalls.map((c) => c.action)).toEqual(["UpdateServer", "StopServer", "StartServer"]);
      expect(serverCalls[0].params).toMatchObject({ ProtocolDetails: { PassiveIp: SECOND_IP } });
      expect(after.providerOutputs.nlb_private_ip).toBe(SECOND_IP);

      // The new NLB: pinned address, ten TCP listeners, each to the new group of its port, the endpoint IP registered.
      const [endpointIp] = first.server.endpointIps;
      // Names carry a hash of what forced the replacement: a new IP, new names.
      const second_ = loadBalancerGeneration([pre.providerSubnets[0].id], SECOND_IP);
      expect(first.loadBalancer.name).toBe(`tf-ftp-nlb-${loadBalancerGeneration([pre.providerSubnets[0].id], FIRST_IP)}`);
      expect(after.loadBalancer).toMatchObject({ name: `tf-ftp-nlb-${second_}`, scheme: "internal", privateIps: [SECOND_IP], crossZone: "false" });
      expect(after.loadBalancer.arn).not.toBe(first.loadBalancer.arn);
      expect(Object.values(lbBefore)).toEqual([first.loadBalancer.arn]);
      expect(Object.values(stateIds(session, "aws_lb"))).toEqual([after.loadBalancer.arn]);
      expect(after.loadBalancer.listeners.map((l) => [l.port, l.protocol])).toEqual(LISTENER_PORTS.map((p) => [p, "TCP"]));
      const groupName = new Map(after.targetGroups.map((g) => [g.arn, g.name]));
      expect(after.loadBalancer.listeners.map((l) => groupName.get(l.targetGroupArn))).toEqual(LISTENER_PORTS.map((p) => `tf-ftp-${p}-${second_}`));
      expect(after.targetGroups.map((g) => [g.name, g.port, g.targets, g.healthCheckPort])).toEqual(
        LISTENER_PORTS.map((port) => [`tf-ftp-${port}-${second_}`, port, [{ ip: endpointIp, port }], "21"]),
      );

      // The old NLB and its groups are gone; nothing else of that kind is left.
      const [{ LoadBalancers }, { TargetGroups }] = await Promise.all([
        aws(emu, ["elbv2", "describe-load-balancers"]),
        aws(emu, ["elbv2", "describe-target-groups"]),
      ]);
      expect(LoadBalancers.map((lb: { LoadBalancerName: string }) => lb.LoadBalancerName)).toEqual([`tf-ftp-nlb-${second_}`]);
      expect(TargetGroups.map((g: { TargetGroupName: string }) => g.TargetGroupName).sort()).toEqual(
        LISTENER_PORTS.map((p) => `tf-ftp-${p}-${second_}`).sort(),
      );

      // The endpoint service (same one) switched NLBs in place, before the old NLB was deleted (the
      // emulator refuses DeleteLoadBalancer while a service lists it, as AWS does).
      expect(first.endpointService.networkLoadBalancerArns).toEqual([first.loadBalancer.arn]);
      expect(after.endpointService).toEqual({ ...first.endpointService, networkLoadBalancerArns: [after.loadBalancer.arn] });
      expect(after.providerOutputs.endpoint_service_id).toBe(first.providerOutputs.endpoint_service_id);
      expect(after.providerOutputs.endpoint_service_name).toBe(first.providerOutputs.endpoint_service_name);
      const modifications = newCalls.filter((c) => c.action === "ModifyVpcEndpointServiceConfiguration");
      expect(modifications).toEqual([
        expect.objectContaining({
          serviceId: first.endpointService.id,
          addNetworkLoadBalancerArns: [after.loadBalancer.arn],
          removeNetworkLoadBalancerArns: [first.loadBalancer.arn],
        }),
      ]);

      // The consumer's endpoint did not move: same endpoint, same service, still accepted.
      expect(after.consumerEndpoint).toEqual(first.consumerEndpoint);
      expect(after.consumerEndpoint.state).toBe("available");
      expect(second.output).not.toMatch(/aws_vpc_endpoint\.\S+ \([^)]*\) must be replaced/);
      expect(second.output).not.toMatch(/aws_vpc_endpoint_connection_accepter\.\S+ \([^)]*\) must be replaced/);
      expect(after.clientInstance).toEqual(first.clientInstance);
    });

    step("g. cdktf destroy consumer provider leaves nothing behind", async () => {
      const result = await destroy(session);
      expect(stackOutput(result.output, "consumer")).toMatch(/Destroy complete! Resources: \d+ destroyed/);
      expect(stackOutput(result.output, "provider")).toMatch(/Destroy complete! Resources: \d+ destroyed/);
      expect(await leftovers(session)).toEqual([]);
      expect(stateResources(session, "provider")).toEqual([]);
      expect(stateResources(session, "consumer")).toEqual([]);
      everythingPassed = true;
    });
  });

  describe("passiveIpMode consumer-endpoint: switched from control-connection, with a host name", () => {
    test(
      "consumer.dnsName: a private zone associated with the consumer VPC, an alias A record to the endpoint, ftp_host",
      async () => {
        const { pre, before, zoneBefore, zoneAfter } = await consumerEndpoint;
        expect(zoneBefore).toMatchObject({ name: `${DNS_NAME}.`, privateZone: true, vpcs: [{ VPCId: pre.consumerVpcId, VPCRegion: "ap-northeast-1" }] });
        const alias = zoneBefore.records.find((r) => r.Type === "A");
        expect(alias).toMatchObject({ Name: `${DNS_NAME}.` });
        // The alias points at the endpoint's regional DNS name (dns_entry[0]); Route 53 stores it with a trailing dot.
        expect(alias?.AliasTarget?.DNSName.replace(/\.$/, "")).toBe(before.consumerEndpoint.dnsName);
        expect(alias?.AliasTarget?.HostedZoneId).toBeTruthy();
        expect(before.consumerOutputs.ftp_host).toBe(DNS_NAME);
        expect(before.consumerOutputs.vpc_endpoint_dns_name).toBe(before.consumerEndpoint.dnsName);
        // The switch does not touch the name.
        expect(zoneAfter).toEqual(zoneBefore);
      },
      2 * STEP_TIMEOUT_MS,
    );

    test(
      "switched directly, the provider plan refuses it: the server would hand out the endpoint's new address before the endpoint has it",
      async () => {
        const { before, refusedOutput: wrapped, refusedServerCalls } = await consumerEndpoint;
        // Terraform wraps the message to its terminal width.
        const refusedOutput = wrapped.replace(/\s+/g, " ");
        expect(refusedOutput).toContain("Resource precondition failed");
        expect(refusedOutput).toContain("consumer.endpointIp changes the Transfer server's PassiveIp to 10.0.3.50, but the server hands out 0.0.0.0");
        expect(refusedOutput).toContain(`/tf-ftp/transfer/${before.server.id}/passive-ip-in-effect`);
        expect(refusedOutput).toContain('Safe procedure (README "Day-2 changes")');
        // Refused at plan time: nothing was changed on the server.
        expect(refusedServerCalls).toEqual([]);
      },
      2 * STEP_TIMEOUT_MS,
    );

    test(
      "by the safe procedure the switch pins the endpoint to consumer.endpointIp in place and sets PassiveIp to it while the server is stopped: no restart by the stacks",
      async () => {
        const { pre, before, after, switchOutput, switchServerCalls, endpointStateAfter, endpointEniIps, clientUserData } = await consumerEndpoint;
        expect(before.server.passiveIp).toBe("0.0.0.0");
        expect(restartSummary(before)).toEqual([]);

        // The plan: the endpoint and the server updated in place, the restart step replaced.
        expect(switchOutput).toMatch(/# aws_vpc_endpoint\.\S+ \([^)]*\) will be updated in-place/);
        expect(switchOutput).toMatch(/# aws_transfer_server\.\S+ \([^)]*\) will be updated in-place/);
        expect(switchOutput).toMatch(/# terraform_data\.passive-ip-restart\S* \([^)]*\) must be replaced/);
        expect(switchOutput).not.toMatch(/# aws_vpc_endpoint\.\S+ \([^)]*\) must be replaced/);
        // Provider: the restart step replaced, the server updated; consumer: the endpoint only (the zone reads back as created).
        expect(stackOutput(switchOutput, "provider")).toMatch(/Apply complete! Resources: 1 added, 1 changed, 1 destroyed/);
        expect(stackOutput(switchOutput, "consumer")).toMatch(/Apply complete! Resources: 0 added, 1 changed, 0 destroyed/);
        // The restart step found the new address recorded: it left the stopped server alone.
        expect(switchOutput).toContain(`PassiveIp ${ENDPOINT_IP} is already in effect`);

        // Pinned address in the state and on the endpoint's one ENI; same endpoint, still accepted.
        expect(endpointStateAfter.subnet_configuration).toEqual([expect.objectContaining({ subnet_id: pre.consumerSubnets[0].id, ipv4: ENDPOINT_IP })]);
        expect(endpointEniIps).toEqual([ENDPOINT_IP]);
        expect(after.consumerEndpoint).toEqual(before.consumerEndpoint);

        // PassiveIp is the endpoint's IP. The server was stopped before the update and started after
        // both stacks were applied (the operator's two calls); the stacks stopped and started nothing.
        expect(after.server).toMatchObject({ id: before.server.id, passiveIp: ENDPOINT_IP, state: "ONLINE" });
        expect(switchServerCalls.map((c) => c.action)).toEqual(["StopServer", "UpdateServer", "StartServer"]);
        expect(switchServerCalls[1].params).toMatchObject({ ProtocolDetails: { PassiveIp: ENDPOINT_IP } });
        expect(restartSummary(after).slice(restartSummary(before).length)).toEqual(["StopServer from ONLINE", "StartServer from OFFLINE"]);

        // The client instance (unchanged by the switch) connects to the host name.
        expect(after.clientInstance).toEqual(before.clientInstance);
        expect(clientUserData).toContain(`echo '${DNS_NAME}' > /etc/ftp-smoke/host`);
      },
      2 * STEP_TIMEOUT_MS,
    );

    test(
      "destroy leaves nothing behind, hosted zone included",
      async () => {
        const { leftovers: left, zonesLeft, timings } = await consumerEndpoint;
        console.log(`consumer-endpoint scenario timings:\n${timings}`);
        expect(zonesLeft).toEqual([]);
        expect(left).toEqual([]);
      },
      2 * STEP_TIMEOUT_MS,
    );
  });
});
