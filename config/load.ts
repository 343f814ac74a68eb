import * as fs from "fs";
import { z } from "zod";
import { cidrContains, parseCidr } from "./ip";
import { configSchema, crossFieldIssues, DEFAULT_SECURITY_POLICY_NAME, LAMBDA_RESTART_TIMEOUT_MAX, TransferConfig } from "./schema";
import { didYouMean, nearest } from "./suggest";
import { SERVER_PROTOCOLS, ServerProtocol } from "../lib/ftp-ports";

export const DEFAULT_CONFIG_PATH = "config/example.json";
/** The page that documents every key (generated from the schema). */
export const CONFIG_REFERENCE = "docs/configuration.md";
/** The examples a new config is copied from. */
export const EXAMPLES_DIR = "examples";

/** The environment variables the commands read; any other TRANSFER_* is a mistake. */
export const TRANSFER_ENVIRONMENT = ["TRANSFER_CONFIG"] as const;

/**
 * The config file the commands use: $TRANSFER_CONFIG, else the example. A
 * TRANSFER_* variable the commands do not read (a typo such as TRANSFER_CONFG)
 * is refused: it would otherwise fall back to the example without a word.
 */
export function configPathFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith("TRANSFER_") && !(TRANSFER_ENVIRONMENT as readonly string[]).includes(name))
    .sort();
  if (unknown.length > 0) {
    throw new ConfigError(
      "the environment",
      unknown.map(
        (name) =>
          `${name} is set, but no command reads it${didYouMean(name, TRANSFER_ENVIRONMENT)}: ` +
          `the only such variable is TRANSFER_CONFIG (unset or rename it)`,
      ),
    );
  }
  return env.TRANSFER_CONFIG || DEFAULT_CONFIG_PATH;
}

/** A config file that cannot be used, with every problem found in it. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(
      `Invalid configuration in ${file} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n")
    );
    this.name = "ConfigError";
  }
}

/** `provider.subnetIds[1]`, `backend.type`, `(root)`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((part, index) => {
      if (typeof part === "number") return `[${part}]`;
      const plain = /^[A-Za-z_$][\w$]*$/.test(part);
      if (!plain) return `[${JSON.stringify(part)}]`;
      return index === 0 ? part : `.${part}`;
    })
    .join("");
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value}`;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `backend.dynamicCredentials` on a local or s3 backend (whose schemas are strict). */
function isBackendDynamicCredentials(path: readonly (string | number)[], key: string): boolean {
  return path.length === 1 && path[0] === "backend" && key === "dynamicCredentials";
}

/** The value at a JSON path of the document (undefined where the path leads nowhere). */
function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value && typeof value === "object" ? (value as Record<string | number, unknown>)[key] : undefined),
    input,
  );
}

