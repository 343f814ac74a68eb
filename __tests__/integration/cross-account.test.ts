// Two AWS accounts, end to end on the emulator: the provider stack
// in account A (the emulator's default, 123456789012: Terraform's ambient
// credentials), the consumer stack in account B (210987654321) through
// `consumer.assumeRoleArn`, the connection accepted through
// `consumer.serviceOwnerRoleArn` (a role in A), `provider.allowedPrincipals`
// naming B's root. The emulator attributes each request to the account of its
// access key; STS AssumeRole hands out keys of the role's account
// (emulator/moto_patches/privatelink_cross_account.py, patch 16), and AZ names
// map to AZ IDs differently per account (ec2_availability_zone_ids.py, patch 17).
//
// One session (emulator, working copy, state) runs the steps in order:
//   a. the pre-existing resources in both accounts; the same AZ name is another AZ ID in B;
//   b. B missing from allowedPrincipals: the consumer's endpoint creation fails with AWS's error;
//   c. B allowed: both stacks deploy; the endpoint is B's and available, A accepted it, the
//      restart ran against A's server;
//   d. a second plan of each stack is empty;
//   e. a consumer subnet whose AZ ID the NLB does not serve fails at plan time (the consumer's
//      AZ-ID precondition) — a separate test: its failure does not stop the destroy;
//   f. destroy leaves nothing in either account;
//   g. every IAM action the two roles called (recorded by the launcher) is allowed by the
//      policy lib/deployer-policies.ts builds for this config (the README's; IAM policy simulator).
// Set E2E_KEEP=1 to keep the temporary folder after a failure.
import { aws, AwsCliError, awsAs } from "../../emulator/client";
import { markerParameterName } from "../../functions/passive-ip-restart/marker";
import { deployerPolicies } from "../../lib/deployer-policies";
import { iamActionName } from "../support/deployer-actions";
import { consumerCatalog, deniedRequests, serviceOwnerCatalog } from "../support/deployer-requests";
import { missingPrerequisites } from "../support/prerequisites";
import { STEP_TIMEOUT_MS, stepper } from "../support/steps";
import {
  accountRoot,
  CommandError,
  CONSUMER_ACCOUNT_ID,
  closeSession,
  createCrossAccountResources,
  CrossAccountResources,
  crossAccountConfigDocument,
  demoPrerequisites,
  deploy,
  destroy,
  formatTimings,
  leftovers,
  NAME_PREFIX,
  openSession,
  planStack,
  PROVIDER_ACCOUNT_ID,
  readConfig,
  Session,
  stackOutputs,
  synth,
  writeConfig,
  stackOutput,
} from "../../cli/demo-session";

const missing = missingPrerequisites("two-account deploy (emulator + terraform)", demoPrerequisites);
const describeE2E = missing.length ? describe.skip : describe;

const KEEP = process.env.E2E_KEEP === "1";
/** An account that is neither of the two: what allowedPrincipals names in the negative case. */
const OTHER_ACCOUNT_ID = "333333333333";
const AZ_ID = /\b[a-z]{2,5}\d-az\d+\b/;


