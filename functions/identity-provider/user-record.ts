// The JSON stored in each user's secret (`<prefix><username>` in Secrets
// Manager), the user-name rule, and the home-directory rule. Shared by the
// identity-provider Lambda and the `npm run users` CLI.
import { passwordHashProblems, PasswordHash } from "./password-hash";
import { parseSshPublicKey } from "./ssh-public-key";

export type TransferProtocol = "FTP" | "FTPS" | "SFTP";
export const TRANSFER_PROTOCOLS: readonly TransferProtocol[] = ["FTP", "FTPS", "SFTP"];

/**
 * Protocols a user may log in with when the record does not say. FTP and FTPS
 * (the password protocols this project serves); SFTP only when listed
 * explicitly, so that enabling SFTP on the server later does not silently open
 * password SFTP logins for every user.
 */
export const DEFAULT_ALLOWED_PROTOCOLS: readonly TransferProtocol[] = ["FTP", "FTPS"];

export interface UserRecord {
  readonly passwordHash: PasswordHash;
  /** `<home root><path>`, e.g. `/my-bucket/home/alice`; default `<home root><username>` (root default `/<bucket>/home/`). */
  readonly homeDirectory?: string;
  /** Default DEFAULT_ALLOWED_PROTOCOLS. */
  readonly allowedProtocols?: readonly TransferProtocol[];
  /**
   * SFTP public keys, `<type> <base64>` lines (ssh-public-key.ts, no comments).
   * Returned to Transfer as PublicKeys for an SFTP login without a password,
   * and only when the user may use SFTP.
   */
  readonly publicKeys?: readonly string[];
}

/** At most this many keys per user (a project limit: rotation needs two, a record stays small). */
export const MAX_PUBLIC_KEYS = 20;

/**
 * A user name becomes part of a secret name and of an S3 key, so: letters,
 * digits, `.`, `_`, `@`, `-`; starts with a letter or digit; 1-100 characters;
 * never `..`. No `/`, spaces or control characters.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

export function isValidUsername(name: unknown): name is string {
  return typeof name === "string" && USERNAME_PATTERN.test(name) && !name.includes("..");
}

export const USERNAME_RULE =
  "1-100 characters: letters, digits, '.', '_', '@', '-'; starting with a letter or digit; no '..'";

/**
 * The one spelling of a user name: lower case. Transfer passes the name as
 * the client typed it, while secret names and S3 keys are case-sensitive, so
 * without folding `Alice` and `alice` would be two accounts with two homes.
 * Folding (rather than refusing capitals) keeps names people type with
 * capitals, e.g. e-mail addresses, working. Validate first, then fold: the
 * pattern is ASCII-only, and toLowerCase() maps some non-ASCII letters onto
 * ASCII ones (U+212A KELVIN SIGN becomes "k").
 */
export function canonicalUsername(name: unknown): string | undefined {
  return isValidUsername(name) ? name.toLowerCase() : undefined;
}

export function userSecretName(prefix: string, username: string): string {
  return `${prefix}${username}`;
}

/** The home root when the config sets none: `/<bucket>/home/`. */
export function defaultHomeRoot(bucket: string): string {
  return `/${bucket}/home/`;
}

/** `<root><username>`: the root ends in "/". */
export function defaultHomeDirectory(homeRoot: string, username: string): string {
  return `${homeRoot}${username}`;
}

// One path segment of a home directory. Deliberately narrow: the key prefix is
// pasted into an IAM session policy, where `*`, `?` and `${...}` are wildcards
// or variables and would widen the user's access.
const HOME_SEGMENT = /^[A-Za-z0-9._@+=,-]{1,255}$/;

/**
 * Problems with the shape of a home directory, whatever the bucket: it must be
 * `/<bucket>/<segment>[/<segment>...]` with plain segments, no `.` or `..`,
 * no empty segments and no trailing slash.
 */
export function homeDirectoryProblems(home: unknown): string[] {
  if (typeof home !== "string") return ["homeDirectory: expected a string"];
  if (home.length > 1024) return ["homeDirectory: longer than 1024 characters"];
  if (!home.startsWith("/")) return ['homeDirectory: expected an absolute path "/<bucket>/<prefix>"'];
  const segments = home.slice(1).split("/");
  if (segments.length < 2) return ['homeDirectory: expected "/<bucket>/<prefix>" (a whole bucket is not a home)'];
  for (const segment of segments) {
    if (segment === "." || segment === ".." || !HOME_SEGMENT.test(segment)) {
      return ["homeDirectory: expected plain path segments (letters, digits, . _ @ + = , -), no '.', '..', empty segments or wildcards"];
    }
  }
  return [];
}

/** True when `home` is a well-formed home directory inside `bucket`. */
export function isHomeInBucket(home: string, bucket: string): boolean {
  return homeDirectoryProblems(home).length === 0 && home.startsWith(`/${bucket}/`);
}

/**
 * Problems with a home root: `/<bucket>/` or `/<bucket>/<segment>/...`, ending
 * in "/", plain segments as in a home directory, inside `bucket` when given.
 */