/** The keys the schema knows at a JSON path (an object's shape), for "did you mean". */
function knownKeysAt(path: readonly (string | number)[], input: unknown): string[] {
  let schema: z.ZodTypeAny = configSchema;
  const unwrap = (s: z.ZodTypeAny): z.ZodTypeAny => {
    for (;;) {
      if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s._def.innerType;
      else if (s instanceof z.ZodEffects) s = s._def.schema;
      else return s;
    }
  };
  for (let i = 0; i <= path.length; i++) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodDiscriminatedUnion) {
      const option = schema.optionsMap.get(valueAt(input, [...path.slice(0, i), schema.discriminator]) as string);
      if (!option) return [];
      schema = option;
    }
    if (i === path.length) break;
    if (!(schema instanceof z.ZodObject)) return [];
    const next = (schema.shape as Record<string, z.ZodTypeAny>)[String(path[i])];
    if (!next) return [];
    schema = next;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function describeIssue(issue: z.ZodIssue, input: unknown): string[] {
  const at = (extra: (string | number)[] = []) => formatJsonPath([...issue.path, ...extra]);
  switch (issue.code) {
    case z.ZodIssueCode.unrecognized_keys:
      return issue.keys.map((key) => {
        if (isBackendDynamicCredentials(issue.path, key)) {
          return (
            `${at([key])}: only the "cloud" backend has dynamic provider credentials (HCP Terraform); ` +
            `backend.type is ${JSON.stringify(asObject(asObject(input)?.backend)?.type)}: ` +
            `remove the key or use backend.type "cloud"`
          );
        }
        const known = knownKeysAt(issue.path, input);
        const guess = nearest(key, known);
        return `${at([key])}: unknown key (${guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : "check the spelling"}; see ${CONFIG_REFERENCE})`;
      });
    case z.ZodIssueCode.invalid_union_discriminator: {
      const options = issue.options.map((o) => String(o));
      const value = valueAt(input, issue.path);
      return [`${at()}: expected one of ${options.map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(value) ?? "nothing"}${didYouMean(value, options)}`];
    }
    case z.ZodIssueCode.invalid_type: {
      if (issue.received === "undefined") return [`${at()}: missing (expected ${issue.expected})`];
      return [`${at()}: expected ${issue.expected}, got ${describeType(valueAt(input, issue.path))}`];
    }
    case z.ZodIssueCode.invalid_enum_value: {
      const options = issue.options.map((o) => String(o));
      return [`${at()}: expected one of ${options.map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(issue.received)}${didYouMean(issue.received, options)}`];
    }
    case z.ZodIssueCode.invalid_literal:
      return [`${at()}: expected ${JSON.stringify(issue.expected)}`];
    default:
      return [`${at()}: ${issue.message}`];
  }
}

/** Validates an already-parsed document; returns the typed config or throws ConfigError. */
export function parseConfig(document: unknown, file = "(inline)"): TransferConfig {
  const result = configSchema.safeParse(document);
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, document))),
    ...crossFieldIssues(document).map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  const provider = (document as { provider?: Record<string, unknown> }).provider ?? {};
  if (result.data.provider.restartResource === "lambda" && provider.restartTimeoutSeconds === undefined) {
    // The usual default (900 s per wait) does not fit in one Lambda invocation.
    return { ...result.data, provider: { ...result.data.provider, restartTimeoutSeconds: LAMBDA_RESTART_TIMEOUT_MAX } };
  }
  return result.data;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/** Reads, parses and validates the config file. Throws ConfigError listing every problem. */
export function loadConfig(file: string): TransferConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const hint =
      code === "ENOENT"
        ? `; start from an example: cp ${EXAMPLES_DIR}/single-az.json ${file} (every example: ls ${EXAMPLES_DIR}/; every key: ${CONFIG_REFERENCE})`
        : "";
    throw new ConfigError(file, [`(file): cannot read it (${code})${hint}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : "";
    throw new ConfigError(file, [`(root): malformed JSON${where}: ${message}`]);
  }
  return parseConfig(document, file);
}

/** Every FTP user's home lies strictly below this path: `/<bucket>/home/` unless configured. */
export function userHomeRoot(config: TransferConfig): string {
  return config.provider.userHomeRoot ?? `/${config.provider.bucketName}/home/`;
}

/** The Secrets Manager name prefix under which FTP users live. */
export function userSecretPrefix(config: TransferConfig): string {
  return config.provider.userSecretPrefix ?? `${config.namePrefix}/users/`;
}

/**
 * Things in a valid config that probably do not do what was meant; printed at
 * synth time, never fatal.
 *
 * The NLB enforces its security group on PrivateLink traffic
 * (enforce_security_group_inbound_rules_on_private_link_traffic = on), and
 * then the source it sees is the consumer client's own private address, not
 * the consumer endpoint's (Elastic Load Balancing user guide, Network Load
 * Balancers, "Security groups": PrivateLink considerations). A consumer block
 * that provider.allowedCidrs does not cover is admitted by the consumer
 * endpoint and then dropped by the NLB.
 */
export function configWarnings(config: TransferConfig): string[] {
  return [...cidrWarnings(config), ...certificateNameWarnings(config), ...reservedConcurrencyWarnings(config)];
}

/**
 * A reservation is refused at apply unless the account keeps 100 unreserved
 * executions beside it: "You can reserve up to the Unreserved account
 * concurrency value that is shown, minus 100" (Lambda developer guide,
 * "Configuring reserved concurrency"). New accounts can have a concurrency
 * quota of 10 or 50, where every reservation fails with "Specified
 * ReservedConcurrentExecutions for function decreases account's
 * UnreservedConcurrentExecution below its minimum value". Not checked at plan
 * time: hashicorp/aws 5.100.0 has no data source for Lambda's GetAccountSettings
 * (which reports the unreserved concurrency), and aws_servicequotas_service_quota
 * needs servicequotas:GetServiceQuota, a permission the deploy role lacks, and
 * still would not see what other functions have reserved.
 */
function reservedConcurrencyWarnings(config: TransferConfig): string[] {
  const reserved = config.provider.identityProvider.reservedConcurrency;
  if (reserved === undefined) return [];
  return [
    `provider.identityProvider.reservedConcurrency is ${reserved}: the account then needs at least ${100 + reserved} unreserved ` +
      `concurrent executions (Lambda keeps 100 unreserved beside every reservation), or the apply fails when it creates the ` +
      `function. Check with \`aws lambda get-account-settings\` (AccountLimit.UnreservedConcurrentExecutions) first; new ` +
      `accounts can have a quota of 10 or 50 (ask for more through Service Quotas, or remove the key).`,
  ];
}

