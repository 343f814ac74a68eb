// A login, as Transfer performs it with a custom identity provider (Lambda):
// invoke the function with the event Transfer sends, read its answer, and take
// on the user's role with the answer's session policy.
//
// The event (Transfer user guide, "Using AWS Lambda to integrate your identity
// provider", event message structure): {username, password, protocol
// ("FTP" | "FTPS" | "SFTP"), serverId, sourceIp}. For an SFTP public-key login
// the password is empty: the guide's example function tests
// `event.password == ""` to return the user's keys.
//
// The answer (same page, "Valid Lambda values"): the user is authenticated
// "if and only if the Role field is not blank"; Policy is a session policy;
// HomeDirectoryType LOGICAL needs HomeDirectoryDetails (Entry/Target pairs);
// PublicKeys lists the keys valid for a key login ("An empty list implies that
// this is not a valid login"; "Must not be returned during password
// authentication"). Anything else - a function error, a payload that is not
// a JSON object, an unusable home - refuses the login, as a client sees it:
// 530 on FTP, an SSH authentication failure on SFTP.
//
// The role: Transfer assumes it "in the context of a Transfer Family user ARN",
// aws:SourceArn = arn:aws:transfer:<region>:<account>:user/<server-id>/<user>
// (Transfer user guide, "Cross-service confused deputy prevention"), with the
// answer's Policy as the session policy, and acts on S3 with those session
// credentials only.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { HomeMapping, parseLogicalHome } from "./logical-home";
import type { Protocol, ServerConfig } from "./server-config";

export interface LoginRequest {
  readonly username: string;
  /** Undefined for an SFTP public-key lookup (sent as ""). */
  readonly password?: string;
  readonly protocol: Protocol;
  readonly sourceIp: string;
}

export interface UserSession {
  readonly username: string;
  readonly role: string;
  readonly mappings: readonly HomeMapping[];
  readonly credentials: AwsCredentialIdentity;
  /** Only for an SFTP key lookup. */
  readonly publicKeys?: readonly string[];
}

export type LoginOutcome =
  | { readonly ok: true; readonly session: UserSession }
  | { readonly ok: false; readonly reason: string };

/** The AWS clients Transfer uses as itself (the service principal; service-principal.ts). */
export interface ServiceClients {
  readonly lambda: LambdaClient;
  /** STS as Transfer acting for this user (aws:SourceArn = the Transfer user's ARN). */
  stsFor(username: string): Promise<STSClient>;
  /** The emulator's endpoint for the user's S3 requests (undefined: AWS's). */
  readonly s3Endpoint?: string;
}

/**
 * The mappings whose root folder has no "<prefix>/" object, checked with the user's own
 * credentials (what the user's session could see). Transfer needs it unless the server's S3
 * directory listing optimization is on (server-config.ts, directoryListingOptimization).
 */
async function missingRootFolders(mappings: readonly HomeMapping[], credentials: AwsCredentialIdentity, region: string, endpoint?: string): Promise<string[]> {
  const s3 = new S3Client({ region, credentials, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  const missing: string[] = [];
  for (const mapping of mappings) {
    if (mapping.prefix === "") continue; // a whole bucket is its own root
    const key = `${mapping.prefix}/`;
    try {
      await s3.send(new HeadObjectCommand({ Bucket: mapping.bucket, Key: key }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      missing.push(`s3://${mapping.bucket}/${key}${status === 404 ? "" : ` (${(error as Error).name})`}`);
    }
  }
  s3.destroy();
  return missing;
}

function sessionName(username: string): string {
  // RoleSessionName: 2-64 characters of [\w+=,.@-] (STS API reference, AssumeRole).
  const safe = username.replace(/[^\w+=,.@-]/g, "_").slice(0, 40);
  return `transfer.${safe}.${Date.now().toString(36)}`.slice(0, 64);
}

export async function login(config: ServerConfig, clients: ServiceClients, request: LoginRequest): Promise<LoginOutcome> {
  const event = {
    username: request.username,
    password: request.password ?? "",
    protocol: request.protocol,
    serverId: config.serverId,
    sourceIp: request.sourceIp,
  };
  let answer: unknown;
  try {
    const result = await clients.lambda.send(
      new InvokeCommand({ FunctionName: config.identityProviderFunction, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const text = result.Payload ? Buffer.from(result.Payload).toString("utf8") : "";
    if (result.FunctionError) return { ok: false, reason: `identity provider failed (${result.FunctionError}): ${text.slice(0, 200)}` };
    answer = text ? JSON.parse(text) : undefined;
  } catch (error) {
    return { ok: false, reason: `identity provider not invoked: ${(error as Error).name}: ${(error as Error).message}` };
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) return { ok: false, reason: "answer is not a JSON object" };
  const fields = answer as Record<string, unknown>;
  if (typeof fields.Role !== "string" || fields.Role === "") return { ok: false, reason: "no Role in the answer (refused)" };

  const keyLookup = request.password === undefined;
  let publicKeys: string[] | undefined;
  if (keyLookup) {
    if (!Array.isArray(fields.PublicKeys) || fields.PublicKeys.length === 0 || !fields.PublicKeys.every((k) => typeof k === "string")) {
      return { ok: false, reason: "key login: no PublicKeys in the answer" };
    }
    publicKeys = fields.PublicKeys as string[];
  } else if (fields.PublicKeys !== undefined) {
    return { ok: false, reason: "PublicKeys returned for a password login" };
  }

  if (fields.HomeDirectoryType !== "LOGICAL") {
    // PATH homes show the bucket's real paths; this project's identity provider never
    // answers them, and the stand-in does not imitate them.
    return { ok: false, reason: `HomeDirectoryType ${String(fields.HomeDirectoryType ?? "PATH (default)")} is not imitated (LOGICAL only)` };
  }
  const mappings = parseLogicalHome(fields.HomeDirectoryDetails);
  if (typeof mappings === "string") return { ok: false, reason: `HomeDirectoryDetails: ${mappings}` };
  if (fields.Policy !== undefined && typeof fields.Policy !== "string") return { ok: false, reason: "Policy is not a string" };

  let credentials: AwsCredentialIdentity;
  try {
    const sts = await clients.stsFor(request.username);
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: fields.Role,
        RoleSessionName: sessionName(request.username),
        ...(fields.Policy ? { Policy: fields.Policy as string } : {}),
        DurationSeconds: 3600,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) return { ok: false, reason: "AssumeRole returned no credentials" };
    credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } catch (error) {
    return { ok: false, reason: `cannot assume ${fields.Role}: ${(error as Error).name}: ${(error as Error).message}` };
  }
  if (config.directoryListingOptimization !== "ENABLED") {
    const missing = await missingRootFolders(mappings, credentials, config.region, clients.s3Endpoint);
    if (missing.length > 0) {
      return { ok: false, reason: `home root folder missing: ${missing.join(", ")} (S3 DirectoryListingOptimization is DISABLED: the folder must exist before login)` };
    }
  }
  return { ok: true, session: { username: request.username, role: fields.Role, mappings, credentials, ...(publicKeys ? { publicKeys } : {}) } };
}
