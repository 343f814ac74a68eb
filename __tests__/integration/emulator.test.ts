// The local AWS emulator (emulator/moto_launcher.py) and the offline Terraform
// harness, exercised with the AWS CLI and terraform the way the stacks and the
// PassiveIp restart step use them.
import { execFile } from "child_process";
import { strToU8, zipSync } from "fflate";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ACCOUNT_ID,
  aws,
  awsEnv,
  Call,
  Emulator,
  emulatorPrerequisites,
  LAUNCHER,
  startEmulator,
} from "../../emulator/client";
import { markerParameterName } from "../../functions/passive-ip-restart/marker";
import { RESTART_COMMAND } from "../../stacks/provider/passive-ip-restart";
import { missingPrerequisites } from "../support/prerequisites";
import { terraform, terraformInit, terraformPrerequisites, terraformValidate, writeCliConfig } from "../../emulator/terraform";

const missing = missingPrerequisites("emulator", emulatorPrerequisites);
const missingTerraform = missing.length ? missing : missingPrerequisites("emulator + terraform", terraformPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;
// Each case is a handful to a few dozen AWS CLI calls (about a second each, up to ten on a
// 2-core machine running five emulator sessions of the end-to-end suites beside this one):
// jest's 30 s default is too tight, and 120 s was exceeded once by the longest case in CI.
jest.setTimeout(300_000);
// moto's start (imports, patches) took over 30 s once in that company; the hooks use the file's bound.
const START_TIMEOUT_MS = 120_000;
const describeTerraform = missingTerraform.length ? describe.skip : describe;

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToInt(base);
  return ipv4ToInt(ip) >= start && ipv4ToInt(ip) < start + size;
}

interface Network {
  vpcId: string;
  subnets: { id: string; cidr: string }[];
  securityGroupId: string;
}

async function createNetwork(emu: Emulator, cidr: string, subnetCidrs: string[], name: string): Promise<Network> {
  const vpcId: string = (await aws(emu, ["ec2", "create-vpc", "--cidr-block", cidr])).Vpc.VpcId;
  const zones = ["a", "b", "c"];
  const [securityGroupId, ...subnets] = await Promise.all([
    aws(emu, ["ec2", "create-security-group", "--vpc-id", vpcId, "--group-name", name, "--description", name]).then(
      (r) => r.GroupId as string,
    ),
    ...subnetCidrs.map((subnetCidr, i) =>
      aws(emu, [
        "ec2",
        "create-subnet",
        "--vpc-id",
        vpcId,
        "--cidr-block",
        subnetCidr,
        "--availability-zone",
        `${emu.region}${zones[i]}`,
      ]).then((r) => ({ id: r.Subnet.SubnetId as string, cidr: subnetCidr })),
    ),
  ]);
  return { vpcId, subnets: subnets as { id: string; cidr: string }[], securityGroupId: securityGroupId as string };
}

async function createFtpServer(emu: Emulator, net: Network, functionArn: string): Promise<string> {
  const created = await aws(emu, [
    "transfer",
    "create-server",
    "--protocols",
    "FTP",
    "--domain",
    "S3",
    "--endpoint-type",
    "VPC",
    "--endpoint-details",
    JSON.stringify({
      VpcId: net.vpcId,
      SubnetIds: net.subnets.map((s) => s.id),
      SecurityGroupIds: [net.securityGroupId],
    }),
    "--identity-provider-type",
    "AWS_LAMBDA",
    "--identity-provider-details",
    JSON.stringify({ Function: functionArn }),
    "--tags",
    "Key=Name,Value=ftp",
  ]);
  return created.ServerId;
}

function state(emu: Emulator, serverId: string): Promise<string> {
  return aws(emu, ["transfer", "describe-server", "--server-id", serverId]).then((r) => r.Server.State);
}

