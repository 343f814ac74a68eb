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
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TransferFamilyAuthorizerEvent, TransferFamilyAuthorizerResult } from "aws-lambda";
import { burnComparableTime, MAX_PASSWORD_LENGTH, PasswordHashError, verifyPassword } from "./password-hash";
import { LoginThrottle } from "./login-throttle";
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
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A key ARN, never an alias: an alias can be pointed at another key later.
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function readSettings(env: NodeJS.ProcessEnv): Settings | string {
  const secretPrefix = env.USER_SECRET_PREFIX ?? "";
  const bucket = env.BUCKET_NAME ?? "";
  const homeRoot = env.USER_HOME_ROOT ?? "";
  const roleArn = env.TRANSFER_ROLE_ARN ?? "";
  const serverIdParameter = env.SERVER_ID_PARAMETER ?? "";
  const keyArn = env.USER_SECRETS_KEY_ARN ?? "";
  const attemptsTable = env.LOGIN_ATTEMPTS_TABLE ?? "";
  if (!secretPrefix) return "USER_SECRET_PREFIX is not set";
  if (!BUCKET.test(bucket)) return "BUCKET_NAME is not set or not a bucket name";
  if (homeRootProblems(homeRoot, bucket).length > 0) return "USER_HOME_ROOT is not set or not a path /<bucket>/.../ inside BUCKET_NAME";
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) return "TRANSFER_ROLE_ARN is not set or not an IAM role ARN";
  if (!serverIdParameter) return "SERVER_ID_PARAMETER is not set";
  if (!KMS_KEY_ARN.test(keyArn)) return "USER_SECRETS_KEY_ARN is not set or not a KMS key ARN";
  if (!TABLE_NAME.test(attemptsTable)) return "LOGIN_ATTEMPTS_TABLE is not set or not a table name";
  return { secretPrefix, bucket, homeRoot, roleArn, partition: arn[1], serverIdParameter, keyArn, attemptsTable };
}

// ---- expected server ID, cached per container ------------------------------

let serverIdCache: { parameter: string; value: string; fetchedAt: number } | undefined;

