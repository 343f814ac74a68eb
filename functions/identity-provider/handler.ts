// AWS Transfer Family custom identity provider (Lambda, nodejs22.x).
//
// A user is the Secrets Manager secret `<USER_SECRET_PREFIX><username>` holding
// a UserRecord (./user-record.ts) with an scrypt password hash. On success the
// user is chrooted to their home: a LOGICAL home directory mapping "/" to
// `/<bucket>/<prefix>` and a session policy that limits S3 to that prefix.
// Every refusal returns `{}`; every decision is logged as one JSON line.
//
// Environment:
//   USER_SECRET_PREFIX   e.g. "tf-ftp/users/"
//   BUCKET_NAME          the S3 bucket; default home is /<bucket>/home/<username>
//   TRANSFER_ROLE_ARN    returned as Role
//   SERVER_ID_PARAMETER  SSM parameter holding the expected Transfer server ID
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TransferFamilyAuthorizerEvent, TransferFamilyAuthorizerResult } from "aws-lambda";
import { burnComparableTime, MAX_PASSWORD_LENGTH, PasswordHashError, verifyPassword } from "./password-hash";
import {
  allowedProtocolsOf,
  defaultHomeDirectory,
  homeKeyPrefix,
  isHomeInBucket,
  isValidUsername,
  parseUserRecord,
  TRANSFER_PROTOCOLS,
  TransferProtocol,
  userSecretName,
} from "./user-record";

const secretsManager = new SecretsManagerClient({});
const ssm = new SSMClient({});

/** A cached server ID that does not match is re-read at most this often (server replaced). */
export const SERVER_ID_REFRESH_MS = 60_000;

export type DenyReason =
  | "misconfigured"
  | "invalid-username"
  | "missing-password"
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
  | "internal-error";

interface Settings {
  readonly secretPrefix: string;
  readonly bucket: string;
  readonly roleArn: string;
  readonly partition: string;
  readonly serverIdParameter: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function readSettings(env: NodeJS.ProcessEnv): Settings | string {
  const secretPrefix = env.USER_SECRET_PREFIX ?? "";
  const bucket = env.BUCKET_NAME ?? "";
  const roleArn = env.TRANSFER_ROLE_ARN ?? "";
  const serverIdParameter = env.SERVER_ID_PARAMETER ?? "";
  if (!secretPrefix) return "USER_SECRET_PREFIX is not set";
  if (!BUCKET.test(bucket)) return "BUCKET_NAME is not set or not a bucket name";
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) return "TRANSFER_ROLE_ARN is not set or not an IAM role ARN";
  if (!serverIdParameter) return "SERVER_ID_PARAMETER is not set";
  return { secretPrefix, bucket, roleArn, partition: arn[1], serverIdParameter };
}

// ---- expected server ID, cached per container ------------------------------

let serverIdCache: { parameter: string; value: string; fetchedAt: number } | undefined;

/** For tests: forget the cached server ID, as a cold start would. */
export function resetCachesForTests(): void {
  serverIdCache = undefined;
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
  readonly reason: DenyReason | "authenticated";
  readonly [extra: string]: unknown;
}

function logDecision(event: Partial<TransferFamilyAuthorizerEvent>, decision: Decision): void {
  const username = event?.username;
  const line = {
    user: isValidUsername(username) ? username : sanitizeForLog(username),
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
        Condition: { StringLike: { "s3:prefix": [`${prefix}/*`, prefix] } },
      },
      { Sid: "BucketLocation", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucketArn },
      {
        Sid: "HomeObjects",
        Effect: "Allow",
        // Multipart: Transfer aborts an upload it cannot finish and lists the
        // parts of one it resumes (the role grants the same; see
        // stacks/provider/transfer-s3-access-role.ts).
        Action: [
          "s3:PutObject",
          "s3:GetObject",
          "s3:DeleteObject",
          "s3:GetObjectVersion",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: `${bucketArn}/${prefix}/*`,
      },
    ],
  };
}

function successResponse(settings: Settings, home: string): TransferFamilyAuthorizerResult {
  return {
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
  const deny = (reason: DenyReason, extra: Record<string, unknown> = {}): TransferFamilyAuthorizerResult => {
    logDecision(event, { outcome: "denied", reason, ...extra });
    return {};
  };
  try {
    const settings = readSettings(process.env);
    if (typeof settings === "string") return deny("misconfigured", { detail: settings });

    const { username, password, protocol, serverId } = event ?? ({} as TransferFamilyAuthorizerEvent);
    if (!isValidUsername(username)) return deny("invalid-username");
    // FTP and FTPS have no key authentication: a login without a password is refused.
    if (typeof password !== "string" || password.length === 0) return deny("missing-password");
    if (password.length > MAX_PASSWORD_LENGTH) return deny("password-too-long");
    if (!TRANSFER_PROTOCOLS.includes(protocol as TransferProtocol)) return deny("unsupported-protocol");

    let expected: string;
    try {
      expected = await expectedServerId(settings.serverIdParameter, serverId);
    } catch (error) {
      return deny("server-id-unavailable", { error: errorName(error) });
    }
    if (serverId !== expected) return deny("wrong-server");

    let secretString: string | undefined;
    try {
      const secret = await secretsManager.send(
        new GetSecretValueCommand({ SecretId: userSecretName(settings.secretPrefix, username) }),
      );
      secretString = secret.SecretString;
    } catch (error) {
      // Same work as a real check, so response times do not reveal which users exist.
      await burnComparableTime(password);
      const name = errorName(error);
      // InvalidRequestException: the secret is scheduled for deletion (user removed).
      if (name === "ResourceNotFoundException" || name === "InvalidRequestException") {
        return deny("unknown-user", { error: name });
      }
      return deny("secret-unavailable", { error: name });
    }

    const parsed = typeof secretString === "string" ? parseUserRecord(secretString) : undefined;
    if (!parsed || !parsed.ok) {
      await burnComparableTime(password);
      return deny("malformed-record", { problems: parsed ? parsed.problems : ["no SecretString"] });
    }
    const record = parsed.record;

    let matches: boolean;
    try {
      matches = await verifyPassword(password, record.passwordHash);
    } catch (error) {
      if (error instanceof PasswordHashError) return deny("malformed-record", { problems: ["passwordHash"] });
      throw error;
    }
    if (!matches) return deny("wrong-password");

    if (!allowedProtocolsOf(record).includes(protocol)) return deny("protocol-not-allowed");

    const home = record.homeDirectory ?? defaultHomeDirectory(settings.bucket, username);
    if (!isHomeInBucket(home, settings.bucket)) return deny("home-outside-bucket");

    logDecision(event, { outcome: "allowed", reason: "authenticated", home });
    return successResponse(settings, home);
  } catch (error) {
    return deny("internal-error", { error: errorName(error) });
  }
}
