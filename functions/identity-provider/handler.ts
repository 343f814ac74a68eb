// AWS Transfer Family custom identity provider (Lambda, nodejs22.x).
//
// A user is the Secrets Manager secret `<USER_SECRET_PREFIX><username>` holding
// a UserRecord (./user-record.ts) with an scrypt password hash. On success the
// user is chrooted to their home: a LOGICAL home directory mapping "/" to
// `/<bucket>/<prefix>` and a session policy that limits S3 to that prefix.
// Every refusal returns `{}`; every decision is logged as one JSON line.
// User names are case-folded (user-record.ts canonicalUsername).
//
// Environment:
//   USER_SECRET_PREFIX    e.g. "tf-ftp/users/"
//   BUCKET_NAME           the S3 bucket
//   USER_HOME_ROOT        every home lies strictly below it, e.g. "/<bucket>/home/";
//                         default home is <root><username>
//   TRANSFER_ROLE_ARN     returned as Role
//   SERVER_ID_PARAMETER   SSM parameter holding the expected Transfer server ID
//   USER_SECRETS_KEY_ARN  the KMS key user secrets must be encrypted with
//   LOGIN_ATTEMPTS_TABLE  DynamoDB table of failed logins (./login-throttle.ts)
//   USER_ADMINISTRATOR_ARNS  JSON list of the principals the user secrets'
//                         resource policy may except (./user-secret-policy.ts)
//
// Every login with a password makes the same AWS calls and the same scrypt
// work whatever the name, so that neither the calls nor the time tell which
// user names exist: three Secrets Manager reads of the name's secret and a
// DynamoDB delete of an expired item, all at once, then the reservation
// (one conditional UpdateItem), then exactly one default hash of work. An SFTP
// key lookup makes the three reads and one DynamoDB read, all at once. Either
// lookup waits out LOOKUP_FLOOR_MS, so AWS's own answer time does not tell.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  GetResourcePolicyCommand,
  GetResourcePolicyCommandOutput,
  GetSecretValueCommand,
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TransferFamilyAuthorizerEvent, TransferFamilyAuthorizerResult } from "aws-lambda";
import { burnComparableTime, checkPasswordWithFixedWork, MAX_PASSWORD_LENGTH, PasswordHashError } from "./password-hash";
import { LoginThrottle } from "./login-throttle";
import { userSecretPolicyProblems } from "./user-secret-policy";
import {
  allowedProtocolsOf,
  canonicalUsername,
  defaultHomeDirectory,
  homeKeyPrefix,
  homeRootProblems,
  isHomeInBucket,
  isHomeUnderRoot,
  parseUserRecord,
  TRANSFER_PROTOCOLS,
  UserRecord,
  TransferProtocol,
  USER_OBJECT_ACTIONS,
  userSecretName,
} from "./user-record";

const secretsManager = new SecretsManagerClient({});
const ssm = new SSMClient({});
const dynamodb = new DynamoDBClient({});

/** A cached server ID that does not match is re-read at most this often (server replaced). */
export const SERVER_ID_REFRESH_MS = 60_000;

export type DenyReason =
  | "misconfigured"
  | "invalid-username"
  | "missing-password"
  | "no-public-keys"
  | "password-too-long"
  | "unsupported-protocol"
  | "server-id-unavailable"
  | "wrong-server"
  | "unknown-user"
  | "secret-unavailable"
  | "malformed-record"
  | "wrong-password"
  | "protocol-not-allowed"
  | "home-outside-bucket"
  | "home-outside-root"
  | "wrong-encryption-key"
  | "unprotected-record"
  | "throttled"
  | "throttle-unavailable"
  | "internal-error";

