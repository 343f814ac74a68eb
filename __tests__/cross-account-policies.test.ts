// The "Cross-account" policies of docs/cross-account.md: the JSON it shows is exactly
// what lib/cross-account-policies.ts builds (the two-account end-to-end test
// creates its roles from the module), and an IAM policy simulator
// (@cloud-copilot/iam-simulate, tests only) evaluates it: each role may do what
// the deploy needs and not more, and only the intended account may assume it.
import * as fs from "fs";
import * as path from "path";
import { consumerDeployPolicy, CrossAccountIds, PolicyDocument, serviceOwnerPolicy, trustAccountPolicy } from "../lib/cross-account-policies";
import { decide } from "./support/iam-simulate";

const IDS: CrossAccountIds = { providerAccountId: "123456789012", consumerAccountId: "210987654321", region: "ap-northeast-1" };
const A = IDS.providerAccountId;
const B = IDS.consumerAccountId;
const SERVICE = `arn:aws:ec2:ap-northeast-1:${A}:vpc-endpoint-service/vpce-svc-0123456789abcdef0`;
const SERVICE_OWNER_ROLE = `arn:aws:iam::${A}:role/ftp-privatelink-acceptor`;
const CONSUMER_DEPLOY_ROLE = `arn:aws:iam::${B}:role/ftp-consumer-deploy`;

/** The fenced JSON block after `<!-- cross-account-policy: <name> -->` in docs/cross-account.md (once the README's). */
function readmePolicy(name: string): unknown {
  const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "cross-account.md"), "utf8");
  const marker = `<!-- cross-account-policy: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`docs/cross-account.md has no ${marker}`);
  const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length));
  if (!block) throw new Error(`docs/cross-account.md: no json block after ${marker}`);
  return JSON.parse(block[1]);
}

const README_POLICIES = {
  "provider-account-trust": () => trustAccountPolicy(A),
  "service-owner-permissions": () => serviceOwnerPolicy(IDS),
  "consumer-deploy-permissions": () => consumerDeployPolicy(IDS),
};

const session = (role: string) => role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/transfer-privatelink-ftp";

describe("README Cross-account policies", () => {
  test.each(Object.entries(README_POLICIES))("README block %s is the module's document", (name, build) => {
    expect(readmePolicy(name)).toEqual(build());
  });

  describe("service owner role (consumer.serviceOwnerRoleArn, provider account)", () => {
    const policy = serviceOwnerPolicy(IDS);
    const as = session(SERVICE_OWNER_ROLE);

    test.each([
      ["ec2:AcceptVpcEndpointConnections", SERVICE],
      ["ec2:RejectVpcEndpointConnections", SERVICE],
      ["ec2:DescribeVpcEndpointConnections", "*"],
    ])("allows %s (what aws_vpc_endpoint_connection_accepter calls)", async (action, resource) => {
      expect(await decide(policy, { principal: as, action, resource, resourceAccount: A })).toBe("Allowed");
    });

    test.each([
      ["ec2:AcceptVpcEndpointConnections", SERVICE.replace(`:${A}:`, ":333333333333:")],
      ["ec2:AcceptVpcEndpointConnections", SERVICE.replace("ap-northeast-1", "us-east-1")],
      ["ec2:ModifyVpcEndpointServicePermissions", SERVICE],
      ["ec2:DeleteVpcEndpointServiceConfigurations", SERVICE],
      ["ec2:ModifyVpcEndpointServiceConfiguration", SERVICE],
    ])("denies %s on %s", async (action, resource) => {
      expect(await decide(policy, { principal: as, action, resource, resourceAccount: resource.split(":")[4] })).toBe("ImplicitlyDenied");
    });
  });

  describe("consumer deploy role (consumer.assumeRoleArn, consumer account)", () => {
    const policy = consumerDeployPolicy(IDS);
    const as = session(CONSUMER_DEPLOY_ROLE);
    const inRegion = { "aws:RequestedRegion": "ap-northeast-1" };
    const endpoint = `arn:aws:ec2:ap-northeast-1:${B}:vpc-endpoint/vpce-0123456789abcdef0`;
    const group = `arn:aws:ec2:ap-northeast-1:${B}:security-group/sg-0123456789abcdef0`;

    test.each([
      ["ec2:CreateVpcEndpoint", endpoint],
      ["ec2:DeleteVpcEndpoints", endpoint],
      ["ec2:CreateSecurityGroup", group],
      ["ec2:AuthorizeSecurityGroupIngress", group],
      ["ec2:DescribeSubnets", "*"],
    ])("allows %s in the configured region", async (action, resource) => {
      expect(await decide(policy, { principal: as, action, resource, resourceAccount: B, context: inRegion })).toBe("Allowed");
    });

    test("denies creating an endpoint in another region", async () => {
      const other = endpoint.replace("ap-northeast-1", "us-east-1");
      expect(await decide(policy, { principal: as, action: "ec2:CreateVpcEndpoint", resource: other, resourceAccount: B, context: { "aws:RequestedRegion": "us-east-1" } })).toBe(
        "ImplicitlyDenied",
      );
    });

    test.each([
      ["ec2:RunInstances", `arn:aws:ec2:ap-northeast-1:${B}:instance/*`],
      ["iam:CreateRole", `arn:aws:iam::${B}:role/anything`],
      ["ec2:CreateVpcEndpointServiceConfiguration", `arn:aws:ec2:ap-northeast-1:${B}:vpc-endpoint-service/*`],
    ])("denies %s (not part of the consumer stack without a client instance)", async (action, resource) => {
      expect(await decide(policy, { principal: as, action, resource, resourceAccount: B, context: inRegion })).toBe("ImplicitlyDenied");
    });
  });

  describe("trust: both roles trust the provider account, whose credentials run Terraform", () => {
    const trust = trustAccountPolicy(A);
    const mayAssume = (role: string): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: role }] });

    test.each([
      ["the consumer deploy role (cross-account)", CONSUMER_DEPLOY_ROLE, B],
      ["the service owner role (same account)", SERVICE_OWNER_ROLE, A],
    ])("a provider-account principal allowed to assume it may assume %s", async (_, role, account) => {
      const request = { principal: `arn:aws:iam::${A}:role/terraform-ci`, action: "sts:AssumeRole", resource: role, resourceAccount: account };
      expect(await decide(mayAssume(role), request, trust)).toBe("Allowed");
    });

    test("a principal of another account may not assume the consumer deploy role", async () => {
      const request = { principal: "arn:aws:iam::333333333333:role/terraform-ci", action: "sts:AssumeRole", resource: CONSUMER_DEPLOY_ROLE, resourceAccount: B };
      expect(await decide(mayAssume(CONSUMER_DEPLOY_ROLE), request, trust)).not.toBe("Allowed");
    });

    test("a provider-account principal without sts:AssumeRole in its own policy may not cross into the consumer account", async () => {
      const nothing: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }] };
      const request = { principal: `arn:aws:iam::${A}:role/someone-else`, action: "sts:AssumeRole", resource: CONSUMER_DEPLOY_ROLE, resourceAccount: B };
      expect(await decide(nothing, request, trust)).not.toBe("Allowed");
    });
  });
});
