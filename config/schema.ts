// The one configuration file, as a zod schema. `loadConfig` (./load.ts) parses
// and validates it once, at the edge; constructs receive the typed result and
// never read files or environment variables themselves.
import { z } from "zod";
import { cidrContains, isPrivateAddress, isReservedSubnetAddress, parseCidr, parseIpv4 } from "./ip";
import { SERVER_PROTOCOLS } from "../lib/ftp-ports";
import awsData from "./aws-data.json";
import { didYouMean } from "./suggest";

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// Target group names are `<namePrefix>-<port>-<6 hex digits>` (e.g.
// tf-ftp-8200-1a2b3c; the digits change when the NLB must be replaced, see
// loadBalancerGeneration) and must fit in 32 characters: 19 + 12 = 31.
const NAME_PREFIX = /^[a-z][a-z0-9-]{0,17}[a-z0-9]$/;

/**
 * Beginnings of namePrefix that give a name AWS refuses, although the prefix
 * itself looks valid. Derived from every name the stacks build (checked for
 * edge-case prefixes by __tests__/name-rules.test.ts against each AWS rule):
 * - `<prefix>-nlb-<hash>` is the NLB's name, and an ELB name must not begin
 *   with "internal-" (ELB API reference, CreateLoadBalancer; the AWS provider
 *   refuses it at plan: internal/service/elbv2/validate.go).
 * - `/<prefix>/...` are SSM parameter names (the server ID the identity
 *   provider checks, the restart's marker, the smoke passwords), and a
 *   parameter name "can't be prefixed with aws or ssm (case-insensitive)"
 *   (Systems Manager API reference, PutParameter Name): PutParameter refuses
 *   it mid-apply, after the Transfer server exists.
 * - `<prefix>-nlb-`, `<prefix>-transfer-endpoint-`, ... are security-group
 *   name prefixes, and a group name "Cannot start with sg-" (EC2 API
 *   reference, CreateSecurityGroup GroupName).
 */
const RESERVED_NAME_PREFIX_STARTS: readonly { readonly test: (prefix: string) => boolean; readonly message: string }[] = [
  {
    test: (prefix) => prefix === "internal" || prefix.startsWith("internal-"),
    message:
      'expected a prefix other than "internal" or "internal-…": the NLB is named <namePrefix>-nlb-<hash>, and ELB refuses load balancer names beginning with "internal-" (CreateLoadBalancer)',
  },
  {
    test: (prefix) => /^(aws|ssm)/i.test(prefix),
    message:
      'expected a prefix not beginning with "aws" or "ssm": the stacks\' SSM parameters are named /<namePrefix>/…, and Parameter Store refuses names prefixed with "aws" or "ssm", in any case (PutParameter)',
  },
  {
    test: (prefix) => prefix === "sg" || prefix.startsWith("sg-"),
    message:
      'expected a prefix other than "sg" or "sg-…": the security groups are named <namePrefix>-nlb-… (and -transfer-endpoint-, -consumer-endpoint-, -ftp-client-), and EC2 refuses group names beginning with "sg-" (CreateSecurityGroup)',
  },
];