interface Settings {
  readonly secretPrefix: string;
  readonly bucket: string;
  readonly homeRoot: string;
  readonly roleArn: string;
  readonly partition: string;
  readonly serverIdParameter: string;
  readonly keyArn: string;
  readonly attemptsTable: string;
  readonly administratorArns: readonly string[];
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A key ARN, never an alias: an alias can be pointed at another key later.
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const ADMINISTRATOR_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/[\w+=,.@/-]{1,512}$/;

function parseAdministratorArns(text: string): readonly string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.length > 0 && value.every((arn) => typeof arn === "string" && ADMINISTRATOR_ARN.test(arn)) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readSettings(env: NodeJS.ProcessEnv): Settings | string {
  const secretPrefix = env.USER_SECRET_PREFIX ?? "";
  const bucket = env.BUCKET_NAME ?? "";
  const homeRoot = env.USER_HOME_ROOT ?? "";
  const roleArn = env.TRANSFER_ROLE_ARN ?? "";
  const serverIdParameter = env.SERVER_ID_PARAMETER ?? "";
  const keyArn = env.USER_SECRETS_KEY_ARN ?? "";
  const attemptsTable = env.LOGIN_ATTEMPTS_TABLE ?? "";
  const administratorArns = parseAdministratorArns(env.USER_ADMINISTRATOR_ARNS ?? "");
  if (!secretPrefix) return "USER_SECRET_PREFIX is not set";
  if (!BUCKET.test(bucket)) return "BUCKET_NAME is not set or not a bucket name";
  if (homeRootProblems(homeRoot, bucket).length > 0) return "USER_HOME_ROOT is not set or not a path /<bucket>/.../ inside BUCKET_NAME";
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) return "TRANSFER_ROLE_ARN is not set or not an IAM role ARN";
  if (!serverIdParameter) return "SERVER_ID_PARAMETER is not set";
  if (!KMS_KEY_ARN.test(keyArn)) return "USER_SECRETS_KEY_ARN is not set or not a KMS key ARN";
  if (!TABLE_NAME.test(attemptsTable)) return "LOGIN_ATTEMPTS_TABLE is not set or not a table name";
  if (!administratorArns) return "USER_ADMINISTRATOR_ARNS is not set or not a JSON list of IAM user or role ARNs";
  return { secretPrefix, bucket, homeRoot, roleArn, partition: arn[1], serverIdParameter, keyArn, attemptsTable, administratorArns };
}

// ---- expected server ID, cached per container ------------------------------

let serverIdCache: { parameter: string; value: string; fetchedAt: number } | undefined;

/** For tests: forget the cached server ID, as a cold start would. */
export function resetCachesForTests(): void {
  serverIdCache = undefined;
}

/**
 * The user lookup (the Secrets Manager reads and the DynamoDB call beside
 * them) takes at least this long. The calls are the same for every name, but
 * AWS may answer a found secret more slowly than a missing one (on the
 * emulator a found name's key lookup was 15-20 ms slower): waiting until this
 * floor hides that answer time unless it exceeds the floor, which the usual
 * in-region latencies of these reads (tens of milliseconds) do not. Costs
 * about the floor less those latencies per login.
 */
export const LOOKUP_FLOOR_MS = 150;
let lookupFloorMs = LOOKUP_FLOOR_MS;

/** For tests of the handler's logic: no floor (its timing is tested on the emulator). */
export function setLookupFloorForTests(ms: number): void {
  lookupFloorMs = ms;
}

function lookupFloor(): Promise<void> {
  return lookupFloorMs > 0 ? new Promise((resolve) => setTimeout(resolve, lookupFloorMs)) : Promise.resolve();
}

async function fetchServerId(parameter: string): Promise<string> {
  const output = await ssm.send(new GetParameterCommand({ Name: parameter }));
  const value = output.Parameter?.Value?.trim();
  if (!value) throw new Error("parameter has no value");
  // Cached only on success: a failed read is retried on the next invocation.
  serverIdCache = { parameter, value, fetchedAt: Date.now() };
  return value;
}

/**
 * The configured server ID, read once per cold start. When the event's server
 * does not match a value that is older than SERVER_ID_REFRESH_MS, it is read
 * again once, so that a replaced server (new ID in SSM) does not lock everyone
 * out until the warm containers die.
 */