describeEmulator("moto_launcher (AWS CLI)", () => {
  let emu: Emulator;
  let net: Network;
  let functionArn: string;
  let serverId: string;
  let vpcEndpointId: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "emu-test-"));
    // Not about IAM's timing: the function's role made below is usable at once.
    emu = await startEmulator({ startTimeoutMs: START_TIMEOUT_MS, iamPropagationSeconds: 0 });
    net = await createNetwork(emu, "10.0.0.0/16", ["10.0.3.0/24", "10.0.4.0/24"], "transfer-vpce");
    const role = await aws(emu, [
      "iam",
      "create-role",
      "--role-name",
      "ftp-idp",
      "--assume-role-policy-document",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    ]);
    const zipFile = path.join(tmp, "idp.zip");
    fs.writeFileSync(zipFile, zipSync({ "index.js": strToU8("exports.handler = async () => ({});\n") }));
    const fn = await aws(emu, [
      "lambda",
      "create-function",
      "--function-name",
      "ftp-idp",
      "--runtime",
      "nodejs22.x",
      "--handler",
      "index.handler",
      "--role",
      role.Role.Arn,
      "--zip-file",
      `fileb://${zipFile}`,
    ]);
    functionArn = fn.FunctionArn;
    serverId = await createFtpServer(emu, net, functionArn);
  }, 60_000);

  afterAll(async () => {
    await emu?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("binds 127.0.0.1 only", async () => {
    expect(emu.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile("python3", [LAUNCHER, "--host", "0.0.0.0", "--port", "0"], (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stderr }),
      ),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("only 127.0.0.1 is allowed");
  });

  it("describes a VPC-type FTP server like AWS", async () => {
    const { Server } = await aws(emu, ["transfer", "describe-server", "--server-id", serverId]);
    expect(Server).toMatchObject({
      Arn: `arn:aws:transfer:${emu.region}:${ACCOUNT_ID}:server/${serverId}`,
      Domain: "S3",
      EndpointType: "VPC",
      IdentityProviderType: "AWS_LAMBDA",
      IdentityProviderDetails: { Function: functionArn },
      Protocols: ["FTP"],
      ProtocolDetails: { PassiveIp: "AUTO" },
      State: "ONLINE",
      Tags: [{ Key: "Name", Value: "ftp" }],
      EndpointDetails: { VpcId: net.vpcId, SubnetIds: net.subnets.map((s) => s.id) },
    });
    expect(Server.EndpointDetails.VpcEndpointId).toMatch(/^vpce-[0-9a-f]+$/);
    vpcEndpointId = Server.EndpointDetails.VpcEndpointId;

    const { VpcEndpoints } = await aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", vpcEndpointId]);
    expect(VpcEndpoints).toHaveLength(1);
    expect(VpcEndpoints[0]).toMatchObject({ VpcEndpointType: "Interface", VpcId: net.vpcId, State: "available" });
    expect(VpcEndpoints[0].NetworkInterfaceIds).toHaveLength(2);
  });

  it("gives the server's endpoint one ENI per subnet, found by Terraform's subnet-id + description filter", async () => {
    const found = await Promise.all(
      net.subnets.map((subnet) =>
        aws(emu, [
          "ec2",
          "describe-network-interfaces",
          "--filters",
          `Name=subnet-id,Values=${subnet.id}`,
          `Name=description,Values=VPC Endpoint Interface ${vpcEndpointId}`,
        ]).then((r) => ({ subnet, enis: r.NetworkInterfaces })),
      ),
    );
    const ips = new Set<string>();
    for (const { subnet, enis } of found) {
      expect(enis).toHaveLength(1);
      expect(enis[0]).toMatchObject({
        SubnetId: subnet.id,
        Description: `VPC Endpoint Interface ${vpcEndpointId}`,
        InterfaceType: "vpc_endpoint",
        Groups: [{ GroupId: net.securityGroupId }],
      });
      expect(inCidr(enis[0].PrivateIpAddress, subnet.cidr)).toBe(true);
      ips.add(enis[0].PrivateIpAddress);
    }
    expect(ips.size).toBe(2);
  });

  it("stops and starts the server, with the CLI waiters, and records both calls", async () => {
    await emu.clearCalls();
    await aws(emu, ["transfer", "stop-server", "--server-id", serverId]);
    await aws(emu, ["transfer", "wait", "server-offline", "--server-id", serverId]);
    expect(await state(emu, serverId)).toBe("OFFLINE");
    await aws(emu, ["transfer", "start-server", "--server-id", serverId]);
    await aws(emu, ["transfer", "wait", "server-online", "--server-id", serverId]);
    expect(await state(emu, serverId)).toBe("ONLINE");

    const calls = await emu.calls();
    expect(calls.map((c) => [c.action, c.serverId, c.fromState])).toEqual([
      ["StopServer", serverId, "ONLINE"],
      ["StartServer", serverId, "OFFLINE"],
    ]);
    expect(calls[0].epochMs).toBeLessThanOrEqual(calls[1].epochMs);
    expect(new Date(calls[0].time).getTime()).toBe(calls[0].epochMs);
  });

  it("applies update-server --protocol-details PassiveIp and records the update", async () => {
    await emu.clearCalls();
    await aws(emu, ["transfer", "update-server", "--server-id", serverId, "--protocol-details", "PassiveIp=10.0.3.119"]);
    const { Server } = await aws(emu, ["transfer", "describe-server", "--server-id", serverId]);
    expect(Server.ProtocolDetails).toMatchObject({ PassiveIp: "10.0.3.119", TlsSessionResumptionMode: "ENFORCED" });
    expect(Server.State).toBe("ONLINE"); // UpdateServer alone does not restart the server (see the restart step)
    const calls = await emu.calls();
    expect(calls).toEqual([
      expect.objectContaining({ action: "UpdateServer", serverId, params: expect.objectContaining({ ProtocolDetails: { PassiveIp: "10.0.3.119" } }) }),
    ]);
  });

  it("accepts a consumer's interface endpoint to an NLB endpoint service (pendingAcceptance -> available)", async () => {
    const nlb = await aws(emu, [
      "elbv2",
      "create-load-balancer",
      "--name",
      "ftp-nlb",
      "--type",
      "network",
      "--scheme",
      "internal",
      "--subnet-mappings",
      `SubnetId=${net.subnets[0].id},PrivateIPv4Address=10.0.3.119`,
    ]);
    const lb = nlb.LoadBalancers[0];
    expect(lb.LoadBalancerArn).toContain(":loadbalancer/net/ftp-nlb/");
    expect(lb.AvailabilityZones[0].LoadBalancerAddresses).toEqual([{ PrivateIPv4Address: "10.0.3.119" }]);

    const service = (
      await aws(emu, [
        "ec2",
        "create-vpc-endpoint-service-configuration",
        "--network-load-balancer-arns",
        lb.LoadBalancerArn,
        "--acceptance-required",
      ])
    ).ServiceConfiguration;
    expect(service.ServiceName).toBe(`com.amazonaws.vpce.${emu.region}.${service.ServiceId}`);

    // The consumer VPC overlaps the provider's on purpose (the reason for PrivateLink).
    const consumer = await createNetwork(emu, "10.0.0.0/16", ["10.0.1.0/24"], "consumer-vpce");
    const endpoint = (
      await aws(emu, [
        "ec2",
        "create-vpc-endpoint",
        "--vpc-endpoint-type",
        "Interface",
        "--vpc-id",
        consumer.vpcId,
        "--service-name",
        service.ServiceName,
        "--subnet-ids",
        consumer.subnets[0].id,
        "--security-group-ids",
        consumer.securityGroupId,
      ])
    ).VpcEndpoint;
    expect(endpoint.State).toBe("pendingAcceptance");
    const domain = `${service.ServiceId}.${emu.region}.vpce.amazonaws.com`;
    expect(endpoint.DnsEntries.map((e: { DnsName: string }) => e.DnsName)).toEqual([
      expect.stringMatching(new RegExp(`^${endpoint.VpcEndpointId}-[0-9a-z]+\\.${domain.replace(/\./g, "\\.")}$`)),
      expect.stringMatching(new RegExp(`^${endpoint.VpcEndpointId}-[0-9a-z]+-${emu.region}a\\.`)),
    ]);

    const pending = await aws(emu, [
      "ec2",
      "describe-vpc-endpoint-connections",
      "--filters",
      `Name=service-id,Values=${service.ServiceId}`,
      `Name=vpc-endpoint-id,Values=${endpoint.VpcEndpointId}`,
    ]);
    expect(pending.VpcEndpointConnections).toEqual([
      expect.objectContaining({ VpcEndpointId: endpoint.VpcEndpointId, VpcEndpointState: "pendingAcceptance" }),
    ]);

    const accepted = await aws(emu, [
      "ec2",
      "accept-vpc-endpoint-connections",
      "--service-id",
      service.ServiceId,
      "--vpc-endpoint-ids",
      endpoint.VpcEndpointId,
    ]);
    expect(accepted.Unsuccessful).toEqual([]);
    const after = await aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", endpoint.VpcEndpointId]);
    expect(after.VpcEndpoints[0].State).toBe("available");
    const [eni] = (
      await aws(emu, [
        "ec2",
        "describe-network-interfaces",
        "--filters",
        `Name=description,Values=VPC Endpoint Interface ${endpoint.VpcEndpointId}`,
      ])
    ).NetworkInterfaces;
    expect(inCidr(eni.PrivateIpAddress, "10.0.1.0/24")).toBe(true);
    expect((await emu.calls()).map((c: Call) => c.action)).toContain("AcceptVpcEndpointConnections");
  });

  it("switches an endpoint service to another NLB in place; an NLB a service lists cannot be deleted (patch 11)", async () => {
    const createNlb = async (name: string, ip: string) =>
      (
        await aws(emu, [
          "elbv2",
          "create-load-balancer",
          "--name",
          name,
          "--type",
          "network",
          "--scheme",
          "internal",
          "--subnet-mappings",
          `SubnetId=${net.subnets[0].id},PrivateIPv4Address=${ip}`,
        ])
      ).LoadBalancers[0].LoadBalancerArn as string;
    const oldArn = await createNlb("switch-nlb-3-130", "10.0.3.130");
    const newArn = await createNlb("switch-nlb-3-131", "10.0.3.131");
    const { ServiceConfiguration: service } = await aws(emu, [
      "ec2",
      "create-vpc-endpoint-service-configuration",
      "--network-load-balancer-arns",
      oldArn,
      "--acceptance-required",
    ]);
    const describeService = async () =>
      (await aws(emu, ["ec2", "describe-vpc-endpoint-service-configurations", "--service-ids", service.ServiceId]))
        .ServiceConfigurations[0];
    const modify = (...args: string[]) =>
      aws(emu, ["ec2", "modify-vpc-endpoint-service-configuration", "--service-id", service.ServiceId, ...args]);

    // As on AWS: the NLB in use cannot go (the new one must be added and the old removed first).
    await expect(aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", oldArn])).rejects.toThrow(/ResourceInUse/);
    // Unknown ARNs, removing one the service does not list, or removing the last one are refused.
    await expect(modify("--add-network-load-balancer-arns", oldArn.replace(/\/[0-9a-f]+$/, "/0000000000000000"))).rejects.toThrow(/InvalidParameter/);
    await expect(modify("--remove-network-load-balancer-arns", newArn)).rejects.toThrow(/InvalidParameter/);
    await expect(modify("--remove-network-load-balancer-arns", oldArn)).rejects.toThrow(/InvalidParameter/);
    expect((await describeService()).NetworkLoadBalancerArns).toEqual([oldArn]);

    // What aws_vpc_endpoint_service sends when network_load_balancer_arns changes: one call, add and remove.
    const callsBefore = (await emu.calls()).length;
    await modify("--add-network-load-balancer-arns", newArn, "--remove-network-load-balancer-arns", oldArn);
    const after = await describeService();
    expect(after).toMatchObject({ ServiceId: service.ServiceId, ServiceName: service.ServiceName, NetworkLoadBalancerArns: [newArn] });
    expect(after.AvailabilityZones).toEqual([`${emu.region}a`]);
    expect((await emu.calls()).slice(callsBefore)).toEqual([
      expect.objectContaining({
        action: "ModifyVpcEndpointServiceConfiguration",
        serviceId: service.ServiceId,
        addNetworkLoadBalancerArns: [newArn],
        removeNetworkLoadBalancerArns: [oldArn],
      }),
    ]);

    // Now the old NLB can go (and frees its address); the new one cannot while the service exists.
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", oldArn]);
    await expect(aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", newArn])).rejects.toThrow(/ResourceInUse/);
    await aws(emu, ["ec2", "delete-vpc-endpoint-service-configurations", "--service-ids", service.ServiceId]);
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", newArn]);
    const { LoadBalancers } = await aws(emu, ["elbv2", "describe-load-balancers"]);
    expect(LoadBalancers.map((lb: { LoadBalancerArn: string }) => lb.LoadBalancerArn)).not.toEqual(expect.arrayContaining([oldArn]));
    expect(LoadBalancers.map((lb: { LoadBalancerArn: string }) => lb.LoadBalancerArn)).not.toEqual(expect.arrayContaining([newArn]));
  });

  // The rules the day-2 changes depend on (create-before-destroy replacements must not collide).
  it("refuses what AWS refuses for names: a second NLB, target group or (per VPC) security group of a name; a group a listener uses cannot go (patch 23 + moto)", async () => {
    const nlb = (name: string) =>
      aws(emu, ["elbv2", "create-load-balancer", "--name", name, "--type", "network", "--scheme", "internal", "--subnets", net.subnets[0].id]);
    const first = (await nlb("names-nlb")).LoadBalancers[0].LoadBalancerArn as string;
    await expect(nlb("names-nlb")).rejects.toThrow(/DuplicateLoadBalancerName/);
    const group = (name: string) =>
      aws(emu, ["elbv2", "create-target-group", "--name", name, "--protocol", "TCP", "--port", "21", "--target-type", "ip", "--vpc-id", net.vpcId]);
    const groupArn = (await group("names-21")).TargetGroups[0].TargetGroupArn as string;
    await expect(group("names-21")).rejects.toThrow(/DuplicateTargetGroupName/);
    const listener = await aws(emu, [
      "elbv2",
      "create-listener",
      "--load-balancer-arn",
      first,
      "--protocol",
      "TCP",
      "--port",
      "21",
      "--default-actions",
      `Type=forward,TargetGroupArn=${groupArn}`,
    ]);
    await expect(aws(emu, ["elbv2", "delete-target-group", "--target-group-arn", groupArn])).rejects.toThrow(/ResourceInUse/);
    await aws(emu, ["elbv2", "delete-listener", "--listener-arn", listener.Listeners[0].ListenerArn]);
    await aws(emu, ["elbv2", "delete-target-group", "--target-group-arn", groupArn]);
    // Security group names are unique per VPC: the same name in another VPC is fine.
    const sg = (vpcId: string) => aws(emu, ["ec2", "create-security-group", "--vpc-id", vpcId, "--group-name", "names-sg", "--description", "names"]);
    await sg(net.vpcId);
    await expect(sg(net.vpcId)).rejects.toThrow(/InvalidGroup\.Duplicate/);
    const other = await createNetwork(emu, "10.0.0.0/16", ["10.0.3.0/24"], "names-other");
    await sg(other.vpcId);
    // Once the first NLB is gone, its name is free again.
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", first]);
    const again = (await nlb("names-nlb")).LoadBalancers[0].LoadBalancerArn as string;
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", again]);
  }, 120_000);

  it("SetSubnets on an NLB adds subnets with an ENI in each, keeps one AZ legal, refuses removing one (patch 24)", async () => {
    const created = await aws(emu, [
      "elbv2",
      "create-load-balancer",
      "--name",
      "set-subnets-nlb",
      "--type",
      "network",
      "--scheme",
      "internal",
      "--subnets",
      net.subnets[0].id,
    ]);
    const lb = created.LoadBalancers[0];
    const suffix = (lb.LoadBalancerArn as string).split(":loadbalancer/")[1];
    const enis = async () =>
      (await aws(emu, ["ec2", "describe-network-interfaces", "--filters", `Name=description,Values=ELB ${suffix}`])).NetworkInterfaces.map(
        (n: { SubnetId: string }) => n.SubnetId,
      ).sort();
    expect(await enis()).toEqual([net.subnets[0].id]);
    const set = (...subnets: string[]) => aws(emu, ["elbv2", "set-subnets", "--load-balancer-arn", lb.LoadBalancerArn, "--subnets", ...subnets]);
    const result = await set(net.subnets[0].id, net.subnets[1].id);
    expect(result.AvailabilityZones.map((z: { SubnetId: string }) => z.SubnetId).sort()).toEqual([net.subnets[0].id, net.subnets[1].id].sort());
    // The lookup the stacks make for the NLB's address in a subnet finds the new one at once.
    const { NetworkInterfaces } = await aws(emu, [
      "ec2",
      "describe-network-interfaces",
      "--filters",
      `Name=subnet-id,Values=${net.subnets[1].id}`,
      `Name=description,Values=ELB ${suffix}`,
    ]);
    expect(NetworkInterfaces).toHaveLength(1);
    expect(NetworkInterfaces[0].PrivateIpAddress).toMatch(/^10\.0\.4\./);
    expect(await enis()).toEqual([net.subnets[0].id, net.subnets[1].id].sort());
    await expect(set(net.subnets[1].id)).rejects.toThrow(/cannot be removed/);
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", lb.LoadBalancerArn]);
    expect(await enis()).toEqual([]);
  }, 120_000);

  it("reads NLB PrivateLink enforcement and endpoint service IP address types back like AWS (patches 12, 13)", async () => {
    const lb = (
      await aws(emu, [
        "elbv2",
        "create-load-balancer",
        "--name",
        "readback-nlb",
        "--type",
        "network",
        "--scheme",
        "internal",
        "--subnets",
        net.subnets[0].id,
        "--security-groups",
        net.securityGroupId,
      ])
    ).LoadBalancers[0];
    const enforcement = async () =>
      (await aws(emu, ["elbv2", "describe-load-balancers", "--load-balancer-arns", lb.LoadBalancerArn])).LoadBalancers[0]
        .EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic;
    expect(await enforcement()).toBe("on"); // AWS's default for an NLB with security groups
    const set = await aws(emu, [
      "elbv2",
      "set-security-groups",
      "--load-balancer-arn",
      lb.LoadBalancerArn,
      "--security-groups",
      net.securityGroupId,
      "--enforce-security-group-inbound-rules-on-private-link-traffic",
      "off",
    ]);
    expect(set.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic).toBe("off");
    expect(await enforcement()).toBe("off");

    const { ServiceConfiguration: service } = await aws(emu, [
      "ec2",
      "create-vpc-endpoint-service-configuration",
      "--network-load-balancer-arns",
      lb.LoadBalancerArn,
      "--supported-ip-address-types",
      "ipv4",
    ]);
    expect(service.SupportedIpAddressTypes).toEqual(["ipv4"]);
    await aws(emu, ["ec2", "modify-vpc-endpoint-service-configuration", "--service-id", service.ServiceId, "--add-supported-ip-address-types", "ipv6"]);
    const described = (await aws(emu, ["ec2", "describe-vpc-endpoint-service-configurations", "--service-ids", service.ServiceId]))
      .ServiceConfigurations[0];
    expect(described.SupportedIpAddressTypes).toEqual(["ipv4", "ipv6"]);
    await aws(emu, ["ec2", "delete-vpc-endpoint-service-configurations", "--service-ids", service.ServiceId]);
    await aws(emu, ["elbv2", "delete-load-balancer", "--load-balancer-arn", lb.LoadBalancerArn]);
  });

  it("keeps the description of a rule that references another group (patch 14)", async () => {
    const other = (
      await aws(emu, ["ec2", "create-security-group", "--vpc-id", net.vpcId, "--group-name", "readback-peer", "--description", "peer"])
    ).GroupId;
    await aws(emu, [
      "ec2",
      "authorize-security-group-ingress",
      "--group-id",
      other,
      "--ip-permissions",
      `IpProtocol=tcp,FromPort=21,ToPort=21,UserIdGroupPairs=[{GroupId=${net.securityGroupId},Description=FTP control (21) from the nlb}]`,
    ]);
    const { SecurityGroupRules } = await aws(emu, ["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${other}`]);
    const ingress = SecurityGroupRules.filter((r: { IsEgress: boolean }) => !r.IsEgress);
    expect(ingress).toEqual([
      expect.objectContaining({
        Description: "FTP control (21) from the nlb",
        ReferencedGroupInfo: expect.objectContaining({ GroupId: net.securityGroupId }),
        FromPort: 21,
      }),
    ]);
    await aws(emu, ["ec2", "delete-security-group", "--group-id", other]);
  });

  it("reads an instance launched with NetworkInterfaces back like AWS: no public IP association, its interface's groups (patch 15)", async () => {
    const imageId = (await aws(emu, ["ec2", "describe-images", "--owners", "amazon"])).Images[0].ImageId;
    const launched = (
      await aws(emu, [
        "ec2",
        "run-instances",
        "--image-id",
        imageId,
        "--instance-type",
        "t3.micro",
        "--network-interfaces",
        `DeviceIndex=0,AssociatePublicIpAddress=false,SubnetId=${net.subnets[0].id},Groups=${net.securityGroupId}`,
      ])
    ).Instances[0];
    const instance = (await aws(emu, ["ec2", "describe-instances", "--instance-ids", launched.InstanceId])).Reservations[0].Instances[0];
    expect(instance.SecurityGroups.map((g: { GroupId: string }) => g.GroupId)).toEqual([net.securityGroupId]);
    expect(instance.NetworkInterfaces[0].Groups.map((g: { GroupId: string }) => g.GroupId)).toEqual([net.securityGroupId]);
    expect(instance.NetworkInterfaces[0]).not.toHaveProperty("Association");
    expect(instance.PublicIpAddress).toBeUndefined();
    expect(instance.SubnetId).toBe(net.subnets[0].id);
    await aws(emu, ["ec2", "terminate-instances", "--instance-ids", launched.InstanceId]);
  });

  it("pins an interface endpoint's address from SubnetConfigurations and refuses bad ones like AWS (patch 20)", async () => {
    const consumer = await createNetwork(emu, "10.0.0.0/16", ["10.0.3.0/24"], "consumer-pinned");
    const subnet = consumer.subnets[0].id;
    const create = (ip: string) =>
      aws(emu, [
        "ec2",
        "create-vpc-endpoint",
        "--vpc-endpoint-type",
        "Interface",
        "--vpc-id",
        consumer.vpcId,
        "--service-name",
        `com.amazonaws.${emu.region}.s3`,
        "--subnet-ids",
        subnet,
        "--security-group-ids",
        consumer.securityGroupId,
        "--subnet-configurations",
        `SubnetId=${subnet},Ipv4=${ip}`,
      ]);
    const endpointEnis = async () =>
      (await aws(emu, ["ec2", "describe-network-interfaces", "--filters", `Name=subnet-id,Values=${subnet}`])).NetworkInterfaces.filter(
        (eni: { Description: string }) => eni.Description.startsWith("VPC Endpoint Interface"),
      ) as { Description: string; PrivateIpAddress: string; NetworkInterfaceId: string }[];
    const refusal = (ip: string) =>
      create(ip).then(
        () => "created",
        (error: Error) => error.message,
      );

    const endpoint = (await create("10.0.3.50")).VpcEndpoint;
    const [eni] = await endpointEnis();
    expect(eni).toMatchObject({ Description: `VPC Endpoint Interface ${endpoint.VpcEndpointId}`, PrivateIpAddress: "10.0.3.50" });
    expect(endpoint.NetworkInterfaceIds).toEqual([eni.NetworkInterfaceId]);

    // Refused before anything is created: taken, outside the subnet, reserved.
    expect(await refusal("10.0.3.50")).toMatch(/InvalidIPAddress\.InUse.*10\.0\.3\.50 is in use/);
    expect(await refusal("10.0.4.50")).toMatch(/InvalidParameterValue.*not in subnet/);
    for (const reserved of ["10.0.3.0", "10.0.3.3", "10.0.3.255"]) expect(await refusal(reserved)).toMatch(/InvalidParameterValue.*reserved by AWS/);
    expect(await endpointEnis()).toHaveLength(1);

    // Modify: a new ENI with the new address replaces the old one (AWS: "we replace the existing endpoint network interface").
    await aws(emu, ["ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", endpoint.VpcEndpointId, "--subnet-configurations", `SubnetId=${subnet},Ipv4=10.0.3.60`]);
    const after = await endpointEnis();
    expect(after.map((e) => e.PrivateIpAddress)).toEqual(["10.0.3.60"]);
    expect(after[0].NetworkInterfaceId).not.toBe(eni.NetworkInterfaceId);
    const described = (await aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", endpoint.VpcEndpointId])).VpcEndpoints[0];
    expect(described.NetworkInterfaceIds).toEqual([after[0].NetworkInterfaceId]);
    // The old address is free again.
    const second = (await create("10.0.3.50")).VpcEndpoint;
    await aws(emu, ["ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids", endpoint.VpcEndpointId, second.VpcEndpointId]);
    expect(await endpointEnis()).toEqual([]);
  }, 120_000);

  it("creates a private hosted zone when CreateHostedZone names a VPC, as AWS does (patch 21)", async () => {
    const vpc = await createNetwork(emu, "10.0.0.0/16", ["10.0.5.0/24"], "zone-vpc");
    const created = await aws(emu, [
      "route53",
      "create-hosted-zone",
      "--name",
      "ftp.corp.internal",
      "--caller-reference",
      "patch-17",
      "--vpc",
      `VPCRegion=${emu.region},VPCId=${vpc.vpcId}`,
    ]);
    const zone = await aws(emu, ["route53", "get-hosted-zone", "--id", created.HostedZone.Id]);
    expect(zone.HostedZone.Config.PrivateZone).toBe(true);
    expect(zone.VPCs).toEqual([{ VPCRegion: emu.region, VPCId: vpc.vpcId }]);
    // Without a VPC: public, as before.
    const open = await aws(emu, ["route53", "create-hosted-zone", "--name", "example.org", "--caller-reference", "patch-17-public"]);
    expect(open.HostedZone.Config.PrivateZone).toBe(false);
    await Promise.all([created, open].map((z) => aws(emu, ["route53", "delete-hosted-zone", "--id", z.HostedZone.Id])));
  }, 60_000);

  it("delete-server removes the endpoint and its ENIs; the id is then unknown", async () => {
    await aws(emu, ["transfer", "delete-server", "--server-id", serverId]);
    const [enis, endpoints, error] = await Promise.all([
      aws(emu, [
        "ec2",
        "describe-network-interfaces",
        "--filters",
        `Name=description,Values=VPC Endpoint Interface ${vpcEndpointId}`,
      ]),
      aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", vpcEndpointId]),
      aws(emu, ["transfer", "describe-server", "--server-id", serverId]).then(
        () => undefined,
        (e: Error) => e,
      ),
    ]);
    expect(enis.NetworkInterfaces).toEqual([]);
    expect(endpoints.VpcEndpoints[0].State).toBe("deleted");
    expect(error?.message).toContain("ResourceNotFoundException");
  });
});

describeEmulator("restart command smoke (stop, poll OFFLINE, start, poll ONLINE)", () => {
  let emu: Emulator;
  let tmp: string;
  let callsFile: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "emu-restart-"));
    callsFile = path.join(tmp, "calls.jsonl");
    // A transition delay long enough that the polling loop sees STOPPING and STARTING even
    // when each AWS CLI call takes seconds (a loaded 2-core CI machine).
    // Not about IAM's timing: the deployer role made below is usable at once.
    emu = await startEmulator({ stateDelaySeconds: 20, callsFile, startTimeoutMs: START_TIMEOUT_MS, iamPropagationSeconds: 0 });
  });

  afterAll(async () => {
    await emu?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("runs the restart as a shell command with the AWS CLI and leaves Stop then Start recorded", async () => {
    const net = await createNetwork(emu, "10.0.0.0/16", ["10.0.3.0/24"], "restart");
    const serverId = await createFtpServer(emu, net, `arn:aws:lambda:${emu.region}:${ACCOUNT_ID}:function:idp`);
    await aws(emu, ["transfer", "update-server", "--server-id", serverId, "--protocol-details", "PassiveIp=0.0.0.0"]);
    await emu.clearCalls();

    const script = [
      "set -eu",
      'state() { aws transfer describe-server --server-id "$SERVER_ID" --query Server.State --output text; }',
      'aws transfer stop-server --server-id "$SERVER_ID"',
      'i=0; until s=$(state); echo "seen $s"; [ "$s" = OFFLINE ]; do i=$((i+1)); [ $i -lt 60 ] || exit 1; sleep 0.5; done',
      'aws transfer start-server --server-id "$SERVER_ID"',
      'i=0; until s=$(state); echo "seen $s"; [ "$s" = ONLINE ]; do i=$((i+1)); [ $i -lt 60 ] || exit 1; sleep 0.5; done',
    ].join("\n");
    const output = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", script], { env: awsEnv(emu, { SERVER_ID: serverId }), timeout: 150_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const seen = output.split("\n").filter((l) => l.startsWith("seen ")).map((l) => l.slice(5));
    expect(seen).toContain("STOPPING");
    expect(seen).toContain("STARTING");
    expect(seen.indexOf("OFFLINE")).toBeGreaterThan(seen.indexOf("STOPPING"));
    expect(seen[seen.length - 1]).toBe("ONLINE");

    const calls = await emu.calls();
    expect(calls.map((c) => [c.action, c.serverId, c.fromState])).toEqual([
      ["StopServer", serverId, "ONLINE"],
      ["StartServer", serverId, "OFFLINE"],
    ]);
    expect(calls[1].epochMs - calls[0].epochMs).toBeGreaterThanOrEqual(1000);
    // --calls-file keeps every record, including those made before clearCalls().
    const fromFile = fs.readFileSync(callsFile, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(fromFile.slice(-2)).toEqual(calls);
    const { Server } = await aws(emu, ["transfer", "describe-server", "--server-id", serverId]);
    expect(Server.ProtocolDetails.PassiveIp).toBe("0.0.0.0");
  }, 180_000);

  it("the real restart command with provider.assumeRoleArn: moto's STS AssumeRole, then Stop/Start as that role", async () => {
    const net = await createNetwork(emu, "10.0.0.0/16", ["10.0.3.0/24"], "restart-role");
    const serverId = await createFtpServer(emu, net, `arn:aws:lambda:${emu.region}:${ACCOUNT_ID}:function:idp`);
    const role = await aws(emu, [
      "iam",
      "create-role",
      "--role-name",
      "ftp-deployer",
      "--assume-role-policy-document",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT_ID }, Action: "sts:AssumeRole" }] }),
    ]);
    // The restart's marker: an older PassiveIp in effect, so the command restarts (see PassiveIpRestart).
    const marker = markerParameterName("tf-ftp", serverId);
    // What the restart needs, and no more: the emulator judges the role's requests.
    await aws(emu, ["iam", "put-role-policy", "--role-name", "ftp-deployer", "--policy-name", "restart", "--policy-document", JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"], Resource: `arn:aws:transfer:${emu.region}:${ACCOUNT_ID}:server/${serverId}` },
        { Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: `arn:aws:ssm:${emu.region}:${ACCOUNT_ID}:parameter${marker}` },
      ],
    })]);
    await aws(emu, ["ssm", "put-parameter", "--name", marker, "--type", "String", "--value", "10.0.3.9"]);
    await emu.clearCalls();
    // The real AWS CLI behind a wrapper that notes the access key of each call.
    const bin = path.join(tmp, "bin-role");
    fs.mkdirSync(bin, { recursive: true });
    const realAws = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", "command -v aws"], (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
    );
    const keysFile = path.join(tmp, "keys");
    fs.writeFileSync(path.join(bin, "aws"), `#!/bin/sh
echo "$2 $AWS_ACCESS_KEY_ID" >> "${keysFile}"
exec "${realAws}" "$@"
`, { mode: 0o755 });
    const env = awsEnv(emu, {
      PATH: `${bin}:${process.env.PATH}`,
      SERVER_ID: serverId,
      PASSIVE_IP: "0.0.0.0",
      MARKER_PARAMETER: marker,
      AWS_REGION: emu.region,
      TIMEOUT_SECONDS: "60",
      POLL_SECONDS: "1",
      ASSUME_ROLE_ARN: role.Role.Arn,
    });
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("/bin/sh", ["-c", RESTART_COMMAND], { env, timeout: 200_000 }, (error, out, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out),
      ),
    );
    expect(stdout).toContain(`assuming role ${role.Role.Arn}`);
    expect(stdout).toContain("server is ONLINE");
    const keys = fs.readFileSync(keysFile, "utf8").trim().split("\n").map((line) => line.split(" "));
    expect(keys[0]).toEqual(["assume-role", emu.env.AWS_ACCESS_KEY_ID]);
    const assumedKeys = new Set(keys.slice(1).map(([, key]) => key));
    expect(assumedKeys.size).toBe(1);
    const [assumedKey] = [...assumedKeys];
    expect(assumedKey).not.toBe(emu.env.AWS_ACCESS_KEY_ID);
    expect(keys.slice(1).map(([call]) => call)).toEqual(expect.arrayContaining(["describe-server", "stop-server", "start-server"]));
    // What the restart itself did, before this test asks anything with the role's key.
    const calls = await emu.calls();
    // The emulator's STS knows that key as a session of the role (moto resolves the caller from the access key ID).
    const identity = await new Promise<string>((resolve, reject) =>
      execFile(
        realAws,
        ["sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
        { env: awsEnv(emu, { AWS_ACCESS_KEY_ID: assumedKey, AWS_SECRET_ACCESS_KEY: "unused", AWS_SESSION_TOKEN: "unused" }) },
        (error, out, stderr) => (error ? reject(new Error(stderr)) : resolve(out.trim())),
      ),
    );
    expect(identity).toBe(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/ftp-deployer/passive-ip-restart-${serverId}`);
    expect(calls.filter((c) => c.action !== "RoleRequest" && c.action !== "IamDecision").map((c) => c.action)).toEqual(["StopServer", "StartServer"]);
    // The AssumeRole with the default credentials was judged by the role's trust policy (the account); then each of
    // the role's requests by its policy: all allowed.
    const decisions = calls.filter((c) => c.action === "IamDecision");
    const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/ftp-deployer`;
    expect(decisions.filter((c) => c.principalArn !== roleArn)).toEqual([
      expect.objectContaining({ principal: `arn:aws:iam::${ACCOUNT_ID}:root`, iamAction: "sts:AssumeRole", resource: roleArn, decision: "Allowed" }),
    ]);
    const asTheRole = decisions.filter((c) => c.principalArn === roleArn);
    expect(asTheRole.length).toBeGreaterThanOrEqual(5);
    expect(asTheRole.filter((c) => c.decision !== "Allowed")).toEqual([]);
    // The emulator records what each assumed-role session did (patch 18): the restart's Transfer calls, all as the role.
    const asRole = calls.filter((c) => c.action === "RoleRequest");
    expect(new Set(asRole.map((c) => c.roleArn))).toEqual(new Set([`arn:aws:iam::${ACCOUNT_ID}:role/ftp-deployer`]));
    expect(new Set(asRole.map((c) => c.iamAction))).toEqual(
      new Set(["ssm:GetParameter", "ssm:PutParameter", "transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"]),
    );
    // Marked in progress before the stop, then the new PassiveIp once ONLINE.
    const { Parameter } = await aws(emu, ["ssm", "get-parameter", "--name", marker]);
    expect(Parameter.Value).toBe("0.0.0.0");
    expect(stdout + fs.readFileSync(keysFile, "utf8")).not.toContain("SecretAccessKey");
  }, 240_000);
});