export function homeRootProblems(root: unknown, bucket?: string): string[] {
  const expected = 'expected "/<bucket>/<path>/" (absolute, plain segments, ending in "/"), like "/my-bucket/home/"';
  if (typeof root !== "string" || !root.endsWith("/") || root.length < 2) return [expected];
  const trimmed = root.slice(0, -1);
  const segments = trimmed.slice(1).split("/");
  const shapeOk =
    root.startsWith("/") &&
    trimmed.length <= 1000 &&
    segments.every((segment) => segment !== "." && segment !== ".." && HOME_SEGMENT.test(segment));
  if (!shapeOk) return [expected];
  if (bucket !== undefined && segments[0] !== bucket) return [`expected a path inside the bucket, "/${bucket}/..."`];
  return [];
}

/**
 * True when `home` lies strictly below `root` (at least one segment): a home
 * equal to the root, or above it, would give its user every other user's files.
 */
export function isHomeUnderRoot(home: string, root: string): boolean {
  return homeDirectoryProblems(home).length === 0 && root.endsWith("/") && home.startsWith(root) && home.length > root.length;
}

/**
 * True when one home equals or contains the other: their users would share
 * files. Case-sensitive, as S3 keys (and the session policy's ARNs) are.
 */
export function homesOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** `/bucket/home/alice` → `home/alice` (the S3 key prefix, without the bucket). */
export function homeKeyPrefix(home: string): string {
  return home.slice(1).split("/").slice(1).join("/");
}

/** Problems with a parsed secret value (empty when it is a usable record). */
export function userRecordProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["(root): expected an object"];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(["passwordHash", "homeDirectory", "allowedProtocols", "publicKeys"]);
  // Key names are not quoted: problems are logged, and nothing of a secret may be.
  if (Object.keys(record).some((key) => !known.has(key))) problems.push("(root): unknown keys");
  problems.push(...passwordHashProblems(record.passwordHash));
  if (record.homeDirectory !== undefined) problems.push(...homeDirectoryProblems(record.homeDirectory));
  if (record.allowedProtocols !== undefined) problems.push(...protocolListProblems(record.allowedProtocols));
  if (record.publicKeys !== undefined) problems.push(...publicKeyListProblems(record.publicKeys));
  return problems;
}

/** Problems with a stored key list: 0-MAX_PUBLIC_KEYS distinct, well-formed `<type> <base64>` lines. */
export function publicKeyListProblems(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_PUBLIC_KEYS) return [`publicKeys: expected a list of at most ${MAX_PUBLIC_KEYS} keys`];
  const fingerprints = new Set<string>();
  for (const [index, entry] of value.entries()) {
    const parsed = parseSshPublicKey(entry);
    // Stored lines are exactly `<type> <base64>`: what the CLI writes.
    if (!parsed.ok || parsed.key.line !== entry) return [`publicKeys[${index}]: expected an OpenSSH public key "<type> <base64>"${parsed.ok ? "" : ` (${parsed.problem})`}`];
    if (fingerprints.has(parsed.key.fingerprint)) return [`publicKeys[${index}]: the same key twice`];
    fingerprints.add(parsed.key.fingerprint);
  }
  return [];
}

export function protocolListProblems(value: unknown): string[] {
  const expected = `allowedProtocols: expected a non-empty list of distinct values from ${TRANSFER_PROTOCOLS.join(", ")}`;
  if (!Array.isArray(value) || value.length === 0) return [expected];
  const ok = value.every((p) => TRANSFER_PROTOCOLS.includes(p as TransferProtocol)) && new Set(value).size === value.length;
  return ok ? [] : [expected];
}

export type ParsedUserRecord = { ok: true; record: UserRecord } | { ok: false; problems: string[] };

/** Parses and validates a secret string. Problems never quote the secret's values. */
export function parseUserRecord(secretString: string): ParsedUserRecord {
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return { ok: false, problems: ["(root): malformed JSON"] };
  }
  const problems = userRecordProblems(value);
  return problems.length === 0 ? { ok: true, record: value as UserRecord } : { ok: false, problems };
}

export function allowedProtocolsOf(record: UserRecord): readonly TransferProtocol[] {
  return record.allowedProtocols ?? DEFAULT_ALLOWED_PROTOCOLS;
}

/**
 * What an FTP user may do to the objects of their home, granted twice with the
 * same list: by the role Transfer assumes for every user
 * (stacks/provider/transfer-s3-access-role.ts, on the whole bucket) and by the
 * session policy the handler returns (on the home only); AWS applies the
 * intersection. Transfer writes large files as S3 multipart uploads
 * (s3:PutObject covers Create/UploadPart/Complete); it aborts one it cannot
 * finish and lists the parts of one it resumes, which need their own actions
 * (S3 user guide, "Multipart upload API and permissions").
 */
export const USER_OBJECT_ACTIONS: readonly string[] = [
  "s3:PutObject",
  "s3:GetObject",
  "s3:DeleteObject",
  "s3:GetObjectVersion",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];