async function expectedServerId(parameter: string, eventServerId: string): Promise<string> {
  const cached = serverIdCache?.parameter === parameter ? serverIdCache : undefined;
  if (!cached) return fetchServerId(parameter);
  if (cached.value !== eventServerId && Date.now() - cached.fetchedAt >= SERVER_ID_REFRESH_MS) {
    return fetchServerId(parameter);
  }
  return cached.value;
}

// ---- the user's secret ---------------------------------------------------------

/**
 * True when DescribeSecret's KmsKeyId names `keyArn`. DescribeSecret returns
 * "the key ID or alias ARN of the KMS key", and omits the field for the AWS
 * managed key aws/secretsmanager (Secrets Manager API reference,
 * DescribeSecret). `npm run users` passes the key ARN; the bare key ID is the
 * same key. An alias is refused: it can be re-pointed at another key.
 */
export function isExpectedKey(kmsKeyId: string | undefined, keyArn: string): boolean {
  if (!kmsKeyId) return false;
  return kmsKeyId === keyArn || kmsKeyId === keyArn.slice(keyArn.indexOf(":key/") + ":key/".length);
}

type Lookup =
  | { readonly found: true; readonly record: UserRecord }
  | { readonly found: false; readonly reason: DenyReason; readonly known: boolean; readonly extra?: Record<string, unknown> };

const NOT_FOUND_ERRORS = new Set(["ResourceNotFoundException", "InvalidRequestException"]);

/**
 * Reads everything the decision needs about `<prefix><username>` with the same
 * three calls, sent at once, whether or not the secret exists (no cache: a
 * cache of found secrets would make known names cost fewer calls):
 * - DescribeSecret: removed (DeletedDate), and which KMS key. Anyone with
 *   secretsmanager:CreateSecret on the prefix could create a record; only the
 *   configured administrators may encrypt with the user-secrets key (its key
 *   policy), so the key proves an administrator wrote the value.
 * - GetResourcePolicy: the policy that keeps everyone else from restoring the
 *   secret or moving AWSCURRENT back to an older version, which the key cannot
 *   stop (./user-secret-policy.ts).
 * - GetSecretValue: the record.
 */
async function lookUpUser(settings: Settings, username: string): Promise<Lookup> {
  const secretId = userSecretName(settings.secretPrefix, username);
  const [described, policy, value] = await Promise.allSettled([
    secretsManager.send(new DescribeSecretCommand({ SecretId: secretId })),
    secretsManager.send(new GetResourcePolicyCommand({ SecretId: secretId })),
    secretsManager.send(new GetSecretValueCommand({ SecretId: secretId })),
  ]);
  // `known`: DescribeSecret found the secret, so the name is a user's.
  const failure = (result: PromiseSettledResult<unknown>, known: boolean): Lookup | undefined => {
    if (result.status === "fulfilled") return undefined;
    const name = errorName(result.reason);
    // InvalidRequestException: the secret is scheduled for deletion (user removed).
    if (NOT_FOUND_ERRORS.has(name)) return { found: false, reason: "unknown-user", known: false, extra: { error: name } };
    return { found: false, reason: "secret-unavailable", known, extra: { error: name } };
  };
  const describeFailure = failure(described, false);
  if (describeFailure) return describeFailure;
  const description = (described as PromiseFulfilledResult<DescribeSecretCommandOutput>).value;
  // Scheduled for deletion: the user was removed.
  if (description.DeletedDate) return { found: false, reason: "unknown-user", known: false, extra: { error: "DeletedDate" } };
  if (!isExpectedKey(description.KmsKeyId, settings.keyArn)) return { found: false, reason: "wrong-encryption-key", known: true };
  const policyFailure = failure(policy, true);
  if (policyFailure) return policyFailure;
  const policyProblems = userSecretPolicyProblems((policy as PromiseFulfilledResult<GetResourcePolicyCommandOutput>).value.ResourcePolicy, settings.administratorArns);
  if (policyProblems.length > 0) return { found: false, reason: "unprotected-record", known: true, extra: { problems: policyProblems } };
  const valueFailure = failure(value, true);
  if (valueFailure) return valueFailure;
  const secretString = (value as PromiseFulfilledResult<GetSecretValueCommandOutput>).value.SecretString;
  const parsed = typeof secretString === "string" ? parseUserRecord(secretString) : undefined;
  if (!parsed || !parsed.ok) return { found: false, reason: "malformed-record", known: true, extra: { problems: parsed ? parsed.problems : ["no SecretString"] } };
  return { found: true, record: parsed.record };
}