/** For tests: forget the cached server ID and key checks, as a cold start would. */
export function resetCachesForTests(): void {
  serverIdCache = undefined;
  keyCheckCache.clear();
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

// ---- the user secret's KMS key, cached per container ---------------------------

/** A secret found encrypted with the expected key is not described again for this long. */
export const KEY_CHECK_CACHE_MS = 60_000;
const KEY_CHECK_CACHE_MAX = 1000;
const keyCheckCache = new Map<string, number>();

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

type SecretCheck = "ok" | "not-found" | "wrong-key";

/**
 * Whether the user's secret exists and is encrypted with the user-secrets key.
 * Anyone with secretsmanager:CreateSecret on the prefix could create a user
 * record; only the configured administrators may encrypt with this key (its
 * key policy), so the key is what proves an administrator wrote it.
 */
async function checkUserSecret(secretName: string, keyArn: string): Promise<SecretCheck> {
  const cachedAt = keyCheckCache.get(secretName);
  if (cachedAt !== undefined && Date.now() - cachedAt < KEY_CHECK_CACHE_MS) return "ok";
  let described;
  try {
    described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName }));
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return "not-found";
    throw error;
  }
  // Scheduled for deletion: the user was removed.
  if (described.DeletedDate) return "not-found";
  if (!isExpectedKey(described.KmsKeyId, keyArn)) return "wrong-key";
  if (keyCheckCache.size >= KEY_CHECK_CACHE_MAX) keyCheckCache.clear();
  keyCheckCache.set(secretName, Date.now());
  return "ok";
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

    if (keyLookup) {
      const looked = await publicKeyLookup(settings, username, (user) => (knownUser = user));
      if ("deny" in looked) return deny(looked.deny, looked.extra ?? {});
      logDecision(event, { outcome: "allowed", reason: "public-keys", home: looked.home, keys: looked.keys.length }, knownUser);
      return successResponse(settings, looked.home, looked.keys);
    }
    // From here on the event carries a password (keyLookup is false).
    const passwordText = password as string;

    // Backoff first: while a user's window is open the password is not even
    // checked, so guesses in the window teach an attacker nothing. The same
    // work as a real check keeps the response time uninformative.
    const throttle = new LoginThrottle(dynamodb, settings.attemptsTable);
    let attempts;
    try {
      attempts = await throttle.check(username);
    } catch (error) {
      // Fail closed: without the table there is no brute-force limit.
      await burnComparableTime(passwordText);
      return deny("throttle-unavailable", { error: errorName(error) });
    }
    if (attempts.retryAfterMs > 0) {
      // Only known users have records: the name may be logged.
      knownUser = username;
      await burnComparableTime(passwordText);
      return deny("throttled", { failures: attempts.failures, retryAfterSeconds: Math.ceil(attempts.retryAfterMs / 1000) });
    }

    const secretName = userSecretName(settings.secretPrefix, username);
    let secretString: string | undefined;
    try {
      const check = await checkUserSecret(secretName, settings.keyArn);
      if (check === "not-found") {
        // Same work as a real check, so response times do not reveal which users exist.
        await burnComparableTime(passwordText);
        return deny("unknown-user", { error: "ResourceNotFoundException" });
      }
      knownUser = username;
      if (check === "wrong-key") {
        await burnComparableTime(passwordText);
        return deny("wrong-encryption-key");
      }
      const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
      secretString = secret.SecretString;
    } catch (error) {
      await burnComparableTime(passwordText);
      const name = errorName(error);
      // InvalidRequestException: the secret is scheduled for deletion (user removed).
      if (name === "ResourceNotFoundException" || name === "InvalidRequestException") {
        knownUser = undefined;
        return deny("unknown-user", { error: name });
      }
      return deny("secret-unavailable", { error: name });
    }

    const parsed = typeof secretString === "string" ? parseUserRecord(secretString) : undefined;
    if (!parsed || !parsed.ok) {
      await burnComparableTime(passwordText);
      return deny("malformed-record", { problems: parsed ? parsed.problems : ["no SecretString"] });
    }
    const record = parsed.record;

    let matches: boolean;
    try {
      matches = await verifyPassword(passwordText, record.passwordHash);
    } catch (error) {
      if (error instanceof PasswordHashError) return deny("malformed-record", { problems: ["passwordHash"] });
      throw error;
    }
    if (!matches) {
      try {
        return deny("wrong-password", { failures: await throttle.recordFailure(username) });
      } catch (error) {
        return deny("wrong-password", { throttleError: errorName(error) });
      }
    }
    let throttleError: string | undefined;
    if (attempts.hasRecord) {
      try {
        await throttle.reset(username);
      } catch (error) {
        // The login is genuine; a stale count only shortens the free attempts.
        throttleError = errorName(error);
      }
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
 * user-secrets key, allow SFTP and hold at least one key; the home rules are
 * the password path's. No password is checked or burnt (there is none) and
 * the login throttle is not consulted: it counts wrong passwords, and a key
 * cannot be guessed through this call (Transfer verifies the signature).
 */
async function publicKeyLookup(settings: Settings, username: string, known: (user: string | undefined) => void): Promise<KeyLookup> {
  const secretName = userSecretName(settings.secretPrefix, username);
  let secretString: string | undefined;
  try {
    const check = await checkUserSecret(secretName, settings.keyArn);
    if (check === "not-found") return { deny: "unknown-user", extra: { error: "ResourceNotFoundException" } };
    known(username);
    if (check === "wrong-key") return { deny: "wrong-encryption-key" };
    secretString = (await secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
  } catch (error) {
    const name = errorName(error);
    if (name === "ResourceNotFoundException" || name === "InvalidRequestException") {
      known(undefined);
      return { deny: "unknown-user", extra: { error: name } };
    }
    return { deny: "secret-unavailable", extra: { error: name } };
  }
  const parsed = typeof secretString === "string" ? parseUserRecord(secretString) : undefined;
  if (!parsed || !parsed.ok) return { deny: "malformed-record", extra: { problems: parsed ? parsed.problems : ["no SecretString"] } };
  const record = parsed.record;
  if (!allowedProtocolsOf(record).includes("SFTP")) return { deny: "protocol-not-allowed" };
  const keys = record.publicKeys ?? [];
  if (keys.length === 0) return { deny: "no-public-keys" };
  const home = record.homeDirectory ?? defaultHomeDirectory(settings.homeRoot, username);
  if (!isHomeInBucket(home, settings.bucket)) return { deny: "home-outside-bucket" };
  if (!isHomeUnderRoot(home, settings.homeRoot)) return { deny: "home-outside-root" };
  return { home, keys };
}