/** Problems of a well-formed namePrefix whose derived names AWS refuses (empty: every name is accepted). */
export function namePrefixProblems(prefix: string): string[] {
  return RESERVED_NAME_PREFIX_STARTS.filter((rule) => rule.test(prefix)).map((rule) => rule.message);
}
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const ACCOUNT_ID = "\\d{12}";
const PARTITION = "aws(-cn|-us-gov|-iso|-iso-b)?";
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT_ID}:(root|user/[\\w+=,.@/-]{1,512}|role/[\\w+=,.@/-]{1,512})$`);
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT_ID}:role/[\\w+=,.@/-]{1,512}$`);
// A user or role, never the account root: in a key policy the root stands for
// every principal of the account that an IAM policy lets in.
const USER_OR_ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT_ID}:(user|role)/[\\w+=,.@/-]{1,512}$`);
// "/<bucket>/" or "/<bucket>/<segment>/.../": absolute, plain segments (as a
// home directory's, user-record.ts), ending in "/".
const HOME_ROOT = /^\/(?:(?!\.{1,2}\/)[A-Za-z0-9._@+=,-]{1,255}\/)+$/;
// S3 bucket naming rules (general purpose buckets), without the dotted forms
// that break virtual-hosted TLS.
const SNS_TOPIC_ARN = new RegExp(`^arn:${PARTITION}:sns:[a-z0-9-]+:${ACCOUNT_ID}:[\\w-]{1,256}$`);
const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const TFC_NAME = /^[A-Za-z0-9_-]{1,90}$/;
const SECRET_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,400}\/$/;
// A DNS name of two or more labels (letters, digits, inner hyphens; 1-63 each,
// 253 in all), lowercase: Route 53 stores names in lowercase.
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTED_ZONE_ID = /^Z[0-9A-Z]{1,32}$/;
// An ACM certificate ARN (ACM API reference, CertificateArn:
// arn:<partition>:acm:<region>:<account>:certificate/<id>). Transfer takes the
// certificate for FTPS from ACM in the server's own region (Transfer API
// reference, CreateServer, Certificate: "The Amazon Resource Name (ARN) of the
// Certificate Manager (ACM) certificate. Required when Protocols is set to FTPS";
// supported keys: RSA 2048/4096, EC prime256v1/secp384r1/secp521r1).
const CERTIFICATE_ARN = new RegExp(`^arn:${PARTITION}:acm:([a-z0-9-]+):${ACCOUNT_ID}:certificate/[0-9a-f-]{36}$`);

/**
 * Security policy names the Terraform AWS provider 5.100.0 accepts for
 * aws_transfer_server.security_policy_name (its validation list, read off the
 * provider binary this project pins; the provider docs list the same names).
 * What each allows: Transfer user guide, "Security policies for AWS Transfer
 * Family servers". A policy governs SSH (SFTP) and TLS (FTPS) algorithms; plain
 * FTP has none, so a FTP-only server sets no policy (as before one server could serve several protocols).
 */
export const SECURITY_POLICY_NAMES = [
  "TransferSecurityPolicy-2018-11",
  "TransferSecurityPolicy-2020-06",
  "TransferSecurityPolicy-2022-03",
  "TransferSecurityPolicy-2023-05",
  "TransferSecurityPolicy-2024-01",
  "TransferSecurityPolicy-2025-03",
  "TransferSecurityPolicy-FIPS-2020-06",
  "TransferSecurityPolicy-FIPS-2023-05",
  "TransferSecurityPolicy-FIPS-2024-01",
  "TransferSecurityPolicy-FIPS-2024-05",
  "TransferSecurityPolicy-FIPS-2025-03",
  "TransferSecurityPolicy-PQ-SSH-Experimental-2023-04",
  "TransferSecurityPolicy-PQ-SSH-FIPS-Experimental-2023-04",
  "TransferSecurityPolicy-Restricted-2018-11",
  "TransferSecurityPolicy-Restricted-2020-06",
  "TransferSecurityPolicy-Restricted-2024-06",
  "TransferSecurityPolicy-SshAuditCompliant-2025-02",
] as const;
/** When FTPS or SFTP is on and none is configured (AWS's own default is the 2018-11 policy, with SHA-1 and CBC ciphers). */
export const DEFAULT_SECURITY_POLICY_NAME = "TransferSecurityPolicy-2024-01";
/**
 * ProtocolDetails.TlsSessionResumptionMode (Transfer API reference): DISABLED,
 * ENABLED (resumption accepted, not required) or ENFORCED (a data connection
 * that does not resume the control connection's TLS session is refused; AWS's
 * default at CreateServer).
 */
export const TLS_SESSION_RESUMPTION_MODES = ["ENFORCED", "ENABLED", "DISABLED"] as const;
/**
 * aws_transfer_server.sftp_authentication_methods (IdentityProviderDetails.
 * SftpAuthenticationMethods, Transfer API reference). With
 * PUBLIC_KEY_AND_PASSWORD Transfer makes "two separate requests" to the
 * identity provider, a key lookup and a password check, and "the password
 * response must not include public keys" (Transfer user guide, "Using
 * multiple authentication methods"): what the handler does for every SFTP
 * login anyway.
 */
export const SFTP_AUTHENTICATION_METHODS = ["PUBLIC_KEY_OR_PASSWORD", "PASSWORD", "PUBLIC_KEY", "PUBLIC_KEY_AND_PASSWORD"] as const;

// AWS tag rules ("Tag naming limits and requirements", AWS Tagging Best
// Practices / Tagging AWS Resources user guide; the Resource Groups Tagging
// API's TagResources pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$): keys 1-128 and
// values 0-256 Unicode characters, letters, numbers, spaces and _ . : / = + - @;
// the aws: prefix (any case) is reserved; at most 50 user tags per resource.
// The charset also keeps "$", "%", "{" and quotes out, so no tag can become a
// Terraform template (docs/configuration.md, "Security note: the config is data").
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
/** The same rules as JSON Schema patterns (ECMAScript, Unicode mode), for config/schema.json. */
const TAG_KEY_PATTERN = "^(?![aA][wW][sS]:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$";
const TAG_VALUE_PATTERN = "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$";
/** Largest provider.restartTimeoutSeconds with restartResource "lambda": two waits plus a minute within Lambda's 900 s. */
export const LAMBDA_RESTART_TIMEOUT_MAX = 420;

export const TAG_CHARACTERS_DESCRIPTION = "letters, numbers, spaces and _ . : / = + - @";
export const MAX_TAGS_PER_RESOURCE = 50;
/**
 * Tag keys the stacks set on resources themselves, beside the provider's
 * default_tags (`Name`, see FtpSecurityGroup, FtpLoadBalancer, ...). AWS
 * counts the merged set, so a resource carries the config's tags plus these;
 * __tests__/config-data.test.ts checks this list against the synthesized stacks.
 */
export const STACK_RESOURCE_TAG_KEYS: readonly string[] = ["Name"];
// backend.dir: a relative path of plain segments (no quotes, spaces, "$", "%",
// "{" or other characters a shell or Terraform could read as more than text).
const DIR_CHARACTERS = /^[A-Za-z0-9._\\/-]+$/;
// $schema: an editor hint only (never synthesized); a URL or path without
// spaces, quotes, "$", "%" or braces.
const SCHEMA_REFERENCE = /^[A-Za-z0-9._~:/?#@!&'()*+,;=-]{1,2048}$/;

/**
 * JSON Schema for rules the validator checks in code (a parser, a refinement),
 * which zod-to-json-schema cannot read off the zod schema: merged into the
 * generated config/schema.json by scripts/config-reference.ts; the validator
 * itself never reads it. Kept under a symbol on the zod definition object,
 * which `.describe()` copies along.
 */
const JSON_SCHEMA_EXTRAS = Symbol("jsonSchemaExtras");

function withJsonSchema<T extends z.ZodTypeAny>(schema: T, extras: Record<string, unknown>): T {
  (schema._def as unknown as Record<symbol, unknown>)[JSON_SCHEMA_EXTRAS] = extras;
  return schema;
}

/** The JSON Schema extras of one zod definition (see withJsonSchema), if any. */
export function jsonSchemaExtras(def: z.ZodTypeDef): Record<string, unknown> | undefined {
  return (def as unknown as Record<symbol, Record<string, unknown> | undefined>)[JSON_SCHEMA_EXTRAS];
}

// An IPv4 address as parseIpv4 reads it (no leading zeros), and a CIDR block.
const OCTET = "(0|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5])";
const IPV4_PATTERN = `^${OCTET}(\\.${OCTET}){3}$`;
const CIDR_PATTERN = `^${OCTET}(\\.${OCTET}){3}/([0-9]|[12][0-9]|3[0-2])$`;

/**
 * A string from a list AWS publishes (config/aws-data.json, generated from
 * botocore's data by `npm run aws-data`): refused with the nearest valid one
 * suggested. Checked after the shape, so a malformed value gets one message.
 */
function knownValue(shape: RegExp, shapeMessage: string, published: readonly string[], what: string) {
  // Only the values of a shape the rest of the config can use (a region of a
  // partition the ARN patterns know, ...): the JSON Schema's enum is then
  // exactly what the validator accepts.
  const values = published.filter((value) => shape.test(value));
  const known = new Set(values);
  return withJsonSchema(
    z.string().superRefine((value, ctx) => {
      if (!shape.test(value)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: shapeMessage });
      } else if (!known.has(value)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected ${what} (${values.length} known: config/aws-data.json), got ${JSON.stringify(value)}${didYouMean(value, values)}`,
        });
      }
    }),
    { enum: [...values], $comment: `${what}: AWS's published list, config/aws-data.json` },
  );
}

