import "cdktf/lib/testing/adapters/jest";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { TransferServer } from "@cdktf/provider-aws/lib/transfer-server";
import { VpcEndpointService } from "@cdktf/provider-aws/lib/vpc-endpoint-service";
import { DataAwsNetworkInterface } from "@cdktf/provider-aws/lib/data-aws-network-interface";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { configWith, TWO_AZ } from "./support/config";
import { dataSourcesOf, onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";
import { passiveIpFor } from "../stacks/provider-stack";

const PASSIVE_PORTS = [8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];
const ALL_PORTS = [21, ...PASSIVE_PORTS];


describe("provider stack (example config: single AZ, pinned NLB IP)", () => {
  const { provider } = synthStacks(configWith());

  test("Transfer server: FTP only, VPC endpoint in the configured subnets, Lambda identity provider, S3", () => {
    expect(provider).toHaveResourceWithProperties(TransferServer, {
      protocols: ["FTP"],
      endpoint_type: "VPC",
      identity_provider_type: "AWS_LAMBDA",
      domain: "S3",
      endpoint_details: expect.objectContaining({
        vpc_id: "vpc-0a1b2c3d4e5f60001",
        subnet_ids: ["subnet-0a1b2c3d4e5f60003"],
      }),
    });
    const server = onlyResource(provider, "aws_transfer_server");
    const lambda = onlyResource(provider, "aws_lambda_function");
    expect(server.function).toBe(ref(lambda, "arn"));
  });

  test("S3 directory listing optimization on: users' LOGICAL homes need no root folder object", () => {
    // Off (the API's default), a logical home's root folder must exist before the first login
    // (Transfer user guide, "Implementing logical directories"); `npm run users -- add` creates none.
    expect(provider).toHaveResourceWithProperties(TransferServer, { s3_storage_options: { directory_listing_optimization: "ENABLED" } });
  });

  test("passive IP is the pinned NLB IP, and the NLB is pinned to it in the first subnet", () => {
    expect(provider).toHaveResourceWithProperties(TransferServer, { protocol_details: { passive_ip: "10.0.3.119" } });
    expect(provider).toHaveResourceWithProperties(Lb, {
      internal: true,
      load_balancer_type: "network",
      enable_cross_zone_load_balancing: false,
      subnet_mapping: [{ subnet_id: "subnet-0a1b2c3d4e5f60003", private_ipv4_address: "10.0.3.119" }],
    });
    const lb = onlyResource(provider, "aws_lb");
    // Subnet and pinned IP are hashed into the names, and a new IP is a new NLB created before the old one goes.
    expect(lb.name).toBe("tf-ftp-nlb-9916a2");
    expect(lb.lifecycle).toMatchObject({ create_before_destroy: true });
    const precondition = (lb.lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition[0];
    expect(precondition.condition).toContain('cidrhost("10.0.3.119/');
    expect(precondition.error_message).toContain("10.0.3.119");
    expect(dataSourcesOf(provider, "aws_subnet")).toHaveLength(1);
  });

  test("ten TCP target groups (21, 8192-8200), IP targets, health checks on port 21", () => {
    const groups = (resourcesOf(provider, "aws_lb_target_group"));
    expect(groups.map((g) => g.port).sort()).toEqual(ALL_PORTS);
    for (const port of ALL_PORTS) {
      expect(provider).toHaveResourceWithProperties(LbTargetGroup, {
        name: `tf-ftp-${port}-9916a2`,
        port,
        protocol: "TCP",
        target_type: "ip",
        vpc_id: "vpc-0a1b2c3d4e5f60001",
        health_check: expect.objectContaining({ protocol: "TCP", port: "21" }),
        lifecycle: { create_before_destroy: true },
      });
    }
  });

  test("ten TCP listeners, each forwarding to the target group of its own port", () => {
    const groups = resourcesOf(provider, "aws_lb_target_group");
    const listeners = (resourcesOf(provider, "aws_lb_listener"));
    expect(listeners).toHaveLength(10);
    for (const listener of listeners) {
      const [action] = listener.default_action as { type: string; target_group_arn: string }[];
      const target = groups.find((g) => ref(g, "arn") === action.target_group_arn);
      expect(action.type).toBe("forward");
      expect(target?.port).toBe(listener.port);
      expect(listener.protocol).toBe("TCP");
    }
    expect(provider).toHaveResourceWithProperties(LbListener, { port: 21, protocol: "TCP" });
  });

  test("targets: the Transfer endpoint IP found by ENI lookup per subnet, registered in all ten groups", () => {
    const enis = dataSourcesOf(provider, "aws_network_interface");
    expect(enis).toHaveLength(1);
    const [eni] = enis;
    const server = onlyResource(provider, "aws_transfer_server");
    expect(eni.filter).toEqual([
      { name: "subnet-id", values: ["subnet-0a1b2c3d4e5f60003"] },
      // Both forms AWS documents (EC2 guide, requester-managed ENIs); values of one filter are OR'ed.
      {
        name: "description",
        values: [
          `VPC Endpoint Interface ${ref(server, "endpoint_details[0].vpc_endpoint_id")}`,
          `VPC Endpoint Interface: ${ref(server, "endpoint_details[0].vpc_endpoint_id")}`,
        ],
      },
    ]);
    // Read only once the server's VPC endpoint is available (Transfer says ONLINE before that).
    const wait = resourcesOf(provider, "terraform_data").find((r) => r.__address.includes("endpoint-available"))!;
    expect(eni.depends_on).toEqual([wait.__address]);
    expect(wait.triggers_replace).toEqual({ vpc_endpoint_id: ref(server, "endpoint_details[0].vpc_endpoint_id") });
    const attachments = (resourcesOf(provider, "aws_lb_target_group_attachment"));
    expect(attachments).toHaveLength(10);
    for (const attachment of attachments) {
      expect(attachment.target_id).toBe(ref(eni, "private_ip"));
      // A PassiveIp update defers the ENI read; the attachments must not be replaced for it.
      expect(attachment.lifecycle).toEqual({ ignore_changes: ["target_id"], replace_triggered_by: [`${server.__address}.id`] });
    }
    expect(provider).toHaveResourceWithProperties(LbTargetGroupAttachment, { port: 8200 });
    expect(provider).toHaveDataSourceWithProperties(DataAwsNetworkInterface, {});
  });

  test("security groups: NLB admits FTP from the configured CIDRs only; the endpoint admits the NLB group only", () => {
    const groups = resourcesOf(provider, "aws_security_group");
    const nlbGroup = groups.find((g) => g.name_prefix === "tf-ftp-nlb-")!;
    const endpointGroup = groups.find((g) => g.name_prefix === "tf-ftp-transfer-endpoint-")!;
    expect(nlbGroup).toBeDefined();
    expect(endpointGroup).toBeDefined();
    expect(provider).toHaveResource(SecurityGroup);
    const ingress = (resourcesOf(provider, "aws_vpc_security_group_ingress_rule"));
    const nlbIngress = ingress.filter((r) => r.security_group_id === ref(nlbGroup, "id"));
    expect(nlbIngress.map((r) => [r.from_port, r.to_port, r.cidr_ipv4]).sort()).toEqual([
      [21, 21, "10.0.0.0/16"],
      [8192, 8200, "10.0.0.0/16"],
    ]);
    const endpointIngress = ingress.filter((r) => r.security_group_id === ref(endpointGroup, "id"));
    expect(endpointIngress.map((r) => [r.from_port, r.to_port, r.referenced_security_group_id, r.cidr_ipv4]).sort()).toEqual([
      [21, 21, ref(nlbGroup, "id"), undefined],
      [8192, 8200, ref(nlbGroup, "id"), undefined],
    ]);
    expect(ingress.every((r) => r.ip_protocol === "tcp")).toBe(true);
    // The NLB may only forward FTP to the endpoint group; no other egress exists.
    const egress = (resourcesOf(provider, "aws_vpc_security_group_egress_rule"));
    expect(egress.map((r) => [r.security_group_id, r.from_port, r.to_port, r.referenced_security_group_id]).sort()).toEqual([
      [ref(nlbGroup, "id"), 21, 21, ref(endpointGroup, "id")],
      [ref(nlbGroup, "id"), 8192, 8200, ref(endpointGroup, "id")],
    ]);
    expect(provider).toHaveResource(VpcSecurityGroupIngressRule);
    expect(provider).toHaveResource(VpcSecurityGroupEgressRule);
    const lb = onlyResource(provider, "aws_lb");
    expect(lb.security_groups).toEqual([ref(nlbGroup, "id")]);
    const server = onlyResource(provider, "aws_transfer_server");
    expect((server.endpoint_details as { security_group_ids: string[] }).security_group_ids).toEqual([ref(endpointGroup, "id")]);
  });

  test("endpoint service on the NLB: acceptance required, principals from config", () => {
    const lb = onlyResource(provider, "aws_lb");
    expect(provider).toHaveResourceWithProperties(VpcEndpointService, {
      acceptance_required: true,
      allowed_principals: ["arn:aws:iam::123456789012:root"],
      network_load_balancer_arns: [ref(lb, "arn")],
    });
  });

  test("outputs have stable names and point at the right attributes", () => {
    const outputs = JSON.parse(provider).output;
    const service = onlyResource(provider, "aws_vpc_endpoint_service");
    const server = onlyResource(provider, "aws_transfer_server");
    expect(Object.keys(outputs).sort()).toEqual([
      "endpoint_service_id",
      "endpoint_service_name",
      "nlb_availability_zone_ids",
      "nlb_private_ip",
      "transfer_server_id",
      "user_secrets_key_arn",
    ]);
    const [subnet] = dataSourcesOf(provider, "aws_subnet");
    expect(outputs.nlb_availability_zone_ids.value).toBe(`\${join(",", [${ref(subnet, "availability_zone_id").slice(2, -1)}])}`);
    expect(outputs.user_secrets_key_arn.value).toBe(ref(onlyResource(provider, "aws_kms_key"), "arn"));
    expect(outputs.endpoint_service_name.value).toBe(ref(service, "service_name"));
    expect(outputs.endpoint_service_id.value).toBe(ref(service, "id"));
    expect(outputs.transfer_server_id.value).toBe(ref(server, "id"));
    expect(outputs.nlb_private_ip.value).toBe("10.0.3.119");
  });

  test("the S3 role is least privilege on the configured bucket, with confused-deputy conditions", () => {
    const roles = (resourcesOf(provider, "aws_iam_role"));
    const role = roles.find((r) => r.name === "tf-ftp-transfer-s3-access")!;
    expect(role.assume_role_policy).toContain('"Service":"transfer.amazonaws.com"');
    expect(role.assume_role_policy).toContain('"aws:SourceAccount"');
    // Users of this server only (what AWS evaluates: __tests__/iam-evaluation.test.ts).
    const server = onlyResource(provider, "aws_transfer_server");
    expect(role.assume_role_policy).toContain(`:transfer:ap-northeast-1:\${data.aws_caller_identity.account.account_id}:user/${ref(server, "id")}/*`);
    const policies = (resourcesOf(provider, "aws_iam_role_policy"));
    const policy = policies.find((p) => p.role === ref(role, "id"))!.policy as string;
    expect(policy).toContain(":s3:::tf-ftp-example-bucket");
    expect(policy).toContain(":s3:::tf-ftp-example-bucket/*");
    expect(policy).not.toMatch(/s3:\*|"Resource":"\*"/);
    expect(policy).not.toContain("AmazonS3FullAccess");
    expect(JSON.stringify(resourcesOf(provider, "aws_iam_role_policy_attachment"))).not.toContain("AmazonS3FullAccess");
  });
});

describe("provider stack without a pinned NLB IP", () => {
  const { provider } = synthStacks(configWith({ provider: { nlbPrivateIp: null, subnetCidrs: null } }));

  test("the NLB takes its subnet, and its IP is looked up from its ENI for the passive IP", () => {
    const lb = onlyResource(provider, "aws_lb");
    expect(lb.subnets).toEqual(["subnet-0a1b2c3d4e5f60003"]);
    expect(lb.subnet_mapping).toBeUndefined();
    const enis = (dataSourcesOf(provider, "aws_network_interface"));
    const nlbEni = enis.find((e) => e.__address.includes("nlb-address"))!;
    // The description goes through a local value (no deferred read when the NLB has an unrelated pending change).
    const locals = JSON.parse(provider).locals as Record<string, string>;
    const [localName] = Object.keys(locals).filter((name) => name.includes("nlb-eni-description"));
    expect(locals[localName]).toBe(`ELB ${ref(lb, "arn_suffix")}`);
    expect(nlbEni.filter).toEqual([
      { name: "subnet-id", values: ["subnet-0a1b2c3d4e5f60003"] },
      { name: "description", values: [`\${local.${localName}}`] },
    ]);
    expect(JSON.stringify(nlbEni)).not.toContain("aws_lb.");
    const passiveIp = ref(nlbEni, "private_ip");
    expect(provider).toHaveResourceWithProperties(TransferServer, { protocol_details: { passive_ip: passiveIp } });
    expect(JSON.parse(provider).output.nlb_private_ip.value).toBe(passiveIp);
    expect(lb.lifecycle).toEqual({ create_before_destroy: true });
    expect(lb.name).toBe("tf-ftp-nlb-b25b3c");
    expect(resourcesOf(provider, "aws_lb_target_group").map((g) => g.name)).toContain("tf-ftp-8200-b25b3c");
  });
});

describe("provider stack across two AZs (passiveIpMode control-connection)", () => {
  const { provider } = synthStacks(configWith(TWO_AZ));

  test("passive IP 0.0.0.0, NLB in both subnets with cross-zone off, both endpoint IPs in every group", () => {
    expect(provider).toHaveResourceWithProperties(TransferServer, { protocol_details: { passive_ip: "0.0.0.0" } });
    expect(provider).toHaveResourceWithProperties(Lb, {
      subnets: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"],
      enable_cross_zone_load_balancing: false,
    });
    const endpointEnis = (dataSourcesOf(provider, "aws_network_interface")).filter((e) =>
      JSON.stringify(e.filter).includes("VPC Endpoint Interface"),
    );
    expect(endpointEnis).toHaveLength(2);
    expect((resourcesOf(provider, "aws_lb_target_group_attachment"))).toHaveLength(20);
    expect(JSON.parse(provider).output.nlb_private_ip.value).toContain(",");
  });
});

// ELB names are unique per account and region, security group names per VPC, and every one of
// these resources is created before its predecessor is destroyed. So a name must change exactly when the resource
// is replaced (a new NLB: its subnet set or pinned IP changed), and never for anything else.
describe("names a replacement can never collide on", () => {
  interface Names {
    readonly nlb: string;
    readonly targetGroups: string[];
    readonly securityGroupPrefixes: string[];
    readonly securityGroupNames: unknown[];
  }
  const namesOf = (overrides: Record<string, unknown>): Names => {
    const { provider } = synthStacks(configWith(overrides));
    const groups = resourcesOf(provider, "aws_security_group");
    return {
      nlb: onlyResource(provider, "aws_lb").name as string,
      targetGroups: resourcesOf(provider, "aws_lb_target_group").map((g) => g.name as string).sort(),
      securityGroupPrefixes: groups.map((g) => g.name_prefix as string).sort(),
      securityGroupNames: groups.map((g) => g.name),
    };
  };
  const unpinned = { provider: { nlbPrivateIp: null, subnetCidrs: null } };
  const twoAz = (subnetIds: string[]) => ({ provider: { ...TWO_AZ.provider, subnetIds } });
  const A = "subnet-0a1b2c3d4e5f60003";
  const B = "subnet-0a1b2c3d4e5f60004";
  const C = "subnet-0a1b2c3d4e5f60005";

  test("removing or replacing a subnet, or a new pinned IP, renames the NLB and all ten target groups", () => {
    const both = namesOf(twoAz([A, B]));
    const changed = [namesOf(twoAz([A, C])), namesOf(unpinned), namesOf(configWithIp("10.0.3.120")), namesOf({})];
    const all = [both, ...changed];
    // Every variant has its own NLB name and its own ten group names: none collides with another variant's.
    expect(new Set(all.map((n) => n.nlb)).size).toBe(all.length);
    expect(new Set(all.flatMap((n) => n.targetGroups)).size).toBe(all.length * 10);
    // The groups carry their NLB's suffix (a target group serves listeners of one NLB only).
    for (const names of all) {
      const suffix = names.nlb.slice("tf-ftp-nlb-".length);
      expect(names.targetGroups).toEqual(ALL_PORTS.map((p) => `tf-ftp-${p}-${suffix}`).sort());
    }
  });

  test("tags, subnet order, the idle timeout and the passive-IP mode rename nothing", () => {
    const base = namesOf(twoAz([A, B]));
    expect(namesOf(twoAz([B, A]))).toEqual(base);
    expect(namesOf({ ...twoAz([A, B]), tags: { CostCenter: "ftp-42" } })).toEqual(base);
    expect(namesOf({ provider: { ...twoAz([A, B]).provider, controlIdleTimeoutSeconds: 900, restartTimeoutSeconds: 300 } })).toEqual(base);
    const single = namesOf(unpinned);
    expect(namesOf({ provider: { ...unpinned.provider, passiveIpMode: "control-connection" } })).toEqual(single);
  });

  test("security groups take a name_prefix (AWS adds a unique suffix), never a fixed name", () => {
    const names = namesOf({});
    expect(names.securityGroupNames).toEqual([undefined, undefined]);
    expect(names.securityGroupPrefixes).toEqual(["tf-ftp-nlb-", "tf-ftp-transfer-endpoint-"]);
    expect(namesOf(twoAz([A, C])).securityGroupPrefixes).toEqual(names.securityGroupPrefixes);
  });

  test("with the longest namePrefix allowed, NLB and target group names fit ELB's 32 characters and its pattern", () => {
    const prefix = "abcdefghij-klmnopqr"; // 19 characters, the schema's maximum
    for (const overrides of [{ namePrefix: prefix }, { namePrefix: prefix, ...twoAz([A, B]) }]) {
      const names = namesOf(overrides);
      for (const name of [names.nlb, ...names.targetGroups]) {
        expect(name.length).toBeLessThanOrEqual(32);
        // CreateLoadBalancer / CreateTargetGroup: letters, digits, hyphens; no leading or trailing hyphen.
        expect(name).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
      }
      expect(names.nlb.startsWith(`${prefix}-nlb-`)).toBe(true);
    }
  });

  function configWithIp(ip: string) {
    return { provider: { nlbPrivateIp: ip } };
  }
});

// The control connection is idle while a file moves; AWS's default TCP idle timeout is 350 s.
describe("control listener idle timeout", () => {
  const listeners = (overrides: Record<string, unknown>) => {
    const { provider } = synthStacks(configWith(overrides));
    return resourcesOf(provider, "aws_lb_listener").map((l) => [l.port, l.tcp_idle_timeout_seconds]);
  };

  test("port 21 gets provider.controlIdleTimeoutSeconds (default 6000, AWS's maximum); the data ports keep AWS's default", () => {
    expect(listeners({})).toEqual(ALL_PORTS.map((port) => [port, port === 21 ? 6000 : undefined]));
    expect(listeners({ provider: { controlIdleTimeoutSeconds: 900 } })).toEqual(ALL_PORTS.map((port) => [port, port === 21 ? 900 : undefined]));
  });
});

// passiveIpMode "consumer-endpoint" (PassiveIp = the consumer endpoint's pinned IP).
describe("provider stack in passiveIpMode consumer-endpoint", () => {
  const CONSUMER_ENDPOINT = { provider: { passiveIpMode: "consumer-endpoint" }, consumer: { endpointIp: "10.0.3.50" } };

  test("single AZ: PassiveIp is consumer.endpointIp, not the NLB's IP; the restart is triggered by it", () => {
    const { provider } = synthStacks(configWith(CONSUMER_ENDPOINT));
    expect(provider).toHaveResourceWithProperties(TransferServer, { protocol_details: { passive_ip: "10.0.3.50" } });
    // The NLB keeps its own pinned IP; only the advertised address changes.
    expect(provider).toHaveResourceWithProperties(Lb, { subnet_mapping: [{ subnet_id: "subnet-0a1b2c3d4e5f60003", private_ipv4_address: "10.0.3.119" }] });
    const server = onlyResource(provider, "aws_transfer_server");
    const restart = onlyResource(provider, "null_resource");
    expect((restart.triggers as Record<string, string>).passive_ip).toBe(ref(server, "protocol_details[0].passive_ip"));
  });

  test("multi-AZ provider side: still the one consumer endpoint IP", () => {
    const { provider } = synthStacks(
      configWith({ provider: { ...TWO_AZ.provider, passiveIpMode: "consumer-endpoint" }, consumer: CONSUMER_ENDPOINT.consumer }),
    );
    expect(provider).toHaveResourceWithProperties(TransferServer, { protocol_details: { passive_ip: "10.0.3.50" } });
    expect(resourcesOf(provider, "aws_lb_target_group_attachment")).toHaveLength(20);
  });

  test("a change of the endpoint address is refused at plan time unless the server is out of service (the guard on the server)", () => {
    // Evaluated by Terraform in __tests__/integration/plan-checks.test.ts; proven end to end in deploy.test.ts.
    const { provider } = synthStacks(configWith(CONSUMER_ENDPOINT));
    const server = onlyResource(provider, "aws_transfer_server");
    const [markers] = dataSourcesOf(provider, "aws_ssm_parameters_by_path");
    expect(markers).toMatchObject({ path: "/tf-ftp/transfer", recursive: true });
    const [guard] = (server.lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition;
    expect(guard.condition).toBe(
      `\${(length(setsubtract(toset(nonsensitive(${markers.__address}.values)), ["10.0.3.50", "restart-in-progress"])) < 1)}`,
    );
    expect(guard.error_message).toContain('Safe procedure (README "Day-2 changes"): stop the server');
    // Other modes hand out no consumer endpoint address: no guard, no lookup.
    for (const config of [configWith(), configWith(TWO_AZ)]) {
      const { provider: other } = synthStacks(config);
      expect(onlyResource(other, "aws_transfer_server").lifecycle).toBeUndefined();
      expect(dataSourcesOf(other, "aws_ssm_parameters_by_path")).toEqual([]);
    }
  });

  test("passiveIpFor: one address per mode", () => {
    expect(passiveIpFor("nlb", "10.0.3.119", undefined)).toBe("10.0.3.119");
    expect(passiveIpFor("control-connection", "10.0.3.119", undefined)).toBe("0.0.0.0");
    expect(passiveIpFor("consumer-endpoint", "10.0.3.119", "10.0.3.50")).toBe("10.0.3.50");
    expect(() => passiveIpFor("consumer-endpoint", "10.0.3.119", undefined)).toThrow("consumer.endpointIp");
  });
});
