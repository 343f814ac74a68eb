// FTP, FTPS and SFTP on one Transfer server behind the same NLB and
// PrivateLink endpoint - what the config accepts and refuses, and what the
// stacks synthesize for each protocol set.
import { configWarnings } from "../config/load";
import { DEFAULT_SECURITY_POLICY_NAME, SECURITY_POLICY_NAMES } from "../config/schema";
import { configWith, EXAMPLE_CERTIFICATE_ARN, exampleWith, problemsOf, SFTP_ONLY, THREE_PROTOCOLS } from "./support/config";
import { onlyResource, resourcesOf, synthStacks } from "./support/synth";

const PASSIVE_PORTS = [8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];

function ingressPorts(stack: string, groupId: string): string[] {
  return resourcesOf(stack, "aws_vpc_security_group_ingress_rule")
    .filter((rule) => String(rule.security_group_id).includes(groupId))
    .map((rule) => `${rule.from_port}-${rule.to_port}`)
    .sort();
}

describe("config: protocols and their settings", () => {
  test("default is FTP only, as before", () => {
    expect(configWith().provider.protocols).toEqual(["FTP"]);
  });

  test("all three protocols with a certificate and the settings of each", () => {
    const config = configWith({
      ...THREE_PROTOCOLS,
      provider: { ...THREE_PROTOCOLS.provider, securityPolicyName: "TransferSecurityPolicy-2025-03", tlsSessionResumptionMode: "ENABLED", sftpAuthenticationMethods: "PUBLIC_KEY" },
    });
    expect(config.provider).toMatchObject({ protocols: ["FTP", "FTPS", "SFTP"], certificateArn: EXAMPLE_CERTIFICATE_ARN, tlsSessionResumptionMode: "ENABLED" });
  });

  test.each([
    ["FTPS without a certificate", { provider: { protocols: ["FTPS"] } }, /^provider\.certificateArn: missing \(expected an ACM certificate ARN with FTPS/],
    ["an unknown protocol", { provider: { protocols: ["FTP", "SCP"] } }, /^provider\.protocols\[1\]: expected one of "FTP", "FTPS", "SFTP", got "SCP"/],
    ["an empty protocol list", { provider: { protocols: [] } }, /^provider\.protocols: expected at least one protocol/],
    ["a repeated protocol", { provider: { protocols: ["FTP", "FTP"] } }, /^provider\.protocols\[1\]: duplicate protocol "FTP"/],
    ["SFTP only with a passive IP mode", { provider: { ...SFTP_ONLY.provider, passiveIpMode: "control-connection" } }, /^provider\.passiveIpMode: expected no passiveIpMode without "FTP" or "FTPS"/],
    ["a certificate without FTPS", { provider: { certificateArn: EXAMPLE_CERTIFICATE_ARN } }, /^provider\.certificateArn: expected only with "FTPS"/],
    ["a certificate from another region", { provider: { protocols: ["FTPS"], certificateArn: EXAMPLE_CERTIFICATE_ARN.replace("ap-northeast-1", "us-east-1") } }, /^provider\.certificateArn: expected a certificate in region ap-northeast-1/],
    ["a certificate ARN of the wrong shape", { provider: { protocols: ["FTPS"], certificateArn: "arn:aws:iam::123456789012:server-certificate/x" } }, /^provider\.certificateArn: expected an ACM certificate ARN/],
    ["an unknown security policy", { provider: { protocols: ["SFTP"], securityPolicyName: "TransferSecurityPolicy-2099-01" } }, /^provider\.securityPolicyName: expected one of "TransferSecurityPolicy-2018-11"/],
    ["a security policy for plain FTP", { provider: { securityPolicyName: DEFAULT_SECURITY_POLICY_NAME } }, /^provider\.securityPolicyName: expected only with "FTPS" or "SFTP"/],
    ["TLS session resumption without FTPS", { provider: { tlsSessionResumptionMode: "DISABLED" } }, /^provider\.tlsSessionResumptionMode: expected only with "FTPS"/],
    ["an unknown TLS session resumption mode", { provider: { protocols: ["FTPS"], certificateArn: EXAMPLE_CERTIFICATE_ARN, tlsSessionResumptionMode: "ON" } }, /^provider\.tlsSessionResumptionMode: expected one of "ENFORCED", "ENABLED", "DISABLED"/],
    ["SFTP authentication methods without SFTP", { provider: { sftpAuthenticationMethods: "PASSWORD" } }, /^provider\.sftpAuthenticationMethods: expected only with "SFTP"/],
    ["an unknown SFTP authentication method", { provider: { protocols: ["SFTP"], sftpAuthenticationMethods: "KEYBOARD" } }, /^provider\.sftpAuthenticationMethods: expected one of "PUBLIC_KEY_OR_PASSWORD", "PASSWORD", "PUBLIC_KEY", "PUBLIC_KEY_AND_PASSWORD"/],
  ])("refuses %s", (_what, overrides, expected) => {
    const problems = problemsOf(exampleWith(overrides));
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  test("all problems at once: FTPS without certificate, SFTP settings without SFTP, unknown policy", () => {
    const problems = problemsOf(
      exampleWith({ provider: { protocols: ["FTPS"], sftpAuthenticationMethods: "PASSWORD", securityPolicyName: "nope" } }),
    );
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["provider.certificateArn", "provider.securityPolicyName", "provider.sftpAuthenticationMethods"]);
  });

  test("PUBLIC_KEY_AND_PASSWORD is accepted (two separate identity-provider requests, as the handler answers them)", () => {
    const config = configWith({ provider: { protocols: ["SFTP"], sftpAuthenticationMethods: "PUBLIC_KEY_AND_PASSWORD" } });
    const server = onlyResource(synthStacks(config).provider, "aws_transfer_server");
    expect(server.sftp_authentication_methods).toBe("PUBLIC_KEY_AND_PASSWORD");
  });

  test("an SFTP-only server spanning two AZs needs no passive IP mode", () => {
    const config = configWith({ provider: { protocols: ["SFTP"], subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"], subnetCidrs: null, nlbPrivateIp: null } });
    expect(config.provider.subnetIds).toHaveLength(2);
  });

  test("the security policy names are the provider's (5.100.0) and the default is one of them", () => {
    expect(SECURITY_POLICY_NAMES).toContain(DEFAULT_SECURITY_POLICY_NAME);
    expect(SECURITY_POLICY_NAMES.every((name) => name.startsWith("TransferSecurityPolicy-"))).toBe(true);
  });

  test("warns when FTPS clients would connect to the endpoint's own DNS name (no certificate can name it)", () => {
    const withoutName = configWith({ provider: THREE_PROTOCOLS.provider });
    expect(configWarnings(withoutName).join("\n")).toMatch(/FTPS but consumer\.dnsName is not set/);
    expect(configWarnings(configWith(THREE_PROTOCOLS))).toEqual([]);
  });
});

describe("synthesized: three protocols", () => {
  const { provider, consumer } = synthStacks(configWith(THREE_PROTOCOLS));

  test("the server serves FTP, FTPS and SFTP with the certificate, a current policy and TLS resumption written out", () => {
    const server = onlyResource(provider, "aws_transfer_server");
    expect(server.protocols).toEqual(["FTP", "FTPS", "SFTP"]);
    expect(server.certificate).toBe(EXAMPLE_CERTIFICATE_ARN);
    expect(server.security_policy_name).toBe(DEFAULT_SECURITY_POLICY_NAME);
    expect(server.sftp_authentication_methods).toBe("PUBLIC_KEY_OR_PASSWORD");
    expect(server.protocol_details).toEqual({ passive_ip: "10.0.3.119", tls_session_resumption_mode: "ENFORCED" });
  });

  test("the NLB gains a port-22 listener and target group; every health check stays on 21", () => {
    const groups = resourcesOf(provider, "aws_lb_target_group");
    expect(groups.map((g) => g.port).sort((a, b) => Number(a) - Number(b))).toEqual([21, 22, ...PASSIVE_PORTS]);
    expect(new Set(groups.map((g) => (g.health_check as { port: string }).port))).toEqual(new Set(["21"]));
    const sftpGroup = groups.find((g) => g.port === 22)!;
    expect(sftpGroup.name).toMatch(/^tf-ftp-22-[0-9a-f]{6}$/);
    const listeners = resourcesOf(provider, "aws_lb_listener");
    const sftpListener = listeners.find((l) => l.port === 22)!;
    expect(sftpListener.protocol).toBe("TCP");
    expect(JSON.stringify(sftpListener.default_action)).toContain("aws_lb_target_group.ftp-load-balancer_port-22");
    expect(sftpListener.tcp_idle_timeout_seconds).toBeUndefined();
    // The endpoint IP is registered in the new group too.
    expect(resourcesOf(provider, "aws_lb_target_group_attachment").filter((a) => a.port === 22)).toHaveLength(1);
  });

  test("all three security groups admit 22 beside 21 and 8192-8200", () => {
    expect(ingressPorts(provider, "nlb-security-group")).toEqual(["21-21", "22-22", "8192-8200"]);
    expect(ingressPorts(provider, "transfer-endpoint-security-group")).toEqual(["21-21", "22-22", "8192-8200"]);
    expect(ingressPorts(consumer, "privatelink-endpoint_security-group")).toEqual(["21-21", "21-21", "22-22", "22-22", "8192-8200", "8192-8200"]);
    const egress = resourcesOf(provider, "aws_vpc_security_group_egress_rule").map((r) => `${r.from_port}-${r.to_port}`).sort();
    expect(egress).toEqual(["21-21", "22-22", "8192-8200"]);
  });

  test("the host key fingerprint is a provider output, and the client instance pins it", () => {
    const outputs = JSON.parse(provider).output;
    expect(outputs.sftp_host_key_fingerprint.value).toMatch(/^\$\{aws_transfer_server\.[\w-]+\.host_key_fingerprint\}$/);
    const userData = onlyResource(consumer, "aws_instance").user_data as string;
    expect(userData).toContain("dnf install -y lftp openssh-clients");
    expect(userData).toContain("gunzip > /usr/local/bin/sftp-smoke");
    expect(userData).toMatch(/echo '\$\{try\(data\.terraform_remote_state\.provider-state\.outputs\.sftp_host_key_fingerprint, ""\)\}' > \/etc\/ftp-smoke\/sftp-host-key-fingerprint/);
    // EC2 takes at most 16384 bytes of user data.
    expect(Buffer.byteLength(userData)).toBeLessThan(16_384);
  });
});

describe("synthesized: SFTP only", () => {
  const { provider, consumer } = synthStacks(configWith(SFTP_ONLY));

  test("no PassiveIp, no restart step, no certificate; health checks probe 22", () => {
    const server = onlyResource(provider, "aws_transfer_server");
    expect(server.protocols).toEqual(["SFTP"]);
    expect(server.protocol_details).toBeUndefined();
    expect(server.certificate).toBeUndefined();
    expect(resourcesOf(provider, "null_resource")).toEqual([]);
    expect(resourcesOf(provider, "terraform_data").some((r) => String(r.__address).includes("passive-ip-restart"))).toBe(false);
    const groups = resourcesOf(provider, "aws_lb_target_group");
    expect(groups.map((g) => [g.port, (g.health_check as { port: string }).port])).toEqual([[22, "22"]]);
    expect(resourcesOf(provider, "aws_lb_listener").map((l) => l.port)).toEqual([22]);
    expect(ingressPorts(provider, "nlb-security-group")).toEqual(["22-22"]);
    expect(ingressPorts(consumer, "privatelink-endpoint_security-group")).toEqual(["22-22", "22-22"]);
  });
});

describe("synthesized: FTPS without FTP", () => {
  test("FTPS uses 21 and 8192-8200 like FTP, and its PassiveIp", () => {
    const { provider } = synthStacks(configWith({ ...THREE_PROTOCOLS, provider: { protocols: ["FTPS"], certificateArn: EXAMPLE_CERTIFICATE_ARN, tlsSessionResumptionMode: "DISABLED" } }));
    const server = onlyResource(provider, "aws_transfer_server");
    expect(server.protocols).toEqual(["FTPS"]);
    expect(server.protocol_details).toEqual({ passive_ip: "10.0.3.119", tls_session_resumption_mode: "DISABLED" });
    expect(server.sftp_authentication_methods).toBeUndefined();
    expect(resourcesOf(provider, "aws_lb_listener").map((l) => l.port).sort((a, b) => Number(a) - Number(b))).toEqual([21, ...PASSIVE_PORTS]);
  });
});