/** Unicode characters (code points), the unit AWS counts tag lengths in. */
function characterCount(text: string): number {
  return [...text].length;
}

function disallowedTagCharacters(text: string): string[] {
  return [...new Set([...text].filter((ch) => !TAG_CHARACTER.test(ch)))];
}

function describeCharacters(characters: readonly string[]): string {
  return characters.map((ch) => (/^[\x20-\x7e]$/.test(ch) ? JSON.stringify(ch) : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`)).join(", ");
}

/** Problems with a tag key, by AWS's rules; empty when the key is fine. */
export function tagKeyProblems(key: string): string[] {
  const problems: string[] = [];
  const length = characterCount(key);
  if (length < 1 || length > 128) problems.push(`expected a tag key of 1-128 characters (AWS tag rules), got ${length}`);
  const bad = disallowedTagCharacters(key);
  if (bad.length > 0) problems.push(`expected a tag key of ${TAG_CHARACTERS_DESCRIPTION} (AWS tag rules), found ${describeCharacters(bad)}`);
  if (/^aws:/i.test(key)) problems.push('expected a tag key not starting with "aws:" (reserved for AWS, in any case)');
  return problems;
}

/** Problems with a tag value, by AWS's rules; empty when the value is fine. */
export function tagValueProblems(value: string): string[] {
  const problems: string[] = [];
  const length = characterCount(value);
  if (length > 256) problems.push(`expected a tag value of at most 256 characters (AWS tag rules), got ${length}`);
  const bad = disallowedTagCharacters(value);
  if (bad.length > 0) problems.push(`expected a tag value of ${TAG_CHARACTERS_DESCRIPTION} (AWS tag rules), found ${describeCharacters(bad)}`);
  return problems;
}

function reportEach(problemsOf: (text: string) => string[]) {
  return (text: string, ctx: z.RefinementCtx) => {
    for (const message of problemsOf(text)) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  };
}

// Key and value issues both land on the tag's path (tags.<key>); the count
// rule is in crossFieldIssues, so that it is reported even beside bad tags.
const tags = withJsonSchema(
  z.record(z.string().superRefine(reportEach(tagKeyProblems)), withJsonSchema(z.string().superRefine(reportEach(tagValueProblems)), {
    maxLength: 256,
    pattern: TAG_VALUE_PATTERN,
    $comment: `a tag value: at most 256 ${TAG_CHARACTERS_DESCRIPTION}`,
  })),
  {
    propertyNames: { type: "string", minLength: 1, maxLength: 128, pattern: TAG_KEY_PATTERN, $comment: `a tag key: 1-128 ${TAG_CHARACTERS_DESCRIPTION}, not starting with aws:` },
    // 49 when the keys do not include Name (the stacks add it): that count is checked in code.
    maxProperties: MAX_TAGS_PER_RESOURCE,
  },
);

const vpcId = z.string().regex(VPC_ID, 'expected a VPC ID like "vpc-0123456789abcdef0"');
const subnetId = z.string().regex(SUBNET_ID, 'expected a subnet ID like "subnet-0123456789abcdef0"');
const region = knownValue(AWS_REGION, 'expected an AWS region like "ap-northeast-1"', awsData.regions, "an AWS region");

const ipv4 = withJsonSchema(
  z.string().refine((value) => parseIpv4(value) !== undefined, {
    message: 'expected an IPv4 address like "10.0.3.119"',
  }),
  { pattern: IPV4_PATTERN, $comment: 'an IPv4 address like "10.0.3.119"' },
);

const cidr = withJsonSchema(z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an IPv4 CIDR block like "10.0.0.0/16"' });
  } else if (!parsed.isNetworkAddress) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected a network address: host bits are set (did you mean "${parsed.network}"?)`,
    });
  }
}), { pattern: CIDR_PATTERN, $comment: 'an IPv4 CIDR block like "10.0.0.0/16", host bits zero' });

function uniqueList<T extends z.ZodTypeAny>(item: T, what: string) {
  const list = z
    .array(item)
    .min(1, `expected at least one ${what}`)
    .superRefine((values, ctx) => {
      const seen = new Set<unknown>();
      values.forEach((value, index) => {
        if (seen.has(value)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index], message: `duplicate ${what} "${String(value)}"` });
        }
        seen.add(value);
      });
    });
  return withJsonSchema(list, { uniqueItems: true });
}

