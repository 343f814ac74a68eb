// How the identity provider's refusals are read by the operators. Each
// decision is one JSON log line {user, protocol, serverId, sourceIp, outcome,
// reason, ...} (functions/identity-provider/handler.ts); the handler returns
// {} for every refusal (what Transfer expects), so Lambda's Errors metric
// never sees these: a metric filter on the log has to count them.
import type { DenyReason } from "../functions/identity-provider/handler";

/**
 * Refusals that mean the identity provider or its data is broken: no user can
 * fix them by typing something else, an operator has to.
 * - misconfigured: the function's environment is wrong (deploy problem).
 * - server-id-unavailable: the SSM parameter cannot be read (missing, no permission, throttled).
 * - wrong-server: only this server may invoke the function (its Lambda permission), so an
 *   event from another server ID means the parameter is stale (server replaced).
 * - secret-unavailable: Secrets Manager failed for another reason than "no such user" (access, KMS, throttling).
 * - malformed-record, home-outside-bucket, home-outside-root: a user's secret is unusable; `npm run users`
 *   writes valid ones, so someone wrote it by other means.
 * - wrong-encryption-key: a user secret not encrypted with the user-secrets key: written by someone
 *   who is not a user administrator (or left from before the key existed); an operator must look.
 * - unprotected-record: a user secret without the resource policy that keeps non-administrators
 *   from restoring it or rolling it back (created before that policy existed, or the policy was
 *   changed): `npm run users -- protect` puts it back.
 * - throttle-unavailable: the login-attempts table cannot be read, so every login is refused (fail closed).
 * - internal-error: a bug.
 */
export const BROKEN_IDENTITY_PROVIDER_REASONS = [
  "misconfigured",
  "server-id-unavailable",
  "wrong-server",
  "secret-unavailable",
  "malformed-record",
  "home-outside-bucket",
  "home-outside-root",
  "wrong-encryption-key",
  "unprotected-record",
  "throttle-unavailable",
  "internal-error",
] as const satisfies readonly DenyReason[];

/**
 * Refusals that are the client's or the user's doing (wrong password, unknown
 * name, a protocol the user may not use): normal, not alarmed on. (Transfer
 * sends only FTP/FTPS/SFTP and this server offers FTP only, so
 * unsupported-protocol comes from a test invocation, not from a fault.)
 */
export const USER_ERROR_REASONS = [
  "invalid-username",
  "missing-password",
  // An SFTP key lookup for a user with no keys (or a client offering a key to a password-only user).
  "no-public-keys",
  "password-too-long",
  "unsupported-protocol",
  "unknown-user",
  "wrong-password",
  "protocol-not-allowed",
  // A user inside the backoff window after failed logins (the denial-rate alarm watches those).
  "throttled",
] as const satisfies readonly DenyReason[];

/** Fails type-checking when the handler gains a reason that is in neither list. */
export type EveryDenyReasonIsClassified = [
  Exclude<DenyReason, (typeof BROKEN_IDENTITY_PROVIDER_REASONS)[number] | (typeof USER_ERROR_REASONS)[number]>,
] extends [never]
  ? true
  : never;
export const everyDenyReasonIsClassified: EveryDenyReasonIsClassified = true;

/**
 * A CloudWatch Logs JSON filter pattern matching refused decisions with one
 * of these reasons (CloudWatch Logs user guide, "Using filter patterns to
 * match terms in JSON log events": `{ $.field = "value" }`, `&&`, `||`,
 * parentheses). Filter patterns are at most 1024 characters (API reference,
 * PutMetricFilter).
 */
export function deniedForReasonsPattern(reasons: readonly string[]): string {
  if (reasons.length === 0) throw new Error("deniedForReasonsPattern: no reasons");
  const pattern = `{ ($.outcome = "denied") && (${reasons.map((r) => `$.reason = "${r}"`).join(" || ")}) }`;
  if (pattern.length > 1024) throw new Error(`filter pattern is ${pattern.length} characters; CloudWatch allows 1024`);
  return pattern;
}
