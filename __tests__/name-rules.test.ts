// Every name the stacks build from namePrefix, checked against what AWS (or
// the AWS provider) refuses, for edge-case prefixes: the config validator must
// refuse exactly the prefixes that give a name AWS refuses (config/schema.ts
// namePrefixProblems), so that no apply fails midway on a name.
//
// The names come from the synthesized JSON of both stacks with every optional
// part on (client instance, host name, lambda restart, FTP and SFTP, created
// alarm topic), plus the names the commands build at run time (user secrets,
// smoke parameters). Every resource type in the stacks is classified: a type
// with a name attribute has its rule below, the others are listed as nameless;
// a new type fails the test until it is classified.
import { userSecretPrefix } from "../config/load";
import { namePrefixProblems, TransferConfig } from "../config/schema";
import { NAME_RULES, NameRuleId } from "./support/aws-name-rules";
import { configWith, exampleWith, problemsOf } from "./support/config";
import { synthStacks } from "./support/synth";

/** The name attributes of each resource type, and the rule each follows. */
const NAMED: Record<string, Record<string, NameRuleId>> = {
  aws_lb: { name: "elbLoadBalancer" },
  aws_lb_target_group: { name: "elbTargetGroup" },
  aws_security_group: { name_prefix: "ec2SecurityGroupNamePrefix" },
  aws_iam_role: { name: "iamRoleName" },
  aws_iam_role_policy: { name: "iamPolicyName" },
  aws_iam_instance_profile: { name: "iamInstanceProfileName" },
  aws_kms_alias: { name: "kmsAlias" },
  aws_cloudwatch_log_group: { name: "logGroupName" },
  // The metric a filter creates is named here; an alarm only refers to a metric (AWS/Lambda, AWS/NetworkELB, or these).
  aws_cloudwatch_log_metric_filter: { name: "metricFilterName", "metric_transformation.namespace": "metricNamespace", "metric_transformation.name": "metricName" },
  aws_cloudwatch_metric_alarm: { alarm_name: "alarmName" },
  aws_lambda_function: { function_name: "lambdaFunctionName" },
  aws_dynamodb_table: { name: "dynamodbTableName" },
  aws_ssm_parameter: { name: "ssmParameterName" },
  aws_sns_topic: { name: "snsTopicName" },
};
/** Resource types whose only names are tags (checked below) or that have none. */
const NAMELESS = new Set([
  "aws_lb_listener",
  "aws_lb_target_group_attachment",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
  "aws_lambda_permission",
  "aws_lambda_invocation",
  "aws_kms_key",
  "aws_transfer_server",
  "aws_vpc_endpoint_service",
  "aws_vpc_endpoint",
  "aws_vpc_endpoint_connection_accepter",
  "aws_instance",
  "aws_route53_zone", // consumer.dnsName, not the prefix (validated as a DNS name)
  "aws_route53_record",
  "null_resource",
  "terraform_data",
]);

/** Stand-ins for what a name refers to that Terraform only knows at apply time. */
function resolved(name: string): string {
  return name
    .replace(/\$\{data\.aws_subnet\.[^}]+\.availability_zone\}/g, "ap-northeast-1a")
    .replace(/\$\{aws_transfer_server\.[^}]+\.id\}/g, "s-0123456789abcdef0");
}

interface BuiltName {
  readonly where: string;
  readonly rule: NameRuleId;
  readonly name: string;
}

const namesByPrefix = new Map<string, BuiltName[]>();

/** Every name the stacks (and the commands) build for a config (once per prefix: synth is the slow part). */
function namesOf(config: TransferConfig): BuiltName[] {
  const known = namesByPrefix.get(config.namePrefix);
  if (known) return known;
  const names = collectNames(config);
  namesByPrefix.set(config.namePrefix, names);
  return names;
}

function collectNames(config: TransferConfig): BuiltName[] {
  const stacks = synthStacks(config);
  const names: BuiltName[] = [];
  for (const [stackName, json] of Object.entries(stacks)) {
    const resources = (JSON.parse(json).resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    for (const [type, bodies] of Object.entries(resources)) {
      if (!NAMED[type] && !NAMELESS.has(type)) throw new Error(`${type} in the ${stackName} stack is not classified: add its name rule (or list it as nameless)`);
      for (const [id, body] of Object.entries(bodies)) {
        for (const [attribute, rule] of Object.entries(NAMED[type] ?? {})) {
          const value = attribute.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], body);
          if (value === undefined) continue;
          const name = resolved(String(value));
          if (name.includes("${")) throw new Error(`${type}.${id}.${attribute} refers to something this test cannot stand in for: ${name}`);
          names.push({ where: `${type}.${id}.${attribute}`, rule, name });
        }
        for (const [key, value] of Object.entries((body.tags ?? {}) as Record<string, string>)) {
          names.push({ where: `${type}.${id}.tags.${key}`, rule: "tagValue", name: resolved(String(value)) });
        }
      }
    }
  }
  // Built at run time from the same prefix: npm run users (secrets) and npm run smoke (parameters).
  names.push({ where: "npm run users: a user secret", rule: "secretName", name: `${userSecretPrefix(config)}alice` });
  names.push({ where: "npm run smoke: its password parameter", rule: "ssmParameterName", name: `/${config.namePrefix}/smoke/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b` });
  return names;
}

