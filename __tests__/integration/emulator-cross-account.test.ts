// The emulator across accounts (patches 16-19), with the AWS CLI: who may
// create an endpoint to another account's service, the owner's view and
// decision, AZ names vs AZ IDs per account, and the record of what assumed
// roles called. The stacks' use of all this: cross-account.test.ts.
import { AwsCredentials, assumeRole, aws, awsAs, Emulator, emulatorPrerequisites, startEmulator } from "../../emulator/client";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("emulator across accounts", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;

// Each AWS CLI call is a process start; on a busy 2-core machine a few seconds each.
jest.setTimeout(120_000);

const A = "123456789012"; // the emulator's default account (ambient credentials)
const B = "210987654321";
const C = "333333333333";

/* eslint-disable @typescript-eslint/no-explicit-any */
describeEmulator("emulator: PrivateLink and AZ IDs across accounts", () => {
  let emu: Emulator;
  let b: AwsCredentials; // B's administrator
  let bDeploy: AwsCredentials; // a session of B's role "consumer-deploy"
  let bOther: AwsCredentials; // a session of another role in B
  let c: AwsCredentials;
  let serviceId: string;
  let serviceName: string;
  let bVpcId: string;
  let bSubnetId: string;

  const createEndpoint = (as: AwsCredentials, name = serviceName) =>
    awsAs(emu, as, ["ec2", "create-vpc-endpoint", "--vpc-id", bVpcId, "--vpc-endpoint-type", "Interface", "--service-name", name, "--subnet-ids", bSubnetId]);
  const setPrincipals = async (principals: string[]) => {
    const { AllowedPrincipals } = await aws(emu, ["ec2", "describe-vpc-endpoint-service-permissions", "--service-id", serviceId]);
    const current = (AllowedPrincipals as any[]).map((p) => p.Principal);
    const args = ["ec2", "modify-vpc-endpoint-service-permissions", "--service-id", serviceId];
    if (current.length) args.push("--remove-allowed-principals", ...current);
    if (principals.length) args.push("--add-allowed-principals", ...principals);
    await aws(emu, args);
  };
  const refusal = (name: string) => `(InvalidServiceName) when calling the CreateVpcEndpoint operation: The Vpc Endpoint Service '${name}' does not exist`;

  beforeAll(async () => {
    // Not about IAM's timing: the roles made below are usable at once.
    emu = await startEmulator({ region: "ap-northeast-1", iamPropagationSeconds: 0 });
    [b, c] = await Promise.all([
      assumeRole(emu, `arn:aws:iam::${B}:role/OrganizationAccountAccessRole`, "setup"),
      assumeRole(emu, `arn:aws:iam::${C}:role/OrganizationAccountAccessRole`, "setup"),
    ]);
    // B's own roles, made by B's administrator: trusted by A, allowed EC2 (the emulator judges their requests).
    const trustA = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "sts:AssumeRole" }] };
    const ec2 = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "*" }] };
    await Promise.all(
      ["consumer-deploy", "other"].map(async (name) => {
        await awsAs(emu, b, ["iam", "create-role", "--role-name", name, "--assume-role-policy-document", JSON.stringify(trustA)]);
        await awsAs(emu, b, ["iam", "put-role-policy", "--role-name", name, "--policy-name", "ec2", "--policy-document", JSON.stringify(ec2)]);
      }),
    );
    [bDeploy, bOther] = await Promise.all([
      assumeRole(emu, `arn:aws:iam::${B}:role/consumer-deploy`, "deploy"),
      assumeRole(emu, `arn:aws:iam::${B}:role/other`, "other"),
    ]);
    // A: a VPC, a subnet, an NLB and an endpoint service that requires acceptance.
    const vpcId = (await aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"])).Vpc.VpcId;
    const subnetId = (await aws(emu, ["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.0.3.0/24", "--availability-zone", "ap-northeast-1a"])).Subnet.SubnetId;
    const lbArn = (await aws(emu, ["elbv2", "create-load-balancer", "--name", "xacct", "--type", "network", "--scheme", "internal", "--subnets", subnetId])).LoadBalancers[0]
      .LoadBalancerArn;
    const { ServiceConfiguration } = await aws(emu, ["ec2", "create-vpc-endpoint-service-configuration", "--network-load-balancer-arns", lbArn, "--acceptance-required"]);
    serviceId = ServiceConfiguration.ServiceId;
    serviceName = ServiceConfiguration.ServiceName;
    // B: a VPC and a subnet of its own.
    bVpcId = (await awsAs(emu, b, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"])).Vpc.VpcId;
    bSubnetId = (await awsAs(emu, b, ["ec2", "create-subnet", "--vpc-id", bVpcId, "--cidr-block", "10.0.3.0/24", "--availability-zone-id", "apne1-az4"])).Subnet.SubnetId;
  }, 120_000);

  afterAll(async () => {
    await emu?.stop();
  });

  test("assumed-role credentials act in the role's account", async () => {
    const [who, whoDeploy] = await Promise.all([aws(emu, ["sts", "get-caller-identity"]), awsAs(emu, bDeploy, ["sts", "get-caller-identity"])]);
    expect(who.Account).toBe(A);
    expect(whoDeploy).toMatchObject({ Account: B, Arn: `arn:aws:sts::${B}:assumed-role/consumer-deploy/deploy` });
    const { Vpcs } = await awsAs(emu, b, ["ec2", "describe-vpcs", "--vpc-ids", bVpcId]);
    expect(Vpcs[0].OwnerId).toBe(B);
    await expect(aws(emu, ["ec2", "describe-vpcs", "--vpc-ids", bVpcId])).rejects.toThrow(/InvalidVpcID\.NotFound/);
  });

  test("no allowed principal admits B: CreateVpcEndpoint answers InvalidServiceName, as for a service that does not exist", async () => {
    await setPrincipals([`arn:aws:iam::${C}:root`]);
    await expect(createEndpoint(b)).rejects.toThrow(refusal(serviceName));
    const unknown = "com.amazonaws.vpce.ap-northeast-1.vpce-svc-0123456789abcdef0";
    await expect(createEndpoint(b, unknown)).rejects.toThrow(refusal(unknown));
    const { VpcEndpoints } = await awsAs(emu, b, ["ec2", "describe-vpc-endpoints"]);
    expect(VpcEndpoints).toEqual([]);
  });

  test("a role ARN admits that role's sessions only; an account root admits every principal of the account; * admits anyone", async () => {
    await setPrincipals([`arn:aws:iam::${B}:role/consumer-deploy`]);
    const { VpcEndpoint } = await createEndpoint(bDeploy);
    expect(VpcEndpoint).toMatchObject({ OwnerId: B, State: "pendingAcceptance", ServiceName: serviceName });
    expect(VpcEndpoint.DnsEntries[0].DnsName).toMatch(new RegExp(`^${VpcEndpoint.VpcEndpointId}-[0-9a-f]+\\.${serviceId}\\.ap-northeast-1\\.vpce\\.amazonaws\\.com$`));
    await expect(createEndpoint(bOther)).rejects.toThrow(refusal(serviceName));

    await setPrincipals([`arn:aws:iam::${B}:root`]);
    expect((await createEndpoint(bOther)).VpcEndpoint.State).toBe("pendingAcceptance");
    await expect(
      awsAs(emu, c, ["ec2", "create-vpc-endpoint", "--vpc-id", "vpc-00000000", "--vpc-endpoint-type", "Interface", "--service-name", serviceName]),
    ).rejects.toThrow(refusal(serviceName));

    await setPrincipals(["*"]);
    const cVpc = (await awsAs(emu, c, ["ec2", "create-vpc", "--cidr-block", "10.1.0.0/16"])).Vpc.VpcId;
    const cEndpoint = await awsAs(emu, c, ["ec2", "create-vpc-endpoint", "--vpc-id", cVpc, "--vpc-endpoint-type", "Interface", "--service-name", serviceName]);
    expect(cEndpoint.VpcEndpoint).toMatchObject({ OwnerId: C, State: "pendingAcceptance" });
  });

  test("the owner sees every account's connections and decides; the endpoint's state in its own account follows", async () => {
    const { VpcEndpointConnections } = await aws(emu, ["ec2", "describe-vpc-endpoint-connections", "--filters", `Name=service-id,Values=${serviceId}`]);
    const owners = (VpcEndpointConnections as any[]).map((x) => x.VpcEndpointOwner).sort();
    expect(owners).toEqual([B, B, C]);
    const fromB = (VpcEndpointConnections as any[]).filter((x) => x.VpcEndpointOwner === B).map((x) => x.VpcEndpointId);
    const [accepted, rejected] = fromB;
    await aws(emu, ["ec2", "accept-vpc-endpoint-connections", "--service-id", serviceId, "--vpc-endpoint-ids", accepted]);
    await aws(emu, ["ec2", "reject-vpc-endpoint-connections", "--service-id", serviceId, "--vpc-endpoint-ids", rejected]);
    const { VpcEndpoints } = await awsAs(emu, b, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", accepted, rejected]);
    expect(Object.fromEntries((VpcEndpoints as any[]).map((e) => [e.VpcEndpointId, e.State]))).toEqual({ [accepted]: "available", [rejected]: "rejected" });
    // The consumer cannot decide on the owner's service (it is not in B's account).
    await expect(awsAs(emu, b, ["ec2", "accept-vpc-endpoint-connections", "--service-id", serviceId, "--vpc-endpoint-ids", rejected])).rejects.toThrow(
      /InvalidVpcEndpointServiceId\.NotFound/,
    );
  });

  test("AZ names map to AZ IDs differently per account; the default account keeps moto's table", async () => {
    const zones = async (run: (args: string[]) => Promise<any>) =>
      Object.fromEntries(((await run(["ec2", "describe-availability-zones"])).AvailabilityZones as any[]).map((z) => [z.ZoneName, z.ZoneId]));
    const [inA, inB, inB2, inC] = await Promise.all([
      zones((args) => aws(emu, args)),
      zones((args) => awsAs(emu, b, args)),
      zones((args) => awsAs(emu, bDeploy, args)),
      zones((args) => awsAs(emu, c, args)),
    ]);
    expect(inA).toEqual({ "ap-northeast-1a": "apne1-az4", "ap-northeast-1c": "apne1-az1", "ap-northeast-1d": "apne1-az2" });
    expect(inB2).toEqual(inB); // per account, not per principal
    for (const other of [inB, inC]) {
      expect(new Set(Object.values(other))).toEqual(new Set(Object.values(inA)));
      for (const name of Object.keys(inA)) expect(other[name]).not.toBe(inA[name]);
    }
    // B's subnet was created by AZ ID: it got B's name for that zone, and reads back the ID.
    const { Subnets } = await awsAs(emu, b, ["ec2", "describe-subnets", "--subnet-ids", bSubnetId]);
    const bName = Object.keys(inB).find((name) => inB[name] === "apne1-az4");
    expect(Subnets[0]).toMatchObject({ AvailabilityZoneId: "apne1-az4", AvailabilityZone: bName });
    const byId = await awsAs(emu, b, ["ec2", "describe-availability-zones", "--zone-ids", "apne1-az4"]);
    expect(byId.AvailabilityZones.map((z: any) => z.ZoneName)).toEqual([bName]);
  });

  test("an endpoint subnet in a zone the service's NLB does not serve is refused (patch 19): same name, other AZ ID", async () => {
    // The NLB is in A's ap-northeast-1a (apne1-az4); B's ap-northeast-1a is another zone.
    const { Subnet } = await awsAs(emu, b, ["ec2", "create-subnet", "--vpc-id", bVpcId, "--cidr-block", "10.0.5.0/24", "--availability-zone", "ap-northeast-1a"]);
    expect(Subnet.AvailabilityZoneId).not.toBe("apne1-az4");
    await setPrincipals([`arn:aws:iam::${B}:root`]);
    await expect(
      awsAs(emu, b, ["ec2", "create-vpc-endpoint", "--vpc-id", bVpcId, "--vpc-endpoint-type", "Interface", "--service-name", serviceName, "--subnet-ids", Subnet.SubnetId]),
    ).rejects.toThrow(
      `(InvalidParameter) when calling the CreateVpcEndpoint operation: The VPC endpoint service ${serviceName} does not support the availability zone of the subnet: ${Subnet.SubnetId}.`,
    );
  });

  test("requests signed with assumed-role credentials are recorded with the role and the IAM action", async () => {
    const calls = (await emu.calls()).filter((call) => call.action === "RoleRequest");
    const deploy = calls.filter((call) => call.roleArn === `arn:aws:iam::${B}:role/consumer-deploy`);
    expect(deploy.map((call) => call.iamAction)).toEqual(expect.arrayContaining(["sts:GetCallerIdentity", "ec2:CreateVpcEndpoint", "ec2:DescribeAvailabilityZones"]));
    expect(deploy.every((call) => call.account === B)).toBe(true);
    // Requests with the ambient (non-role) credentials are not recorded.
    expect(calls.some((call) => call.account === A)).toBe(false);
  });
});