const localBackend = z
  .object({
    type: z.literal("local").describe("State files in a folder of this project (one operator or one CI job runs both stacks)"),
    // Relative to the project root; state files are <dir>/<stack>.tfstate.
    dir: withJsonSchema(z
      .string()
      .min(1)
      .max(512)
      .regex(DIR_CHARACTERS, "expected a path of letters, digits, . _ - and / (no spaces, quotes, $, % or braces)")
      .refine((dir) => !dir.startsWith("/") && !/^[A-Za-z]:/.test(dir), {
        message: "expected a path relative to the project root (synthesized JSON must not hold absolute paths)",
      })
      .refine((dir) => !dir.split(/[\\/]/).includes(".."), { message: 'expected a path inside the project (no "..")' }), {
      not: { type: "string", pattern: "^(/|[A-Za-z]:)|(^|[\\\\/])\\.\\.([\\\\/]|$)" },
      $comment: "a relative path inside the project: letters, digits, . _ - and /, no ..",
    })
      .default("state")
      .describe("State folder, relative to the project root (no absolute path, no ..): each stack's state is <dir>/<stack>.tfstate"),
  })
  .strict();

const s3Backend = z
  .object({
    type: z.literal("s3").describe("State in an S3 bucket: s3://<bucket>/<keyPrefix>/<stack>.tfstate, encrypted, S3-native locking (Terraform >= 1.10)"),
    bucket: z
      .string()
      .regex(BUCKET_NAME, "expected an S3 bucket name (3-63 lowercase letters, digits, hyphens)")
      .describe("Existing S3 bucket that holds both stacks' state"),
    keyPrefix: z
      .string()
      .max(1000, "expected at most 1000 characters (S3 keys are at most 1024 bytes: <keyPrefix>/<stack>.tfstate)")
      .regex(/^[A-Za-z0-9!_.*'()/-]+$/, 'expected an S3 key prefix such as "transfer-ftp"')
      .refine((prefix) => !prefix.startsWith("/") && !prefix.endsWith("/"), {
        message: "expected no leading or trailing slash (keys are <keyPrefix>/<stack>.tfstate)",
      })
      .describe("Key prefix of the state objects, without leading or trailing slash: <keyPrefix>/<stack>.tfstate"),
    region: region.describe("Region of the state bucket"),
    // Optional: an IAM role the backend assumes to reach the state bucket.
    roleArn: z
      .string()
      .regex(ROLE_ARN, "expected an IAM role ARN")
      .optional()
      .describe("IAM role the backend (and the consumer's read of the provider's state) assumes to reach the bucket"),
  })
  .strict();

const cloudBackend = z
  .object({
    type: z.literal("cloud").describe("HCP Terraform (Terraform Cloud) or Terraform Enterprise: one workspace per stack"),
    organization: z.string().regex(TFC_NAME, "expected a Terraform Cloud organization name").describe("HCP Terraform organization of both workspaces"),
    hostname: z
      .string()
      .max(253, "expected a host name of at most 253 characters")
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a host name like "app.terraform.io"')
      .default("app.terraform.io")
      .describe("Host name of HCP Terraform, or of your Terraform Enterprise"),
    providerWorkspace: z.string().regex(TFC_NAME, "expected a workspace name (letters, digits, - and _)").describe("Workspace of the provider stack"),
    consumerWorkspace: z
      .string()
      .regex(TFC_NAME, "expected a workspace name (letters, digits, - and _)")
      .describe("Workspace of the consumer stack; must differ from providerWorkspace"),
    // HCP Terraform dynamic provider credentials: declares tfc_aws_dynamic_credentials and
    // points each aliased AWS provider at its shared config file (lib/backend.ts).
    dynamicCredentials: z
      .boolean()
      .default(false)
      .describe(
        "HCP Terraform dynamic provider credentials for the consumer's second AWS provider too (tag SERVICE_OWNER; cloud backend only)",
      ),
  })
  .strict();

// The message for an unknown backend.type, with the value and the nearest
// type, is made in load.ts (describeIssue), which sees the document.
const backend = z.discriminatedUnion("type", [localBackend, s3Backend, cloudBackend]).describe("Where Terraform keeps each stack's state");

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const providerSide = z
  .object({
    // Which protocols the one Transfer server serves (default FTP only, as before).
    protocols: uniqueList(z.enum(SERVER_PROTOCOLS as unknown as ["FTP", "FTPS", "SFTP"]), "protocol")
      .default(["FTP"])
      .describe("Protocols of the one Transfer server: FTP and FTPS on 21 and 8192-8200, SFTP on 22"),
    certificateArn: z
      .string()
      .regex(CERTIFICATE_ARN, 'expected an ACM certificate ARN like "arn:aws:acm:ap-northeast-1:123456789012:certificate/<uuid>"')
      .optional()
      .describe("ACM certificate for FTPS, in the config's region; required with FTPS and only with it. It should name consumer.dnsName"),
    securityPolicyName: z
      .enum(SECURITY_POLICY_NAMES)
      .optional()
      .describe(`Transfer security policy (TLS and SSH algorithms); only with FTPS or SFTP, default ${DEFAULT_SECURITY_POLICY_NAME}`),
    tlsSessionResumptionMode: z
      .enum(TLS_SESSION_RESUMPTION_MODES)
      .optional()
      .describe("FTPS only: whether data connections must resume the control connection's TLS session (default ENFORCED, as AWS's)"),
    sftpAuthenticationMethods: z
      .enum(SFTP_AUTHENTICATION_METHODS)
      .optional()
      .describe("SFTP only: password, key, either or both (default PUBLIC_KEY_OR_PASSWORD, as AWS's)"),
    vpcId: vpcId.describe("The Transfer server's VPC (it must exist)"),
    subnetIds: uniqueList(subnetId, "subnet ID").describe(
      "Subnets of the Transfer endpoint and the NLB: one is the article's single-AZ layout, two or more (in different AZs) multi-AZ",
    ),
    // Optional CIDR of each provider subnet: lets synth check nlbPrivateIp
    // before Terraform does (the plan checks it again against the real subnet).
    subnetCidrs: z
      .record(subnetId, cidr)
      .optional()
      .describe("CIDR of each provider subnet, by subnet ID: lets synth check nlbPrivateIp (the plan checks it again)"),
    bucketName: z
      .string()
      .regex(BUCKET_NAME, "expected an S3 bucket name (3-63 lowercase letters, digits, hyphens)")
      .describe("Existing S3 bucket for the FTP users' files"),
    allowedCidrs: uniqueList(cidr, "CIDR block").describe(
      "Sources the NLB admits on the FTP ports; include the consumer clients' own addresses (PrivateLink traffic is filtered here too)",
    ),
    nlbPrivateIp: ipv4
      .optional()
      .describe("Pins the single-AZ NLB's private IP, so PassiveIp is known at plan time; a change replaces the NLB (and restarts the server once)"),
    // "consumer-endpoint": PassiveIp = consumer.endpointIp.
    passiveIpMode: z
      .enum(["nlb", "control-connection", "consumer-endpoint"])
      .default("nlb")
      .describe("The address in PASV replies: the NLB's IP (single-AZ), 0.0.0.0 (multi-AZ) or consumer.endpointIp (every client works)"),
    allowedPrincipals: uniqueList(
      z.string().regex(PRINCIPAL_ARN, 'expected an IAM principal ARN like "arn:aws:iam::123456789012:root", ":user/NAME" or ":role/NAME"'),
      "principal"
    ).describe("IAM principals (account root, user or role; never *) allowed to connect endpoints to the endpoint service"),
    restartResource: z
      .enum(["null_resource", "terraform_data", "lambda"])
      .default("null_resource")
      .describe(
        "How the PassiveIp restart runs: local-exec with the AWS CLI (null_resource needs hashicorp/null; terraform_data is built in) or a Lambda (HCP Terraform hosted runs)",
      ),
    // Bound of each of the restart's two waits (OFFLINE, then ONLINE). Default
    // 900, or LAMBDA_RESTART_TIMEOUT_MAX with restartResource "lambda" (see load.ts).
    restartTimeoutSeconds: z
      .number()
      .int()
      .min(60)
      .max(3600)
      .default(900)
      .describe(`Bound on each wait of the restart and on the wait for the server's endpoint; at most ${LAMBDA_RESTART_TIMEOUT_MAX} (and default ${LAMBDA_RESTART_TIMEOUT_MAX}) with restartResource "lambda"`),
    // TCP idle timeout of the NLB's port-21 listener. The control connection
    // is idle while a file moves on the data connection; AWS closes it after
    // 350 s by default. AWS allows 60-6000 s per TCP listener (ELB guide, NLB
    // listeners, "Connection idle timeout"). Default: the maximum.
    controlIdleTimeoutSeconds: z
      .number()
      .int()
      .min(60, "expected a number of seconds from 60 to 6000 (the NLB's TCP idle timeout range)")
      .max(6000, "expected a number of seconds from 60 to 6000 (the NLB's TCP idle timeout range)")
      .default(6000)
      .describe("TCP idle timeout of the NLB's port-21 listener: the control connection is idle while a file moves (AWS's default is 350)"),
    userSecretPrefix: z
      .string()
      .regex(SECRET_PREFIX, 'expected a Secrets Manager name prefix ending in "/", like "tf-ftp/users/"')
      .optional()
      .describe("Secrets Manager name prefix of the FTP users (default <namePrefix>/users/)"),
    // Every FTP user's home lies strictly below it; default "/<bucketName>/home/".
    userHomeRoot: z
      .string()
      .max(1000)
      .regex(HOME_ROOT, 'expected an absolute path in the bucket ending in "/", like "/my-bucket/home/" (plain segments, no "." or "..")')
      .optional()
      .describe("Every FTP user's home lies strictly below this path (default /<bucketName>/home/); inside the bucket, ending in /"),
    // Who may create and change FTP users: the only principals the user-secrets
    // KMS key lets encrypt (docs/security.md, "User store").
    userAdministratorArns: uniqueList(
      z.string().regex(USER_OR_ROLE_ARN, 'expected an IAM user or role ARN like "arn:aws:iam::123456789012:role/NAME" (not the account root)'),
      "administrator ARN"
    ).describe(
      "IAM users or roles (not the account root) that may create and change FTP users: the only principals the user-secrets key lets encrypt",
    ),
    identityProvider: z
      .object({
        // Opt-in: caps the Lambda's share of the account's concurrency, so
        // that a login flood cannot starve other functions (and bounds the
        // scrypt work). No default: Lambda lets a function reserve at most the
        // account's unreserved concurrency minus 100 (Lambda developer guide,
        // "Configuring reserved concurrency"), and new accounts can have a
        // quota of 10 or 50, where any reservation fails at apply.
        reservedConcurrency: z
          .number()
          .int()
          .min(1, "expected at least 1")
          .max(1000, "expected at most 1000")
          .optional()
          .describe("Reserved concurrent executions of the identity-provider Lambda (opt-in; none by default): a login flood cannot take the account's concurrency, but the account must then keep 100 + N unreserved"),
      })
      .strict()
      .default({})
      .describe("The identity-provider Lambda"),
    logRetentionDays: withJsonSchema(
      z
        .number()
        .int()
        .refine((d) => LOG_RETENTION_DAYS.includes(d), {
          message: `expected one of CloudWatch Logs' retention periods: ${[...[1, 3, 5, 7, 14, 30, 60, 90], "..."].join(", ")}`,
        }),
      { enum: LOG_RETENTION_DAYS },
    )
      .default(30)
      .describe("Retention of the identity provider's and the Transfer server's log groups, in days (CloudWatch's allowed values)"),
    assumeRoleArn: z
      .string()
      .regex(ROLE_ARN, "expected an IAM role ARN")
      .optional()
      .describe("Role the provider stack's AWS provider assumes; the local-exec steps (restart, endpoint wait) assume it too"),
    monitoring: z
      .object({
        alarms: z.boolean().default(true).describe("CloudWatch alarms: unhealthy endpoint per AZ, identity provider broken, errors, throttles, login denials"),
        alarmTopicArn: z
          .string()
          .regex(SNS_TOPIC_ARN, 'expected an SNS topic ARN like "arn:aws:sns:ap-northeast-1:123456789012:ops-alarms"')
          .optional()
          .describe("Existing SNS topic for alarm and OK notifications (not with createAlarmTopic)"),
        createAlarmTopic: z.boolean().default(false).describe("Create the SNS topic <namePrefix>-ftp-alarms for them (subscribe to it yourself)"),
        // Refused logins (any reason) in 5 minutes that raise the denial alarm.
        loginDenialThreshold: z
          .number()
          .int()
          .min(1)
          .max(100000)
          .default(20)
          .describe("Refused logins in 5 minutes above which <namePrefix>-ftp-login-denials alarms"),
      })
      .strict()
      .default({ alarms: true, createAlarmTopic: false, loginDenialThreshold: 20 })
      .describe("Alarms and where they notify"),
  })
  .strict();

const consumerSide = z
  .object({
    vpcId: vpcId.describe("The client VPC; its CIDR may overlap the provider's"),
    subnetIds: uniqueList(subnetId, "subnet ID").describe(
      "Subnets of the interface endpoint, each in an AZ the provider's NLB serves (compared by AZ ID at plan time); the client instance goes into the first",
    ),
    allowedCidrs: uniqueList(cidr, "CIDR block").describe("Sources the consumer endpoint admits on the FTP ports"),
    // Optional CIDR of each consumer subnet: lets synth check endpointIp (the
    // plan checks it again against the real subnet).
    subnetCidrs: z
      .record(subnetId, cidr)
      .optional()
      .describe("CIDR of each consumer subnet, by subnet ID: lets synth check endpointIp (the plan checks it again)"),
    // The consumer endpoint's pinned IPv4 address; the server's PassiveIp in
    // passiveIpMode "consumer-endpoint".
    endpointIp: ipv4
      .optional()
      .describe('The consumer endpoint\'s pinned IP and the server\'s PassiveIp; required with passiveIpMode "consumer-endpoint" (one consumer subnet) and only with it'),
    // A host name for the endpoint (Route 53 private hosted zone + alias).
    dnsName: z
      .string()
      .regex(DNS_NAME, 'expected a lowercase DNS name of two or more labels, like "ftp.corp.internal" (no trailing dot)')
      .optional()
      .describe("Host name for the endpoint: a Route 53 private hosted zone of that name with an alias to it; becomes the ftp_host output"),
    hostedZoneId: z
      .string()
      .regex(HOSTED_ZONE_ID, 'expected a Route 53 hosted zone ID like "Z0123456789ABCDEFGHIJ"')
      .optional()
      .describe("Put the dnsName record into this existing private hosted zone instead of creating one; needs dnsName"),
    serviceOwnerRoleArn: z
      .string()
      .regex(ROLE_ARN, 'expected an IAM role ARN like "arn:aws:iam::123456789012:role/NAME"')
      .optional()
      .describe("Role in the provider account that accepts the endpoint connection (cross-account); default: the provider side's credentials"),
    assumeRoleArn: z
      .string()
      .regex(ROLE_ARN, "expected an IAM role ARN")
      .optional()
      .describe("Role the consumer stack's AWS provider assumes (e.g. in the consumer account)"),
    client: z
      .object({
        enabled: z.boolean().describe("Create the EC2 test client (lftp, ftp-smoke, SSM-managed, no public IP) in the first consumer subnet"),
        instanceType: knownValue(INSTANCE_TYPE, 'expected an EC2 instance type like "t3.micro"', awsData.instanceTypes, "an EC2 instance type")
          .default("t3.micro")
          .describe("Its instance type; Graviton types (t4g, ...) get the arm64 image"),
      })
      .strict()
      .default({ enabled: false, instanceType: "t3.micro" })
      .describe("The optional EC2 client instance (off when the key is absent)"),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z
      .string()
      .regex(SCHEMA_REFERENCE, "expected a JSON schema URL or path (no spaces, quotes, $, % or braces)")
      .optional()
      .describe("This file's JSON Schema, for editors (e.g. ../config/schema.json); never synthesized"),
    region: region.describe("AWS region of both stacks (PrivateLink connects VPCs of one region)"),
    namePrefix: z
      .string()
      .regex(
        NAME_PREFIX,
        "expected 2-19 lowercase letters, digits or hyphens, starting with a letter (names like <namePrefix>-8200-1a2b3c must fit in 32 characters)"
      )
      .superRefine((prefix, ctx) => {
        if (!NAME_PREFIX.test(prefix)) return;
        for (const message of namePrefixProblems(prefix)) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      })
      .describe("Prefix of every name the stacks give (NLB <namePrefix>-nlb-<hash>, target groups <namePrefix>-<port>-<hash>, ...); not internal, aws..., ssm... or sg..., which AWS refuses in some of those names"),
    tags: tags
      .default({})
      .describe("Default tags on every resource of both stacks (AWS tag rules; at most 49: the stacks add Name to some)"),
    backend,
    provider: providerSide.describe("The provider side: Transfer server, identity provider, NLB, endpoint service"),
    consumer: consumerSide.describe("The consumer side: interface endpoint, its acceptance, optional host name and client instance"),
  })
  .strict()
  .describe("Configuration of the two stacks (provider and consumer) of transfer-privatelink-ftp");

export interface CrossFieldIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Rules that span several keys. They run on the raw document, even when other
 * keys are invalid, so that one run reports every problem at once; each rule
 * looks only at values that are individually well-formed.
 */
export function crossFieldIssues(document: unknown): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const root = asRecord(document);
  const provider = asRecord(root?.provider);
  const backendDoc = asRecord(root?.backend);
  if (
    backendDoc?.type === "cloud" &&
    typeof backendDoc.providerWorkspace === "string" &&
    backendDoc.providerWorkspace === backendDoc.consumerWorkspace
  ) {
    issues.push({
      path: ["backend", "consumerWorkspace"],
      message: "expected a workspace different from providerWorkspace (each stack needs its own state)",
    });
  }
  const tagsDoc = asRecord(root?.tags);
  if (tagsDoc) {
    // AWS counts the merged set: default_tags plus the resource's own tags.
    const added = STACK_RESOURCE_TAG_KEYS.filter((key) => !(key in tagsDoc));
    const total = Object.keys(tagsDoc).length + added.length;
    if (total > MAX_TAGS_PER_RESOURCE) {
      issues.push({
        path: ["tags"],
        message: `expected at most ${MAX_TAGS_PER_RESOURCE - added.length} tags: AWS allows ${MAX_TAGS_PER_RESOURCE} per resource and the stacks add ${added
          .map((key) => JSON.stringify(key))
          .join(", ")} to some (${total} in all)`,
      });
    }
  }
  if (!provider) return issues;
  if (
    provider.restartResource === "lambda" &&
    typeof provider.restartTimeoutSeconds === "number" &&
    provider.restartTimeoutSeconds > LAMBDA_RESTART_TIMEOUT_MAX
  ) {
    issues.push({
      path: ["provider", "restartTimeoutSeconds"],
      message: `expected at most ${LAMBDA_RESTART_TIMEOUT_MAX} with restartResource "lambda": both waits (OFFLINE, then ONLINE) must fit in one invocation, and Lambda stops a function after 900 s`,
    });
  }
  const monitoring = asRecord(provider.monitoring);
  if (monitoring?.createAlarmTopic === true && typeof monitoring.alarmTopicArn === "string") {
    issues.push({
      path: ["provider", "monitoring", "createAlarmTopic"],
      message: "expected either alarmTopicArn (an existing topic) or createAlarmTopic, not both",
    });
  }
  if (
    typeof provider.userHomeRoot === "string" &&
    typeof provider.bucketName === "string" &&
    !provider.userHomeRoot.startsWith(`/${provider.bucketName}/`)
  ) {
    issues.push({
      path: ["provider", "userHomeRoot"],
      message: `expected a path inside provider.bucketName, starting with "/${provider.bucketName}/"`,
    });
  }
  issues.push(...protocolIssues(provider, typeof root?.region === "string" ? root.region : undefined));
  const subnetIds = Array.isArray(provider.subnetIds) ? provider.subnetIds.filter((id): id is string => typeof id === "string") : [];
  const multiAz = subnetIds.length > 1;
  const mode = provider.passiveIpMode ?? "nlb";
  // PassiveIp is an FTP/FTPS setting; an SFTP-only server has none (protocolIssues refuses the key).
  if (multiAz && mode === "nlb" && ftpPortsInDocument(provider)) {
    issues.push({
      path: ["provider", "passiveIpMode"],
      message:
        'expected "control-connection" when provider.subnetIds lists more than one subnet: an NLB spanning AZs has one IP per AZ, so no single NLB IP can be the passive IP',
    });
  }
  const subnetCidrs = asRecord(provider.subnetCidrs) ?? {};
  for (const id of Object.keys(subnetCidrs)) {
    if (SUBNET_ID.test(id) && !subnetIds.includes(id)) {
      issues.push({ path: ["provider", "subnetCidrs", id], message: "expected a subnet listed in provider.subnetIds" });
    }
  }
  if (typeof provider.nlbPrivateIp === "string") {
    const ip = parseIpv4(provider.nlbPrivateIp);
    if (multiAz) {
      issues.push({
        path: ["provider", "nlbPrivateIp"],
        message: "expected no nlbPrivateIp with more than one provider subnet (it pins the single-AZ NLB's address)",
      });
    }
    if (ip !== undefined && !isPrivateAddress(ip)) {
      issues.push({
        path: ["provider", "nlbPrivateIp"],
        message: "expected a private address (10/8, 172.16/12, 192.168/16 or 100.64/10): the NLB is internal",
      });
    }
    const nlbSubnet = subnetIds[0];
    const subnetCidr = nlbSubnet !== undefined ? subnetCidrs[nlbSubnet] : undefined;
    const parsedSubnet = typeof subnetCidr === "string" ? parseCidr(subnetCidr) : undefined;
    if (ip !== undefined && parsedSubnet) {
      if (!cidrContains(parsedSubnet, ip)) {
        issues.push({
          path: ["provider", "nlbPrivateIp"],
          message: `expected an address inside subnet ${nlbSubnet} (${parsedSubnet.network})`,
        });
      } else if (isReservedSubnetAddress(parsedSubnet, ip)) {
        issues.push({
          path: ["provider", "nlbPrivateIp"],
          message: `expected an address AWS does not reserve in ${parsedSubnet.network} (the first four and the last are reserved)`,
        });
      }
    }
  }
  issues.push(...consumerEndpointIssues(provider, asRecord(root?.consumer)));
  return issues;
}

/** The document's protocol list as far as it is well-formed (default ["FTP"]). */
function protocolsInDocument(provider: Record<string, unknown>): string[] {
  if (provider.protocols === undefined) return ["FTP"];
  return Array.isArray(provider.protocols) ? provider.protocols.filter((p): p is string => typeof p === "string") : [];
}

function ftpPortsInDocument(provider: Record<string, unknown>): boolean {
  const protocols = protocolsInDocument(provider);
  return protocols.includes("FTP") || protocols.includes("FTPS");
}

/**
 * Settings that belong to one protocol are refused when that
 * protocol is off (they would do nothing, or mislead a reviewer), and FTPS
 * cannot run without its certificate.
 */
function protocolIssues(provider: Record<string, unknown>, region: string | undefined): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const protocols = protocolsInDocument(provider);
  const ftps = protocols.includes("FTPS");
  const sftp = protocols.includes("SFTP");
  const at = (key: string) => ["provider", key];
  if (ftps && provider.certificateArn === undefined) {
    issues.push({
      path: at("certificateArn"),
      message:
        "missing (expected an ACM certificate ARN with FTPS in provider.protocols: Transfer requires a certificate for FTPS, CreateServer Certificate)",
    });
  }
  if (!ftps && provider.certificateArn !== undefined) {
    issues.push({ path: at("certificateArn"), message: 'expected only with "FTPS" in provider.protocols (the certificate is used by FTPS only)' });
  }
  if (!ftps && provider.tlsSessionResumptionMode !== undefined) {
    issues.push({ path: at("tlsSessionResumptionMode"), message: 'expected only with "FTPS" in provider.protocols (a TLS setting of FTPS)' });
  }
  if (!sftp && provider.sftpAuthenticationMethods !== undefined) {
    issues.push({ path: at("sftpAuthenticationMethods"), message: 'expected only with "SFTP" in provider.protocols' });
  }
  if (!ftps && !sftp && provider.securityPolicyName !== undefined) {
    issues.push({
      path: at("securityPolicyName"),
      message: 'expected only with "FTPS" or "SFTP" in provider.protocols (a security policy sets TLS and SSH algorithms; plain FTP has none)',
    });
  }
  if (protocols.length > 0 && !ftpPortsInDocument(provider) && provider.passiveIpMode !== undefined) {
    issues.push({
      path: at("passiveIpMode"),
      message: 'expected no passiveIpMode without "FTP" or "FTPS" in provider.protocols (PassiveIp is an FTP/FTPS setting; SFTP uses port 22 only)',
    });
  }
  const certificate = typeof provider.certificateArn === "string" ? CERTIFICATE_ARN.exec(provider.certificateArn) : null;
  if (certificate && region !== undefined && certificate[2] !== region) {
    issues.push({
      path: at("certificateArn"),
      message: `expected a certificate in region ${region} (ACM certificates are regional; Transfer uses one from its own region), got ${certificate[2]}`,
    });
  }
  return issues;
}