/**
 * FTPS clients that verify the server's certificate (every client this
 * project configures) compare its names with the host they connect to. With
 * consumer.dnsName that host is a name you own and the ACM certificate can
 * carry; without it, clients connect to the interface endpoint's DNS name
 * (vpce-....vpce-svc-....<region>.vpce.amazonaws.com), which no certificate you
 * can get from ACM names, so verification fails. The certificate's names are
 * not visible at synth time (only its ARN is configured).
 */
function certificateNameWarnings(config: TransferConfig): string[] {
  if (!config.provider.protocols.includes("FTPS") || config.consumer.dnsName !== undefined) return [];
  return [
    "provider.protocols has FTPS but consumer.dnsName is not set: FTPS clients would connect to the interface endpoint's " +
      "DNS name (*.vpce.amazonaws.com), which provider.certificateArn cannot name, so clients that verify the certificate " +
      "(lftp and curl as configured here) refuse it. Set consumer.dnsName to a name the certificate covers.",
  ];
}

/** The server's protocols in a fixed order (FTP, FTPS, SFTP): the config's order does not churn the plan. */
export function serverProtocols(config: TransferConfig): ServerProtocol[] {
  return SERVER_PROTOCOLS.filter((p) => config.provider.protocols.includes(p));
}

/** The security policy to set: none for FTP only (as before), else the configured one or the default. */
export function securityPolicyName(config: TransferConfig): string | undefined {
  const protocols = config.provider.protocols;
  if (!protocols.includes("FTPS") && !protocols.includes("SFTP")) return undefined;
  return config.provider.securityPolicyName ?? DEFAULT_SECURITY_POLICY_NAME;
}

function cidrWarnings(config: TransferConfig): string[] {
  const providerBlocks = config.provider.allowedCidrs.map((text) => parseCidr(text)).filter((b) => b !== undefined);
  return config.consumer.allowedCidrs.flatMap((text, index) => {
    const block = parseCidr(text);
    if (!block) return [];
    const covered = providerBlocks.some((outer) => outer.prefix <= block.prefix && cidrContains(outer, block.base));
    if (covered) return [];
    return [
      `consumer.allowedCidrs[${index}] (${text}) is not inside any of provider.allowedCidrs (${config.provider.allowedCidrs.join(", ")}): ` +
        "the NLB's security group checks PrivateLink traffic (enforce_security_group_inbound_rules_on_private_link_traffic = on) " +
        "and sees the consumer clients' own addresses, so FTP from there passes the consumer endpoint and is dropped at the NLB. " +
        `Add ${text} (or a block containing it) to provider.allowedCidrs, unless that is intended.`,
    ];
  });
}
