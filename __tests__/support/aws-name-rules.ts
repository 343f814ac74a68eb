// What AWS (or the AWS provider, before AWS sees it) refuses in the names the
// stacks build, one rule per kind of name, each with its source. Used by
// __tests__/name-rules.test.ts to check every name in the synthesized stacks
// for edge-case values of namePrefix.
import { tagValueProblems } from "../../config/schema";

export interface NameRule {
  readonly source: string;
  /** Empty when AWS accepts the name. */
  problems(name: string): string[];
}

function check(name: string, tests: [boolean, string][]): string[] {
  return tests.filter(([bad]) => bad).map(([, why]) => `${JSON.stringify(name)}: ${why}`);
}

const length = (name: string, min: number, max: number): [boolean, string] => [
  name.length < min || name.length > max,
  `length ${name.length}, expected ${min}-${max}`,
];
const charset = (name: string, allowed: RegExp, what: string): [boolean, string] => [!allowed.test(name), `only ${what}`];

/** Terraform appends a unique suffix of 26 characters to a name_prefix (terraform-plugin-sdk helper/id, UniqueIDSuffixLength). */
export const TERRAFORM_UNIQUE_SUFFIX = "20261206000000000000000001";

export const NAME_RULES = {
  elbLoadBalancer: {
    source:
      "ELB API reference, CreateLoadBalancer Name (at most 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen, " +
      'not beginning with "internal-"); hashicorp/terraform-provider-aws internal/service/elbv2/validate.go validName refuses the same at plan',
    problems: (n) =>
      check(n, [
        length(n, 1, 32),
        charset(n, /^[0-9A-Za-z-]+$/, "alphanumeric characters and hyphens"),
        [/^-|-$/.test(n), "begins or ends with a hyphen"],
        [/^internal-/.test(n), 'begins with "internal-" (reserved for internal load balancers\' DNS names)'],
      ]),
  },
  elbTargetGroup: {
    source: "ELB API reference, CreateTargetGroup Name; hashicorp/terraform-provider-aws internal/service/elbv2/validate.go validTargetGroupName",
    problems: (n) => check(n, [length(n, 1, 32), charset(n, /^[0-9A-Za-z-]+$/, "alphanumeric characters and hyphens"), [/^-|-$/.test(n), "begins or ends with a hyphen"]]),
  },
  ec2SecurityGroupNamePrefix: {
    source:
      'EC2 API reference, CreateSecurityGroup GroupName (up to 255 characters, "Cannot start with sg-", in a VPC a-z A-Z 0-9 spaces and ._-:/()#,@[]+=&;{}!$*); ' +
      "Terraform's name_prefix adds a 26-character unique suffix",
    problems: (prefix) => {
      const n = prefix + TERRAFORM_UNIQUE_SUFFIX;
      return check(n, [length(n, 1, 255), charset(n, /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, "a-z A-Z 0-9 spaces and ._-:/()#,@[]+=&;{}!$*"), [/^sg-/i.test(n), 'begins with "sg-"']]);
    },
  },
  iamRoleName: {
    source: "IAM API reference, CreateRole RoleName (1-64 characters of [\\w+=,.@-])",
    problems: (n) => check(n, [length(n, 1, 64), charset(n, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-")]),
  },
  iamPolicyName: {
    source: "IAM API reference, PutRolePolicy PolicyName (1-128 characters of [\\w+=,.@-])",
    problems: (n) => check(n, [length(n, 1, 128), charset(n, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-")]),
  },
  iamInstanceProfileName: {
    source: "IAM API reference, CreateInstanceProfile InstanceProfileName (1-128 characters of [\\w+=,.@-])",
    problems: (n) => check(n, [length(n, 1, 128), charset(n, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-")]),
  },
  kmsAlias: {
    source: 'AWS KMS API reference, CreateAlias AliasName (alias/ followed by a-zA-Z0-9/_-, at most 256; "cannot begin with alias/aws/", reserved for AWS managed keys)',
    problems: (n) => check(n, [length(n, 1, 256), charset(n, /^alias\/[a-zA-Z0-9/_-]+$/, "alias/ and a-zA-Z0-9/_-"), [/^alias\/aws\//i.test(n), 'begins with "alias/aws/"']]),
  },
  logGroupName: {
    source: "CloudWatch Logs API reference, CreateLogGroup logGroupName (1-512 characters of a-z A-Z 0-9 _ - / . #; it can't start with aws/)",
    problems: (n) => check(n, [length(n, 1, 512), charset(n, /^[.\-_/#A-Za-z0-9]+$/, "a-z A-Z 0-9 _ - / . #"), [/^aws\//.test(n), 'begins with "aws/"']]),
  },
  metricFilterName: {
    source: "CloudWatch Logs API reference, PutMetricFilter filterName (1-512 characters, pattern [^:*]*)",
    problems: (n) => check(n, [length(n, 1, 512), charset(n, /^[^:*]*$/, "characters other than : and *")]),
  },
  metricNamespace: {
    source:
      "CloudWatch Logs API reference, MetricTransformation metricNamespace (at most 255, pattern [^:*$]*); CloudWatch API reference, PutMetricData Namespace (namespaces beginning with AWS/ are reserved for AWS)",
    problems: (n) => check(n, [length(n, 1, 255), charset(n, /^[^:*$]*$/, "characters other than : * $"), [/^AWS\//.test(n), 'begins with "AWS/"']]),
  },
  metricName: {
    source: "CloudWatch Logs API reference, MetricTransformation metricName (at most 255, pattern [^:*$]*)",
    problems: (n) => check(n, [length(n, 1, 255), charset(n, /^[^:*$]*$/, "characters other than : * $")]),
  },
  alarmName: {
    source: "CloudWatch API reference, PutMetricAlarm AlarmName (1-255 characters, no ASCII control characters)",
    problems: (n) => check(n, [length(n, 1, 255), [/[\x00-\x1f\x7f]/.test(n), "contains a control character"]]),
  },
  lambdaFunctionName: {
    source: "Lambda API reference, CreateFunction FunctionName (a name alone is at most 64 characters of a-zA-Z0-9-_)",
    problems: (n) => check(n, [length(n, 1, 64), charset(n, /^[a-zA-Z0-9-_]+$/, "a-z A-Z 0-9 - _")]),
  },
  dynamodbTableName: {
    source: "DynamoDB API reference, CreateTable TableName (3-255 characters of a-z A-Z 0-9 _ - .)",
    problems: (n) => check(n, [length(n, 3, 255), charset(n, /^[a-zA-Z0-9_.-]+$/, "a-z A-Z 0-9 _ - .")]),
  },
  ssmParameterName: {
    source:
      'Systems Manager API reference, PutParameter Name, and user guide "Requirements and constraints for parameter names": a-zA-Z0-9_.- and / between ' +
      'levels, at most 15 levels, 1011 characters fully qualified, and "can\'t be prefixed with aws or ssm (case-insensitive)" - for a path, its first level ' +
      '(AWS\'s message: "The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive)")',
    problems: (n) =>
      check(n, [
        length(n, 1, 1011),
        charset(n, /^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/, "a-z A-Z 0-9 _ . - and / between levels"),
        [n.split("/").filter(Boolean).length > 15, "more than 15 levels"],
        [/^\/?(aws|ssm)/i.test(n), 'is prefixed with "aws" or "ssm" (case-insensitive)'],
      ]),
  },
  snsTopicName: {
    source: "SNS API reference, CreateTopic Name (1-256 characters of A-Z a-z 0-9 - _)",
    problems: (n) => check(n, [length(n, 1, 256), charset(n, /^[A-Za-z0-9_-]+$/, "A-Z a-z 0-9 - _")]),
  },
  secretName: {
    source: "Secrets Manager API reference, CreateSecret Name (1-512 characters of A-Z a-z 0-9 /_+=.@-)",
    problems: (n) => check(n, [length(n, 1, 512), charset(n, /^[A-Za-z0-9/_+=.@-]+$/, "A-Z a-z 0-9 /_+=.@-")]),
  },
  tagValue: {
    source: 'AWS tag rules ("Tag naming limits and requirements"; config/schema.ts tagValueProblems)',
    problems: (n) => tagValueProblems(n).map((problem) => `${JSON.stringify(n)}: ${problem}`),
  },
} satisfies Record<string, NameRule>;

export type NameRuleId = keyof typeof NAME_RULES;