/**
 * passiveIpMode "consumer-endpoint": the server's PassiveIp is the consumer
 * endpoint's own address, which every FTP client can reach (it is the address
 * of the control connection). The endpoint gets that address through
 * `subnet_configuration` (EC2 SubnetConfiguration.Ipv4), one per subnet.
 */
function consumerEndpointIssues(provider: Record<string, unknown>, consumer: Record<string, unknown> | undefined): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  if (!consumer) return issues;
  const mode = provider.passiveIpMode ?? "nlb";
  const subnetIds = Array.isArray(consumer.subnetIds) ? consumer.subnetIds.filter((id): id is string => typeof id === "string") : [];
  const subnetCidrs = asRecord(consumer.subnetCidrs) ?? {};
  for (const id of Object.keys(subnetCidrs)) {
    if (SUBNET_ID.test(id) && !subnetIds.includes(id)) {
      issues.push({ path: ["consumer", "subnetCidrs", id], message: "expected a subnet listed in consumer.subnetIds" });
    }
  }
  if (typeof consumer.hostedZoneId === "string" && consumer.dnsName === undefined) {
    issues.push({
      path: ["consumer", "hostedZoneId"],
      message: "expected consumer.dnsName too: the zone is where the record for that name goes",
    });
  }
  if (mode === "consumer-endpoint") {
    if (consumer.endpointIp === undefined) {
      issues.push({
        path: ["consumer", "endpointIp"],
        message:
          'missing (expected an IPv4 address in the consumer subnet with passiveIpMode "consumer-endpoint": the endpoint is pinned to it and the server hands it out as PassiveIp)',
      });
    }
    if (Array.isArray(consumer.subnetIds) && consumer.subnetIds.length !== 1) {
      issues.push({
        path: ["consumer", "subnetIds"],
        message:
          'expected exactly one subnet with passiveIpMode "consumer-endpoint": PassiveIp is one address, and an endpoint in a second subnet has a second IP that no PASV reply names (clients there would be sent across AZs, or nowhere)',
      });
    }
  } else if (consumer.endpointIp !== undefined) {
    issues.push({
      path: ["consumer", "endpointIp"],
      message: `expected only with provider.passiveIpMode "consumer-endpoint" (it is that mode's PassiveIp), got mode ${JSON.stringify(mode)}`,
    });
  }
  if (typeof consumer.endpointIp === "string") {
    const ip = parseIpv4(consumer.endpointIp);
    if (ip !== undefined && !isPrivateAddress(ip)) {
      issues.push({
        path: ["consumer", "endpointIp"],
        message: "expected a private address (10/8, 172.16/12, 192.168/16 or 100.64/10): it is an interface endpoint's address in the consumer VPC",
      });
    }
    const subnet = subnetIds[0];
    const subnetCidr = subnet !== undefined ? subnetCidrs[subnet] : undefined;
    const parsedSubnet = typeof subnetCidr === "string" ? parseCidr(subnetCidr) : undefined;
    if (ip !== undefined && parsedSubnet) {
      if (!cidrContains(parsedSubnet, ip)) {
        issues.push({ path: ["consumer", "endpointIp"], message: `expected an address inside subnet ${subnet} (${parsedSubnet.network})` });
      } else if (isReservedSubnetAddress(parsedSubnet, ip)) {
        issues.push({
          path: ["consumer", "endpointIp"],
          message: `expected an address AWS does not reserve in ${parsedSubnet.network} (the first four and the last are reserved)`,
        });
      }
    }
  }
  return issues;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export type TransferConfigInput = z.input<typeof configSchema>;
export type TransferConfig = z.output<typeof configSchema>;
export type BackendConfig = TransferConfig["backend"];
export type ProviderSideConfig = TransferConfig["provider"];
export type ConsumerSideConfig = TransferConfig["consumer"];