// ---- logging ----------------------------------------------------------------

/**
 * Makes an untrusted string safe and short for a log line: at most `max`
 * characters, anything outside printable ASCII written as \uXXXX.
 */
export function sanitizeForLog(value: unknown, max = 64): string | null {
  if (typeof value !== "string") return value === undefined || value === null ? null : `<${typeof value}>`;
  const chars = Array.from(value);
  const escaped = chars
    .slice(0, max)
    .map((ch) => {
      const code = ch.codePointAt(0) as number;
      if (code >= 0x20 && code < 0x7f && ch !== "\\") return ch;
      if (ch === "\\") return "\\\\";
      return code > 0xffff
        ? `\\u{${code.toString(16)}}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    })
    .join("");
  return chars.length > max ? `${escaped}...(${chars.length} chars)` : escaped;
}

interface Decision {
  readonly outcome: "allowed" | "denied";
  /** "public-keys": an SFTP key lookup answered with the user's keys (Transfer then checks the client's signature itself). */
  readonly reason: DenyReason | "authenticated" | "public-keys";
  readonly [extra: string]: unknown;
}

/**
 * What the log says about a user name that is not (yet) known to be a user:
 * at most its first two characters and its length, e.g. "Co...(15 chars)".
 * A password typed into the user-name field must not reach the log; a keyed
 * hash would need a per-deployment secret key, which this project has no
 * offline way to generate and keep out of Terraform state (README "Logging").
 */
export function usernameHint(value: unknown): string | null {
  if (typeof value !== "string") return sanitizeForLog(value);
  const chars = Array.from(value);
  const shown = Math.min(2, Math.floor(chars.length / 4));
  return `${sanitizeForLog(chars.slice(0, shown).join(""), 2)}...(${chars.length} chars)`;
}

/**
 * `knownUser`: the canonical name once its secret was found (it is a user
 * name, not something typed by mistake); until then only a hint is logged.
 */
function logDecision(event: Partial<TransferFamilyAuthorizerEvent>, decision: Decision, knownUser?: string): void {
  const line = {
    user: knownUser ?? null,
    ...(knownUser === undefined ? { userHint: usernameHint(event?.username) } : {}),
    protocol: sanitizeForLog(event?.protocol, 16),
    serverId: sanitizeForLog(event?.serverId, 64),
    sourceIp: sanitizeForLog(event?.sourceIp, 64),
    ...decision,
  };
  // Straight to stdout, not console.log: Lambda's Node.js runtime prefixes
  // console lines with "<time>\t<request id>\tINFO\t" (aws-lambda-nodejs-
  // runtime-interface-client, src/LogPatch.js), and a CloudWatch Logs JSON
  // filter pattern ({ $.reason = ... }, the alarm on broken decisions)
  // matches only log events that are JSON. Lambda sends each stdout line to
  // CloudWatch Logs as one event (Lambda developer guide, "Log and monitor
  // Node.js Lambda functions").
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// ---- the response -----------------------------------------------------------

/** The session policy that confines a user to their home prefix. */
export function sessionPolicy(partition: string, bucket: string, home: string): object {
  const prefix = homeKeyPrefix(home);
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListHomeOnly",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucketArn,
        // The home and below, always with its slash: S3 matches a list prefix as
        // a string, so "home/alice" would also list "home/alice2/...". AWS's
        // own session policy for a custom identity provider lists "user/" and
        // "user/*" (Transfer user guide, "Working with custom identity
        // providers", example response), and a LOGICAL home's "/" lists its
        // target with the slash.
        Condition: { StringLike: { "s3:prefix": [`${prefix}/`, `${prefix}/*`] } },
      },
      { Sid: "BucketLocation", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucketArn },
      {
        Sid: "HomeObjects",
        Effect: "Allow",
        // The same list as the role's (multipart included), narrowed to the home.
        Action: [...USER_OBJECT_ACTIONS],
        Resource: `${bucketArn}/${prefix}/*`,
      },
    ],
  };
}

function successResponse(settings: Settings, home: string, publicKeys?: readonly string[]): TransferFamilyAuthorizerResult {
  return {
    // Only for an SFTP key lookup (no password in the event): the keys
    // Transfer verifies the client's signature against. Never with a
    // password check: "the password response must not include public keys"
    // (Transfer user guide, "Using multiple authentication methods"; with
    // PUBLIC_KEY_AND_PASSWORD the key lookup and the password check are
    // two separate requests).
    ...(publicKeys ? { PublicKeys: [...publicKeys] } : {}),
    Role: settings.roleArn,
    HomeDirectoryType: "LOGICAL",
    HomeDirectoryDetails: JSON.stringify([{ Entry: "/", Target: home }]),
    Policy: JSON.stringify(sessionPolicy(settings.partition, settings.bucket, home)),
  };
}

function errorName(error: unknown): string {
  return sanitizeForLog(error instanceof Error ? error.name : typeof error, 64) ?? "unknown";
}

// ---- the handler ------------------------------------------------------------

export async function handler(event: TransferFamilyAuthorizerEvent): Promise<TransferFamilyAuthorizerResult> {
  let knownUser: string | undefined;
  const deny = (reason: DenyReason, extra: Record<string, unknown> = {}): TransferFamilyAuthorizerResult => {
    logDecision(event, { outcome: "denied", reason, ...extra }, knownUser);
    return {};
  };
  try {
    const settings = readSettings(process.env);
    if (typeof settings === "string") return deny("misconfigured", { detail: settings });

    const { password, protocol, serverId } = event ?? ({} as TransferFamilyAuthorizerEvent);
    const username = canonicalUsername(event?.username);
    if (username === undefined) return deny("invalid-username");
    // SFTP public-key authentication: Transfer calls the identity provider
    // without a password and expects the user's keys in PublicKeys (Transfer
    // user guide, "Using AWS Lambda to integrate your identity provider",
    // Lambda values: "PublicKeys ... for SFTP key-based authentication";
    // the event's password is absent then). FTP and FTPS have no key
    // authentication: a login without a password is refused.
    const keyLookup = protocol === "SFTP" && (password === undefined || password === null || password === "");
    if (!keyLookup) {
      if (typeof password !== "string" || password.length === 0) return deny("missing-password");
      if (password.length > MAX_PASSWORD_LENGTH) return deny("password-too-long");
    }
    if (!TRANSFER_PROTOCOLS.includes(protocol as TransferProtocol)) return deny("unsupported-protocol");

    let expected: string;
    try {
      expected = await expectedServerId(settings.serverIdParameter, serverId);
    } catch (error) {
      return deny("server-id-unavailable", { error: errorName(error) });
    }
    if (serverId !== expected) return deny("wrong-server");

    const throttle = new LoginThrottle(dynamodb, settings.attemptsTable);
    if (keyLookup) {
      const looked = await publicKeyLookup(settings, throttle, username, (user) => (knownUser = user));
      if ("deny" in looked) return deny(looked.deny, looked.extra ?? {});
      logDecision(event, { outcome: "allowed", reason: "public-keys", home: looked.home, keys: looked.keys.length }, knownUser);
      return successResponse(settings, looked.home, looked.keys);
    }
    // From here on the event carries a password (keyLookup is false).
    const passwordText = password as string;

    const [lookup, forgotten] = await Promise.all([
      lookUpUser(settings, username),
      throttle.forgetExpired(username).then(
        () => undefined,
        (error: unknown) => error,
      ),
      lookupFloor(),
    ]);
    if (lookup.found || lookup.known) knownUser = username;

    // The reservation: the attempt counts as a failure before its password is
    // checked, and only while the window is open (./login-throttle.ts). Sent
    // for every name; only a usable record may create an item.
    let reservation;
    try {
      if (forgotten !== undefined) throw forgotten;
      reservation = await throttle.reserve(username, lookup.found);
    } catch (error) {
      // Fail closed: without the table there is no brute-force limit.
      await burnComparableTime(passwordText);
      return deny("throttle-unavailable", { error: errorName(error) });
    }

    // Exactly one default hash of work on every path (./password-hash.ts).
    const checked = lookup.found && reservation.reserved ? lookup.record : undefined;
    let matches: boolean;
    try {
      matches = await checkPasswordWithFixedWork(passwordText, checked?.passwordHash);
    } catch (error) {
      if (error instanceof PasswordHashError) return deny("malformed-record", { problems: ["passwordHash"] });
      throw error;
    }
    if (!lookup.found) return deny(lookup.reason, lookup.extra ?? {});
    if (!reservation.reserved) {
      return deny("throttled", { failures: reservation.failures, retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) });
    }
    if (!matches) return deny("wrong-password", { failures: reservation.failures });
    const record = lookup.record;

    let throttleError: string | undefined;
    try {
      await throttle.clear(username);
    } catch (error) {
      // The login is genuine; a stale count only shortens the free attempts.
      throttleError = errorName(error);
    }
    const extra = throttleError ? { throttleError } : {};

    if (!allowedProtocolsOf(record).includes(protocol)) return deny("protocol-not-allowed", extra);

    const home = record.homeDirectory ?? defaultHomeDirectory(settings.homeRoot, username);
    if (!isHomeInBucket(home, settings.bucket)) return deny("home-outside-bucket", extra);
    // Another user's files are below the root; a home at or above it would hold them all.
    if (!isHomeUnderRoot(home, settings.homeRoot)) return deny("home-outside-root", extra);

    logDecision(event, { outcome: "allowed", reason: "authenticated", home, ...extra }, knownUser);
    return successResponse(settings, home);
  } catch (error) {
    return deny("internal-error", { error: errorName(error) });
  }
}

type KeyLookup =
  | { readonly home: string; readonly keys: readonly string[] }
  | { readonly deny: DenyReason; readonly extra?: Record<string, unknown> };

/**
 * The SFTP key lookup: the user's record must exist, be encrypted with the
 * user-secrets key, be protected, allow SFTP and hold at least one key; the
 * home rules are the password path's. The name's backoff window applies (a
 * name under attack is closed on every path), read with the secret, at once,
 * for every name; a lookup is not counted as a failure: no secret is checked
 * here (Transfer verifies the client's signature against the keys itself),
 * and Transfer never reports whether that signature was right, so counting
 * lookups would throttle a key user's every login. No password, so no hash.
 */
async function publicKeyLookup(
  settings: Settings,
  throttle: LoginThrottle,
  username: string,
  known: (user: string | undefined) => void,
): Promise<KeyLookup> {
  const [lookup, window] = await Promise.all([
    lookUpUser(settings, username),
    throttle.peek(username).then(
      (check) => ({ check }),
      (error: unknown) => ({ error }),
    ),
    lookupFloor(),
  ]);
  if (lookup.found || lookup.known) known(username);
  if (!lookup.found) return { deny: lookup.reason, extra: lookup.extra };
  if ("error" in window) return { deny: "throttle-unavailable", extra: { error: errorName(window.error) } };
  if (window.check.retryAfterMs > 0) {
    return { deny: "throttled", extra: { failures: window.check.failures, retryAfterSeconds: Math.ceil(window.check.retryAfterMs / 1000) } };
  }
  const record = lookup.record;
  if (!allowedProtocolsOf(record).includes("SFTP")) return { deny: "protocol-not-allowed" };
  const keys = record.publicKeys ?? [];
  if (keys.length === 0) return { deny: "no-public-keys" };
  const home = record.homeDirectory ?? defaultHomeDirectory(settings.homeRoot, username);
  if (!isHomeInBucket(home, settings.bucket)) return { deny: "home-outside-bucket" };
  if (!isHomeUnderRoot(home, settings.homeRoot)) return { deny: "home-outside-root" };
  return { home, keys };
}
