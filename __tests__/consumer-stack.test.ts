import "cdktf/lib/testing/adapters/jest";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcEndpointConnectionAccepter } from "@cdktf/provider-aws/lib/vpc-endpoint-connection-accepter";
import { readClientFiles } from "../lib/client-user-data";
import { architectureOf } from "../stacks/consumer/ftp-client-instance";
import { configWith, PROJECT_ROOT } from "./support/config";
import { dataSourcesOf, onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

describe("consumer stack (example config)", () => {
  const { consumer } = synthStacks(configWith());
  const json = JSON.parse(consumer);

  test("reads the provider's named outputs through local remote state, not cross-stack references", () => {
    expect(json.data.terraform_remote_state).toEqual({
      "provider-state": { backend: "local", config: { path: "../../../state/provider.tfstate" } },
    });
    expect(consumer).toHaveResourceWithProperties(VpcEndpoint, {
      service_name: "${data.terraform_remote_state.provider-state.outputs.endpoint_service_name}",
    });
    expect(consumer).toHaveResourceWithProperties(VpcEndpointConnectionAccepter, {
      vpc_endpoint_service_id: "${data.terraform_remote_state.provider-state.outputs.endpoint_service_id}",
    });
    expect(consumer).not.toContain("cross-stack-output");
  });

  test("interface endpoint in the consumer VPC and subnets, behind its own security group", () => {
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const group = resourcesOf(consumer, "aws_security_group").find((g) => g.name_prefix === "tf-ftp-consumer-endpoint-")!;
    expect(endpoint).toMatchObject({
      vpc_endpoint_type: "Interface",
      vpc_id: "vpc-0f9e8d7c6b5a40001",
      subnet_ids: ["subnet-0f9e8d7c6b5a40003"],
      private_dns_enabled: false,
      security_group_ids: [ref(group, "id")],
    });
    const ingress = resourcesOf(consumer, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === ref(group, "id"));
    expect(ingress.filter((r) => r.cidr_ipv4).map((r) => [r.from_port, r.to_port, r.cidr_ipv4]).sort()).toEqual([
      [21, 21, "10.0.0.0/16"],
      [8192, 8200, "10.0.0.0/16"],
    ]);
  });

  // An interface endpoint can only live in AZs the service's NLB serves; AZ IDs compare across accounts.
  test("before the endpoint is created, every consumer subnet's AZ ID must be one the provider's NLB serves", () => {
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const subnets = dataSourcesOf(consumer, "aws_subnet");
    expect(subnets.map((s) => s.id)).toEqual(["subnet-0f9e8d7c6b5a40003"]);
    const zones = 'try(data.terraform_remote_state.provider-state.outputs.nlb_availability_zone_ids, "")';
    const azId = ref(subnets[0], "availability_zone_id").slice(2, -1);
    expect((endpoint.lifecycle as { precondition: unknown[] }).precondition).toEqual([
      {
        // An old provider state without the output ("") skips the check until the provider is applied again.
        condition: `\${((length(${zones}) < 1) || contains(split(",", ${zones}), ${azId}))}`,
        error_message:
          `consumer.subnetIds: subnet subnet-0f9e8d7c6b5a40003 is in AZ ID \${${azId}}, but the provider's NLB (and so its endpoint service) ` +
          `serves only AZ IDs \${${zones}}. Use consumer subnets in those AZs, or add a provider subnet in this AZ (provider.subnetIds). ` +
          "AZ IDs are compared, not names: names differ between accounts.",
      },
    ]);
    // One check per subnet.
    const { consumer: two } = synthStacks(configWith({ consumer: { subnetIds: ["subnet-0f9e8d7c6b5a40003", "subnet-0f9e8d7c6b5a40004"] } }));
    expect((onlyResource(two, "aws_vpc_endpoint").lifecycle as { precondition: unknown[] }).precondition).toHaveLength(2);
  });

  test("the connection is accepted through the service-owner provider alias", () => {
    const accepter = onlyResource(consumer, "aws_vpc_endpoint_connection_accepter");
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    expect(accepter.provider).toBe("aws.service_owner");
    expect(accepter.vpc_endpoint_id).toBe(ref(endpoint, "id"));
    const aliases = json.provider.aws.map((p: { alias?: string }) => p.alias);
    expect(aliases).toEqual([undefined, "service_owner"]);
    expect(json.provider.aws[1].assume_role).toBeUndefined();
  });

  test("with serviceOwnerRoleArn the accepter's provider assumes that role", () => {
    const roleArn = "arn:aws:iam::210987654321:role/endpoint-acceptor";
    const { consumer: crossAccount } = synthStacks(configWith({ consumer: { serviceOwnerRoleArn: roleArn } }));
    const providers = JSON.parse(crossAccount).provider.aws;
    expect(providers[1]).toMatchObject({ alias: "service_owner", assume_role: [expect.objectContaining({ role_arn: roleArn })] });
    expect(providers[0].assume_role).toBeUndefined();
  });

  test("client: Amazon Linux 2023 from the public SSM parameter, no public IP, no key, IMDSv2, SSM profile", () => {
    expect(consumer).toHaveResourceWithProperties(Instance, {
      instance_type: "t3.micro",
      subnet_id: "subnet-0f9e8d7c6b5a40003",
      associate_public_ip_address: false,
      metadata_options: expect.objectContaining({ http_tokens: "required" }),
    });
    const instance = onlyResource(consumer, "aws_instance");
    expect(instance.key_name).toBeUndefined();
    const [ami] = dataSourcesOf(consumer, "aws_ssm_parameter");
    expect(ami.name).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(instance.ami).toBe(ref(ami, "insecure_value"));
    // No managed policy: AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter.
    expect(resourcesOf(consumer, "aws_iam_role_policy_attachment")).toHaveLength(0);
    // The client's security group has no inbound rule at all.
    const clientGroup = resourcesOf(consumer, "aws_security_group").find((g) => g.name_prefix === "tf-ftp-ftp-client-")!;
    const inbound = resourcesOf(consumer, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === ref(clientGroup, "id"));
    expect(inbound).toHaveLength(0);
  });

  test("user data installs lftp, the project's lftp settings and ftp-smoke, and records the endpoint host", () => {
    const instance = onlyResource(consumer, "aws_instance");
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const userData = instance.user_data as string;
    const files = readClientFiles(PROJECT_ROOT);
    expect(userData).toContain("dnf install -y lftp");
    expect(userData).toContain(">> /etc/lftp.conf");
    expect(userData).toContain("/usr/local/bin/ftp-smoke");
    expect(userData).toContain(`echo '${ref(endpoint, "dns_entry[0].dns_name")}' > /etc/ftp-smoke/host`);
    // The same files the FTP path tests use, escaped only where Terraform would interpolate.
    const unescaped = userData.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
    expect(unescaped).toContain(files.lftprc.trimEnd());
    expect(unescaped).toContain(files.smokeScript.trimEnd());
    // TCP keepalives below PrivateLink's 350 s idle timeout, for lftp's control connection.
    expect(unescaped).toContain(`cat > /etc/sysctl.d/60-ftp-keepalive.conf <<'KEEPALIVE'\n${files.keepaliveSysctl}`);
    expect(userData).toContain("sysctl -p /etc/sysctl.d/60-ftp-keepalive.conf");
    expect(files.keepaliveSysctl).toMatch(/^net\.ipv4\.tcp_keepalive_time = (\d+)$/m);
    expect(Number(/^net\.ipv4\.tcp_keepalive_time = (\d+)$/m.exec(files.keepaliveSysctl)![1])).toBeLessThan(350);
    expect(files.lftprc).toMatch(/^set ftp:prefer-epsv (yes|true|on)$/m);
    // Terraform would interpolate any other "${" or "%{": every one from the files must arrive escaped.
    const withoutHost = userData.replace(ref(endpoint, "dns_entry[0].dns_name"), "HOST");
    expect(withoutHost.match(/(?<![$%])[$%]\{/g)).toBeNull();
    expect(files.smokeScript).toContain("${"); // the check above is not vacuous
  });

  const smokeParameters = "arn:${data.aws_partition.partition.partition}:ssm:ap-northeast-1:${data.aws_caller_identity.account.account_id}:parameter/tf-ftp/smoke/*";
  const policyNamed = (name: string) => {
    const found = resourcesOf(consumer, "aws_iam_role_policy").filter((p) => p.name === name);
    expect(found).toHaveLength(1);
    return JSON.parse(found[0].policy as string) as { Statement: Record<string, unknown>[] };
  };

  test("the instance role has two inline policies only: the SSM agent's and the smoke password's", () => {
    const role = onlyResource(consumer, "aws_iam_role");
    const policies = resourcesOf(consumer, "aws_iam_role_policy");
    expect(policies.map((p) => p.name).sort()).toEqual(["read-smoke-password", "ssm-agent"]);
    for (const policy of policies) expect(policy.role).toBe(ref(role, "id"));
  });

  test("the SSM agent gets registration, session channels and Run Command messages; no parameter, document or S3 access", () => {
    const statements = policyNamed("ssm-agent").Statement;
    const actions = statements.flatMap((s) => s.Action as string[]).sort();
    expect(actions).toEqual([
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    expect(statements.every((s) => s.Effect === "Allow" && s.Condition === undefined)).toBe(true);
  });

  test("the instance may read only its smoke-test password parameters, and decrypt them only with the smoke key through SSM", () => {
    const key = onlyResource(consumer, "aws_kms_key");
    expect(policyNamed("read-smoke-password").Statement).toEqual([
      { Sid: "ReadSmokePasswordParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: smokeParameters },
      {
        Sid: "DecryptSmokePasswordsThroughParameterStore",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: ref(key, "arn"),
        Condition: {
          StringEquals: { "kms:ViaService": "ssm.ap-northeast-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:PARAMETER_ARN": smokeParameters },
        },
      },
    ]);
  });

  test("the smoke-password key: rotated, 7-day deletion window, an alias, a key policy with the account as administrator", () => {
    const key = onlyResource(consumer, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
    expect(onlyResource(consumer, "aws_kms_alias")).toMatchObject({ name: "alias/tf-ftp-smoke-password", target_key_id: ref(key, "key_id") });
    const policy = JSON.parse(key.policy as string) as { Statement: { Sid: string; Principal: { AWS: string }; Action: string | string[] }[] };
    const role = onlyResource(consumer, "aws_iam_role");
    expect(policy.Statement.map((s) => [s.Sid, s.Principal.AWS])).toEqual([
      ["AccountAdministersTheKey", "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:root"],
      ["OperatorsEncryptSmokePasswordsThroughParameterStore", "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:root"],
      ["ClientRoleDecryptsSmokePasswordsThroughParameterStore", ref(role, "arn")],
    ]);
    // The key-policy lockout rule: the account keeps kms:PutKeyPolicy (through kms:Put*).
    expect(policy.Statement[0].Action).toContain("kms:Put*");
  });

  test("outputs: endpoint ID, DNS name and client instance ID", () => {
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const instance = onlyResource(consumer, "aws_instance");
    expect(json.output).toEqual({
      vpc_endpoint_id: expect.objectContaining({ value: ref(endpoint, "id") }),
      vpc_endpoint_dns_name: expect.objectContaining({ value: ref(endpoint, "dns_entry[0].dns_name") }),
      ftp_host: expect.objectContaining({ value: ref(endpoint, "dns_entry[0].dns_name") }),
      client_instance_id: expect.objectContaining({ value: ref(instance, "id") }),
      smoke_password_key_arn: expect.objectContaining({ value: ref(onlyResource(consumer, "aws_kms_key"), "arn") }),
    });
  });
});

describe("consumer stack without the client", () => {
  const { consumer } = synthStacks(configWith({ consumer: { client: { enabled: false } } }));

  test("no instance, no instance role; client_instance_id is empty", () => {
    expect(resourcesOf(consumer, "aws_instance")).toHaveLength(0);
    expect(resourcesOf(consumer, "aws_iam_role")).toHaveLength(0);
    expect(JSON.parse(consumer).output.client_instance_id.value).toBe("");
    expect(JSON.parse(consumer).output.smoke_password_key_arn.value).toBe("");
    expect(resourcesOf(consumer, "aws_kms_key")).toHaveLength(0);
  });
});

describe("client architecture", () => {
  test.each([
    ["t3.micro", "x86_64"],
    ["t4g.small", "arm64"],
    ["c7gn.large", "arm64"],
    ["m7i.large", "x86_64"],
    ["g5.xlarge", "x86_64"],
  ])("%s runs the %s image", (type, arch) => {
    expect(architectureOf(type)).toBe(arch);
  });
});

// The pinned endpoint address (passiveIpMode "consumer-endpoint") and the host name.
describe("consumer stack in passiveIpMode consumer-endpoint", () => {
  const { consumer } = synthStacks(
    configWith({
      provider: { passiveIpMode: "consumer-endpoint" },
      consumer: { endpointIp: "10.0.3.50", subnetCidrs: { "subnet-0f9e8d7c6b5a40003": "10.0.3.0/24" } },
    }),
  );

  test("the endpoint is pinned to endpointIp in its one subnet (subnet_configuration)", () => {
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    expect(endpoint.subnet_ids).toEqual(["subnet-0f9e8d7c6b5a40003"]);
    expect(endpoint.subnet_configuration).toEqual([{ subnet_id: "subnet-0f9e8d7c6b5a40003", ipv4: "10.0.3.50" }]);
  });

  test("plan-time preconditions check the address against the real subnet: inside it, not reserved", () => {
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const [subnet] = dataSourcesOf(consumer, "aws_subnet");
    expect(subnet.id).toBe("subnet-0f9e8d7c6b5a40003");
    const cidr = ref(subnet, "cidr_block").slice(2, -1);
    // After the AZ-ID check (one per subnet), on the same subnet lookup.
    const preconditions = (endpoint.lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition.filter((p) =>
      p.error_message.startsWith("consumer.endpointIp"),
    );
    expect(dataSourcesOf(consumer, "aws_subnet")).toHaveLength(1);
    expect(preconditions.map((p) => p.error_message)).toEqual([
      "consumer.endpointIp 10.0.3.50 is not inside subnet subnet-0f9e8d7c6b5a40003.",
      "consumer.endpointIp 10.0.3.50 is one of the five addresses AWS reserves in subnet subnet-0f9e8d7c6b5a40003 (the first four and the last).",
    ]);
    expect(preconditions[0].condition).toContain(`cidrhost("10.0.3.50/\${element(split("/", ${cidr}), 1)}", 0)`);
    for (const host of [0, 1, 2, 3, -1]) expect(preconditions[1].condition).toContain(`cidrhost(${cidr}, ${host})`);
  });

  test("without the mode: no subnet_configuration, no address precondition (the AZ-ID check only)", () => {
    const { consumer: plain } = synthStacks(configWith());
    const endpoint = onlyResource(plain, "aws_vpc_endpoint");
    expect(endpoint.subnet_configuration).toBeUndefined();
    const messages = (endpoint.lifecycle as { precondition: { error_message: string }[] }).precondition.map((p) => p.error_message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^consumer\.subnetIds: subnet subnet-0f9e8d7c6b5a40003 is in AZ ID/);
  });
});

describe("consumer stack with consumer.dnsName", () => {
  test("a private zone named after the host, associated with the consumer VPC, with an alias to the endpoint", () => {
    const { consumer } = synthStacks(configWith({ consumer: { dnsName: "ftp.corp.internal" } }));
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    const zone = onlyResource(consumer, "aws_route53_zone");
    expect(zone).toMatchObject({ name: "ftp.corp.internal", vpc: [{ vpc_id: "vpc-0f9e8d7c6b5a40001" }] });
    expect(onlyResource(consumer, "aws_route53_record")).toMatchObject({
      zone_id: ref(zone, "zone_id"),
      name: "ftp.corp.internal",
      type: "A",
      alias: {
        name: ref(endpoint, "dns_entry[0].dns_name"),
        zone_id: ref(endpoint, "dns_entry[0].hosted_zone_id"),
        evaluate_target_health: false,
      },
    });
    const json = JSON.parse(consumer);
    expect(json.output.ftp_host.value).toBe("ftp.corp.internal");
    expect(json.output.vpc_endpoint_dns_name.value).toBe(ref(endpoint, "dns_entry[0].dns_name"));
    // The client instance's ftp-smoke host file names the host, not the endpoint.
    const userData = onlyResource(consumer, "aws_instance").user_data as string;
    expect(userData).toContain("echo 'ftp.corp.internal' > /etc/ftp-smoke/host");
    expect(userData).not.toContain("dns_entry");
  });

  test("with consumer.hostedZoneId: the record goes into that zone, checked at plan time to be private and a parent", () => {
    const { consumer } = synthStacks(configWith({ consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }));
    expect(resourcesOf(consumer, "aws_route53_zone")).toHaveLength(0);
    const record = onlyResource(consumer, "aws_route53_record");
    expect(record.zone_id).toBe("Z0123456789ABCDEFGHIJ");
    const [zone] = dataSourcesOf(consumer, "aws_route53_zone");
    expect(zone.zone_id).toBe("Z0123456789ABCDEFGHIJ");
    const preconditions = (record.lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition;
    expect(preconditions[0].condition).toContain(ref(zone, "private_zone").slice(2, -1));
    expect(preconditions[1].condition).toContain('endswith("ftp.corp.internal"');
    expect(preconditions.map((p) => p.error_message)).toEqual([
      "consumer.hostedZoneId Z0123456789ABCDEFGHIJ is not a private hosted zone.",
      "consumer.dnsName ftp.corp.internal is not inside the domain of consumer.hostedZoneId Z0123456789ABCDEFGHIJ.",
    ]);
  });

  test("without dnsName: no Route 53 at all, and ftp_host is the endpoint's DNS name", () => {
    const { consumer } = synthStacks(configWith());
    const endpoint = onlyResource(consumer, "aws_vpc_endpoint");
    expect(resourcesOf(consumer, "aws_route53_zone")).toHaveLength(0);
    expect(resourcesOf(consumer, "aws_route53_record")).toHaveLength(0);
    expect(JSON.parse(consumer).output.ftp_host.value).toBe(ref(endpoint, "dns_entry[0].dns_name"));
  });
});