/* eslint-disable @typescript-eslint/no-explicit-any */
describeE2E("two AWS accounts: provider in A, consumer in B through assumed roles (emulator)", () => {
  const step = stepper();
  let session: Session;
  let x: CrossAccountResources;
  let serviceName: string;
  let serviceId: string;
  let serverId: string;
  let endpointId: string;
  let everythingPassed = false;

  const inB = (args: readonly string[]) => awsAs(session.emulator, x.consumerCredentials, args);
  const inA = (args: readonly string[]) => aws(session.emulator, args);
  const liveEndpoints = async (run: typeof inA) =>
    ((await run(["ec2", "describe-vpc-endpoints"])).VpcEndpoints as any[]).filter((e) => e.State !== "deleted");

  beforeAll(async () => {
    session = await openSession({ label: "e2e-two-accounts" });
  }, 60_000);

  afterAll(async () => {
    if (session) console.log(`two-account scenario timings:\n${formatTimings(session)}${session.notes.length ? `\nnotes:\n  ${session.notes.join("\n  ")}` : ""}`);
    await closeSession(session, { keep: KEEP && !everythingPassed });
  }, 60_000);

  step("a. pre-existing resources in two accounts; the same AZ name is a different AZ ID in each", async () => {
    x = await createCrossAccountResources(session);
    // Each account sees only its own VPCs.
    const [vpcsA, vpcsB] = await Promise.all([inA(["ec2", "describe-vpcs"]), inB(["ec2", "describe-vpcs"])]);
    expect(vpcsA.Vpcs.map((v: any) => v.VpcId)).toContain(x.pre.providerVpcId);
    expect(vpcsA.Vpcs.map((v: any) => v.VpcId)).not.toContain(x.pre.consumerVpcId);
    expect(vpcsB.Vpcs.map((v: any) => v.VpcId)).toContain(x.pre.consumerVpcId);
    expect(vpcsB.Vpcs.every((v: any) => v.OwnerId === CONSUMER_ACCOUNT_ID)).toBe(true);

    // describe-availability-zones through each account's credentials: same names, other IDs.
    const zones = async (run: typeof inA) =>
      Object.fromEntries(((await run(["ec2", "describe-availability-zones"])).AvailabilityZones as any[]).map((z) => [z.ZoneName, z.ZoneId]));
    const [zonesA, zonesB] = await Promise.all([zones(inA), zones(inB)]);
    expect(Object.keys(zonesB).sort()).toEqual(Object.keys(zonesA).sort());
    expect(new Set(Object.values(zonesB))).toEqual(new Set(Object.values(zonesA)));
    for (const name of Object.keys(zonesA)) expect(zonesB[name]).not.toBe(zonesA[name]);

    // The subnets as each account describes them.
    const subnet = async (run: typeof inA, id: string) => (await run(["ec2", "describe-subnets", "--subnet-ids", id])).Subnets[0];
    const [provider, consumer, sameName] = await Promise.all([
      subnet(inA, x.providerSubnet.id),
      subnet(inB, x.consumerSubnet.id),
      subnet(inB, x.sameNameSubnet.id),
    ]);
    expect(provider).toMatchObject({ AvailabilityZone: "ap-northeast-1a", AvailabilityZoneId: zonesA["ap-northeast-1a"], OwnerId: PROVIDER_ACCOUNT_ID });
    // Same physical zone as the provider's subnet: same ID, another name.
    expect(consumer.AvailabilityZoneId).toBe(provider.AvailabilityZoneId);
    expect(consumer.AvailabilityZone).not.toBe(provider.AvailabilityZone);
    // Same name as the provider's subnet: another physical zone.
    expect(sameName.AvailabilityZone).toBe(provider.AvailabilityZone);
    expect(sameName.AvailabilityZoneId).not.toBe(provider.AvailabilityZoneId);
    // The filter by AZ ID answers per account too.
    const byId = await inB(["ec2", "describe-subnets", "--filters", `Name=availability-zone-id,Values=${provider.AvailabilityZoneId}`, `Name=vpc-id,Values=${x.pre.consumerVpcId}`]);
    expect(byId.Subnets.map((s: any) => s.SubnetId)).toEqual([x.consumerSubnet.id]);

    // The roles exist where the config says, with the README's trust (A's root).
    const [acceptor, deployer] = await Promise.all([
      inA(["iam", "get-role", "--role-name", x.serviceOwnerRoleArn.split("/").pop()!]),
      inB(["iam", "get-role", "--role-name", x.consumerDeployRoleArn.split("/").pop()!]),
    ]);
    expect(acceptor.Role.Arn).toBe(x.serviceOwnerRoleArn);
    expect(deployer.Role.Arn).toBe(x.consumerDeployRoleArn);
    expect(JSON.stringify(deployer.Role.AssumeRolePolicyDocument)).toContain(accountRoot(PROVIDER_ACCOUNT_ID));
  });

  step("b. the consumer account missing from allowedPrincipals: creating the endpoint fails with AWS's InvalidServiceName", async () => {
    writeConfig(session, crossAccountConfigDocument(x, { allowedPrincipals: [accountRoot(OTHER_ACCOUNT_ID)] }));
    const failure = await deploy(session, "cdktf deploy (consumer account not allowed)").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CommandError);
    const output = (failure as CommandError).result.output;
    const provider = await stackOutputs(session, "provider");
    serviceName = provider.endpoint_service_name;
    serviceId = provider.endpoint_service_id;
    serverId = provider.transfer_server_id;
    expect(serviceName).toMatch(/^com\.amazonaws\.vpce\.ap-northeast-1\.vpce-svc-[0-9a-f]+$/);
    // The provider deployed; the consumer's endpoint creation got AWS's answer for a service
    // the caller may not see.
    expect(stackOutput(output, "provider")).toMatch(/Apply complete!/);
    expect(output).toContain("InvalidServiceName");
    expect(output).toContain(`The Vpc Endpoint Service '${serviceName}' does not exist`);
    expect(await liveEndpoints(inB)).toEqual([]);
    const { AllowedPrincipals } = await inA(["ec2", "describe-vpc-endpoint-service-permissions", "--service-id", serviceId]);
    expect(AllowedPrincipals.map((p: any) => p.Principal)).toEqual([accountRoot(OTHER_ACCOUNT_ID)]);

    // The restart step (provider stack, ambient credentials = A's) found the PassiveIp the new
    // server was created with in effect: no stop, no start. Its marker is in A.
    const restarts = (await session.emulator.calls()).filter((c) => c.action === "StopServer" || c.action === "StartServer");
    expect(restarts).toEqual([]);
    const { Parameter } = await inA(["ssm", "get-parameter", "--name", markerParameterName(NAME_PREFIX, serverId)]);
    expect(Parameter.Value).toBe("10.0.3.119");
    await expect(inB(["ssm", "get-parameter", "--name", markerParameterName(NAME_PREFIX, serverId)])).rejects.toThrow(AwsCliError);
  });

  step("c. the consumer account allowed: the endpoint is B's and available, accepted from A; the server is A's", async () => {
    const callsBefore = (await session.emulator.calls()).length;
    writeConfig(session, crossAccountConfigDocument(x));
    const result = await deploy(session, "cdktf deploy (consumer account allowed)");
    expect(stackOutput(result.output, "provider")).toMatch(/Apply complete! Resources: 0 added, 1 changed, 0 destroyed/);
    const consumer = await stackOutputs(session, "consumer");
    endpointId = consumer.vpc_endpoint_id;

    // The endpoint: in B, in B's VPC and subnet, to A's service, available.
    const { VpcEndpoints } = await inB(["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", endpointId]);
    expect(VpcEndpoints[0]).toMatchObject({
      OwnerId: CONSUMER_ACCOUNT_ID,
      State: "available",
      VpcId: x.pre.consumerVpcId,
      SubnetIds: [x.consumerSubnet.id],
      ServiceName: serviceName,
      VpcEndpointType: "Interface",
    });
    expect(consumer.vpc_endpoint_dns_name).toMatch(new RegExp(`^${endpointId}-[0-9a-f]+\\.${serviceId}\\.ap-northeast-1\\.vpce\\.amazonaws\\.com$`));
    // A does not own it (it is not in A's endpoints) but sees the connection as the service owner.
    await expect(inA(["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", endpointId])).rejects.toThrow(/InvalidVpcEndpointId\.NotFound/);
    const { VpcEndpointConnections } = await inA(["ec2", "describe-vpc-endpoint-connections", "--filters", `Name=service-id,Values=${serviceId}`]);
    expect(VpcEndpointConnections).toEqual([
      expect.objectContaining({ VpcEndpointId: endpointId, VpcEndpointOwner: CONSUMER_ACCOUNT_ID, VpcEndpointState: "available" }),
    ]);
    const calls = (await session.emulator.calls()).slice(callsBefore);
    expect(calls.filter((c) => c.action === "AcceptVpcEndpointConnections")).toEqual([
      expect.objectContaining({ serviceId, vpcEndpointIds: [endpointId] }),
    ]);
    const { AllowedPrincipals } = await inA(["ec2", "describe-vpc-endpoint-service-permissions", "--service-id", serviceId]);
    expect(AllowedPrincipals.map((p: any) => p.Principal)).toEqual([accountRoot(CONSUMER_ACCOUNT_ID)]);

    // Only the allowed principals changed on the provider side: no second restart.
    expect(calls.filter((c) => c.action === "StopServer" || c.action === "StartServer")).toEqual([]);
    // The server is A's (B cannot see it), PassiveIp the NLB's pinned address.
    const { Server } = await inA(["transfer", "describe-server", "--server-id", serverId]);
    expect(Server).toMatchObject({ State: "ONLINE", ProtocolDetails: expect.objectContaining({ PassiveIp: "10.0.3.119" }) });
    expect(Server.Arn).toContain(`:${PROVIDER_ACCOUNT_ID}:server/${serverId}`);
    await expect(inB(["transfer", "describe-server", "--server-id", serverId])).rejects.toThrow(AwsCliError);
  });

  step("d. a second plan of each stack is empty", async () => {
    const [provider, consumer] = await Promise.all([planStack(session, "provider"), planStack(session, "consumer")]);
    expect({ stack: "provider", exitCode: provider.exitCode, output: provider.exitCode === 0 ? "" : provider.output }).toEqual({ stack: "provider", exitCode: 0, output: "" });
    expect({ stack: "consumer", exitCode: consumer.exitCode, output: consumer.exitCode === 0 ? "" : consumer.output }).toEqual({ stack: "consumer", exitCode: 0, output: "" });
  });

  // Not a step: it needs the plan-time AZ-ID check (a precondition on the consumer's
  // aws_vpc_endpoint), and its failure must not keep the destroy from running.
  test("e. a consumer subnet whose AZ ID the NLB does not serve fails at plan time, naming the subnet and its AZ ID", async () => {
    if (!endpointId) throw new Error("not run: the deploy (step c) did not finish");
    writeConfig(session, crossAccountConfigDocument(x, { consumerSubnetIds: [x.sameNameSubnet.id] }));
    try {
      await synth(session);
      const result = await planStack(session, "consumer");
      if (result.exitCode !== 1) {
        throw new Error(
          `the consumer plan did not fail (terraform plan exit ${result.exitCode}): nothing refused subnet ${x.sameNameSubnet.id} ` +
            `(${x.sameNameSubnet.availabilityZone} = ${x.sameNameSubnet.availabilityZoneId} in the consumer account), although the NLB ` +
            `serves only ${x.providerSubnet.availabilityZoneId}. This test expects the plan-time AZ-ID check (a precondition on the ` +
            `consumer's aws_vpc_endpoint).`,
        );
      }
      expect(result.output).toContain(x.sameNameSubnet.id);
      expect(result.output).toContain(x.sameNameSubnet.availabilityZoneId);
      expect(result.output).toMatch(AZ_ID);
    } finally {
      writeConfig(session, crossAccountConfigDocument(x));
      await synth(session);
    }
  }, STEP_TIMEOUT_MS);

  step("f. destroy leaves nothing in either account", async () => {
    await destroy(session);
    const [leftInA, leftInB] = await Promise.all([leftovers(session), leftovers(session, x.consumerCredentials)]);
    expect({ providerAccount: leftInA, consumerAccount: leftInB }).toEqual({ providerAccount: [], consumerAccount: [] });
    expect(await liveEndpoints(inB)).toEqual([]);
    const { VpcEndpointConnections } = await inA(["ec2", "describe-vpc-endpoint-connections"]);
    expect(VpcEndpointConnections).toEqual([]);
  });

  step("g. every IAM action the two roles called is allowed by the policy lib/deployer-policies.ts builds for this config", async () => {
    // The launcher recorded each request signed with assumed-role credentials (patch 18);
    // moto enforces no IAM, so the simulator decides what AWS would have, on every resource of
    // the stack each action can touch (__tests__/support/deployer-requests.ts).
    const roleCalls = (await session.emulator.calls()).filter((c) => c.action === "RoleRequest");
    const byRole = (role: string) => [...new Set(roleCalls.filter((c) => c.roleArn === role).map((c) => iamActionName(c.iamAction!)))].sort();
    const deployActions = byRole(x.consumerDeployRoleArn);
    const ownerActions = byRole(x.serviceOwnerRoleArn);
    // What the two providers did through the roles (sts:GetCallerIdentity needs no permission:
    // "No permissions are required to perform this operation", STS API reference).
    expect(deployActions).toEqual(expect.arrayContaining(["ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateSecurityGroup"]));
    expect(ownerActions).toEqual(expect.arrayContaining(["ec2:AcceptVpcEndpointConnections", "ec2:DescribeVpcEndpointConnections", "ec2:RejectVpcEndpointConnections"]));
    console.log(`IAM actions called through the roles:\n  deploy: ${deployActions.join(", ")}\n  owner: ${ownerActions.join(", ")}`);
    const needsPermission = (action: string) => action !== "sts:GetCallerIdentity";
    const config = readConfig(session);
    const policies = deployerPolicies(config, x.ids);
    const denied = {
      deploy: await deniedRequests(policies["consumer-deploy"], x.consumerDeployRoleArn, deployActions.filter(needsPermission), consumerCatalog(config, x.ids)),
      owner: await deniedRequests(policies["service-owner"]!, x.serviceOwnerRoleArn, ownerActions.filter(needsPermission), serviceOwnerCatalog(config, x.ids)),
    };
    expect(denied).toEqual({ deploy: [], owner: [] });
    everythingPassed = true;
  });
});
