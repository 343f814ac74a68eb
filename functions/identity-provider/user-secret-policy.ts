// The resource policy on each user secret: only the user administrators may
// change the secret's state. Written by `npm run users` when it creates a
// user (and by `npm run users -- protect`), checked by the identity provider
// at every login. Shared by both, so it uses nothing but JSON.
//
// Why: the user-secrets KMS key lets only administrators *encrypt*, which
// covers every call that writes a new value (CreateSecret, PutSecretValue,
// UpdateSecret with a value). It does not cover calls that bring back a value
// encrypted earlier: RestoreSecret revives a removed user, and
// UpdateSecretVersionStage can move AWSCURRENT back to a version from before a
// `passwd` or a `remove-key` (Secrets Manager keeps old versions: user guide,
// "Secret versions"). Neither encrypts anything, so the key policy lets anyone
// with the IAM permission do them. This policy denies every such call to
// everyone but the administrators.
//
// Why a resource policy the handler checks, rather than a record version the
// handler checks: the handler can only read, and a version or serial inside
// the record can be rolled back with the record (every old version was written
// by an administrator). A "current must be the newest version" rule would lean
// on Secrets Manager keeping unlabelled versions, which it may delete ("then
// Secrets Manager can automatically delete the version in the background":
// user guide, "Delete a secret"). The policy stops the calls themselves, and
// the one call that could remove it, DeleteResourcePolicy, is denied by the
// policy too; the handler reads it back (GetResourcePolicy, read-only) and
// refuses a user whose secret lacks it, so a secret created by other means,
// or a policy weakened by an administrator by mistake, is never honoured.
//
// Reads stay with IAM (the identity provider and the administrators need
// them), and so does DeleteSecret: removing a user only takes access away, and
// an incident responder without the administrator role can still switch a
// user off. A removed user comes back only through RestoreSecret, which is
// denied. The Deny uses NotAction, so an action Secrets Manager adds later is
// denied until it is listed here.

/** The actions the policy leaves to IAM: reads, and removing a user. */
export const ACTIONS_LEFT_TO_IAM: readonly string[] = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:ListSecretVersionIds",
  "secretsmanager:DeleteSecret",
];

export const POLICY_SID = "OnlyUserAdministratorsChangeThisUser";

/** The resource policy document for a user secret. */
export function userSecretPolicy(administratorArns: readonly string[]): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: POLICY_SID,
        Effect: "Deny",
        Principal: { AWS: "*" },
        NotAction: [...ACTIONS_LEFT_TO_IAM],
        Resource: "*",
        // aws:PrincipalArn is the role's ARN for an assumed-role session (IAM
        // user guide, "AWS global condition context keys"), as in the
        // user-secrets key policy.
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [...administratorArns] } },
      },
    ],
  };
}

const asList = (value: unknown): unknown[] | undefined =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;

/**
 * Problems with a secret's resource policy (empty when it protects the secret
 * as userSecretPolicy does). Accepted: exactly the one Deny statement, leaving
 * exactly ACTIONS_LEFT_TO_IAM to IAM, excepting a non-empty subset of
 * `administratorArns` — so adding an administrator does not invalidate the
 * existing users, while a secret that still excepts a removed administrator is
 * refused until `npm run users -- protect` rewrites it. Problems never quote
 * the policy (a log line carries them).
 */
export function userSecretPolicyProblems(policyText: string | undefined, administratorArns: readonly string[]): string[] {
  if (policyText === undefined || policyText === "") return ["no resource policy"];
  let policy: unknown;
  try {
    policy = JSON.parse(policyText);
  } catch {
    return ["resource policy: malformed JSON"];
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) return ["resource policy: expected an object"];
  const statements = asList((policy as Record<string, unknown>).Statement);
  if (!statements || statements.length !== 1) return ["resource policy: expected exactly one statement"];
  const statement = statements[0] as Record<string, unknown>;
  if (typeof statement !== "object" || statement === null) return ["resource policy: expected a statement object"];
  const problems: string[] = [];
  const known = new Set(["Sid", "Effect", "Principal", "NotAction", "Resource", "Condition"]);
  if (Object.keys(statement).some((key) => !known.has(key))) problems.push("resource policy: unexpected statement keys");
  if (statement.Effect !== "Deny") problems.push("resource policy: expected Effect Deny");
  const principal = statement.Principal as Record<string, unknown> | string | undefined;
  const everyone = principal === "*" || (typeof principal === "object" && principal !== null && Object.keys(principal).length === 1 && principal.AWS === "*");
  if (!everyone) problems.push("resource policy: expected Principal *");
  const notAction = asList(statement.NotAction);
  const sameActions =
    notAction !== undefined &&
    notAction.length === ACTIONS_LEFT_TO_IAM.length &&
    ACTIONS_LEFT_TO_IAM.every((action) => notAction.includes(action));
  if (!sameActions) problems.push("resource policy: expected NotAction to leave exactly the reads and DeleteSecret to IAM");
  const resource = asList(statement.Resource);
  if (!resource || resource.length !== 1 || resource[0] !== "*") problems.push("resource policy: expected Resource *");
  const condition = statement.Condition as Record<string, unknown> | undefined;
  const operators = condition && typeof condition === "object" ? Object.keys(condition) : [];
  const arnNotEquals = operators.length === 1 && operators[0] === "ArnNotEquals" ? (condition?.ArnNotEquals as Record<string, unknown>) : undefined;
  const keys = arnNotEquals && typeof arnNotEquals === "object" ? Object.keys(arnNotEquals) : [];
  const excepted = keys.length === 1 && keys[0] === "aws:PrincipalArn" ? asList(arnNotEquals?.["aws:PrincipalArn"]) : undefined;
  if (!excepted || excepted.length === 0) {
    problems.push("resource policy: expected one condition, ArnNotEquals aws:PrincipalArn <administrators>");
  } else if (!excepted.every((arn) => typeof arn === "string" && administratorArns.includes(arn))) {
    problems.push("resource policy: excepts a principal that is not a user administrator");
  }
  return problems;
}