function violations(config: TransferConfig): string[] {
  return namesOf(config).flatMap(({ where, rule, name }) => NAME_RULES[rule].problems(name).map((problem) => `${where}: ${problem} [${NAME_RULES[rule].source}]`));
}

/** The example with every optional part that adds names, and this prefix (validation bypassed: the prefix is what is under test). */
function everythingWith(namePrefix: string): TransferConfig {
  const config = configWith({
    provider: {
      restartResource: "lambda",
      protocols: ["FTP", "SFTP"],
      monitoring: { createAlarmTopic: true },
      identityProvider: { reservedConcurrency: 5 },
    },
    consumer: { client: { enabled: true }, dnsName: "ftp.corp.internal" },
  });
  return { ...config, namePrefix };
}

const longest = "a234567890123456789";
const EDGE_PREFIXES = [
  "ab", // the shortest
  longest, // the longest (19)
  "a-b-c",
  "internal", // NLB internal-nlb-…
  "internal-ftp",
  "internalftp", // fine: internalftp-nlb-…
  "aws",
  "awsome-ftp", // SSM: prefixed with "aws"
  "ssm",
  "xaws", // fine
  "sg", // security groups sg-nlb-…
  "sg-ftp",
  "sgftp", // fine
];

describe("names the stacks build from namePrefix", () => {
  test.each(EDGE_PREFIXES)("prefix %j: the validator accepts it exactly when AWS accepts every name built from it", (prefix) => {
    const refusedByValidator = problemsOf(exampleWith({ namePrefix: prefix })).length > 0;
    const refusedByAws = violations(everythingWith(prefix));
    expect({ prefix, validatorRefuses: refusedByValidator, awsRefuses: refusedByAws.length > 0 }).toEqual({
      prefix,
      validatorRefuses: refusedByAws.length > 0,
      awsRefuses: refusedByAws.length > 0,
    });
    if (!refusedByValidator) expect(refusedByAws).toEqual([]);
  });

  test("the names examined include every kind, at the longest prefix still within every limit", () => {
    const names = namesOf(everythingWith(longest));
    const rules = new Set(names.map((n) => n.rule));
    expect([...rules].sort()).toEqual(Object.keys(NAME_RULES).sort());
    const loadBalancer = names.find((n) => n.rule === "elbLoadBalancer")!;
    expect(loadBalancer.name).toMatch(new RegExp(`^${longest}-nlb-[0-9a-f]{6}$`));
    expect(Math.max(...names.filter((n) => n.rule === "elbTargetGroup").map((n) => n.name.length))).toBe(31);
  });

  test("each refusal names the name that AWS would refuse, and why", () => {
    expect(problemsOf(exampleWith({ namePrefix: "internal" }))).toEqual([
      'namePrefix: expected a prefix other than "internal" or "internal-…": the NLB is named <namePrefix>-nlb-<hash>, and ELB refuses load balancer names beginning with "internal-" (CreateLoadBalancer)',
    ]);
    expect(problemsOf(exampleWith({ namePrefix: "aws-ftp" }))).toEqual([
      'namePrefix: expected a prefix not beginning with "aws" or "ssm": the stacks\' SSM parameters are named /<namePrefix>/…, and Parameter Store refuses names prefixed with "aws" or "ssm", in any case (PutParameter)',
    ]);
    expect(problemsOf(exampleWith({ namePrefix: "sg-ftp" }))).toEqual([expect.stringContaining('EC2 refuses group names beginning with "sg-" (CreateSecurityGroup)')]);
    // A malformed prefix gets the format message only.
    expect(problemsOf(exampleWith({ namePrefix: "Internal" }))).toEqual([expect.stringContaining("expected 2-19 lowercase letters")]);
    expect(namePrefixProblems("tf-ftp")).toEqual([]);
  });
});