describeTerraform("offline terraform harness against the emulator", () => {
  let emu: Emulator;
  let dir: string;

  beforeAll(async () => {
    emu = await startEmulator({ startTimeoutMs: START_TIMEOUT_MS });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-harness-"));
  });

  afterAll(async () => {
    await emu?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("inits hashicorp/aws 5.100.0 from the mirror, applies a VPC through AWS_ENDPOINT_URL, destroys it", async () => {
    fs.writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify(
        {
          terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
          provider: { aws: { region: emu.region } },
          data: { aws_caller_identity: { me: {} } },
          resource: { aws_vpc: { harness: { cidr_block: "10.42.0.0/16", tags: { Name: "harness" } } } },
          output: {
            vpc_id: { value: "${aws_vpc.harness.id}" },
            account: { value: "${data.aws_caller_identity.me.account_id}" },
          },
        },
        null,
        2,
      ),
    );
    const tfEnv = writeCliConfig(path.join(dir, ".cli"));
    expect(Object.keys(tfEnv).sort()).toEqual(["CHECKPOINT_DISABLE", "TF_CLI_CONFIG_FILE", "TF_IN_AUTOMATION"]);
    const init = await terraformInit(dir, tfEnv);
    expect(init.stdout).toMatch(/Installed hashicorp\/aws v5\.100\.0/);
    await terraformValidate(dir, tfEnv);

    const env = { ...tfEnv, ...emu.env };
    await terraform(dir, ["apply", "-auto-approve"], env);
    const outputs = JSON.parse((await terraform(dir, ["output", "-json"], env)).stdout);
    expect(outputs.account.value).toBe(ACCOUNT_ID);
    const vpcId: string = outputs.vpc_id.value;
    const { Vpcs } = await aws(emu, ["ec2", "describe-vpcs", "--vpc-ids", vpcId]);
    expect(Vpcs[0]).toMatchObject({ CidrBlock: "10.42.0.0/16", Tags: [{ Key: "Name", Value: "harness" }] });

    await terraform(dir, ["destroy", "-auto-approve"], env);
    await expect(aws(emu, ["ec2", "describe-vpcs", "--vpc-ids", vpcId])).rejects.toThrow(/InvalidVpcID.NotFound/);
  }, 240_000);
});
