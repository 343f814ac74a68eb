// The key policies AWS gives its AWS managed KMS keys (aws/dynamodb,
// aws/secretsmanager, aws/lambda, aws/ssm, aws/ebs), read from the data file
// beside this module, each with its source. A service that uses one of these
// keys calls KMS on the caller's behalf, with kms:ViaService naming the
// service: the key policy lets that call in, and an explicit Deny in the
// caller's own policy still applies to it (AWS KMS developer guide,
// "How Amazon DynamoDB uses AWS KMS": "on behalf of the user who is accessing
// the DynamoDB resource"). The JSON file is the one copy: tests evaluate the
// stacks' roles against it, and an emulator that enforces IAM can read it too.
import managedKeys from "./aws-managed-key-policies.json";

export type AwsManagedKeyAlias = "aws/dynamodb" | "aws/secretsmanager" | "aws/lambda" | "aws/ssm" | "aws/ebs";

export interface KeyPolicyDocument {
  readonly Version: string;
  readonly Id?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

export interface AwsManagedKey {
  readonly alias: AwsManagedKeyAlias;
  /** The service that uses it: kms:ViaService is `<viaService>.<region>.amazonaws.com`. */
  readonly viaService: string;
  /** "verbatim": AWS prints the policy in `source`; "pattern": the statements every AWS managed key has. */
  readonly documented: "verbatim" | "pattern";
  readonly source: string;
  readonly policy: KeyPolicyDocument;
}

export interface KeyScope {
  readonly partition: string;
  readonly region: string;
  /** The account the key (and its caller) belongs to. */
  readonly accountId: string;
}

export const AWS_MANAGED_KEY_ALIASES = Object.keys(managedKeys.keys) as AwsManagedKeyAlias[];

/** The AWS managed key's policy for one account and region, placeholders filled in. */
export function awsManagedKey(alias: AwsManagedKeyAlias, scope: KeyScope): AwsManagedKey {
  const entry = (managedKeys.keys as Record<string, { viaService: string; documented: string; source: string; policy: unknown }>)[alias];
  if (!entry) throw new Error(`no AWS managed key policy for ${alias} in lib/aws-managed-key-policies.json`);
  const text = JSON.stringify(entry.policy)
    .split("{{partition}}")
    .join(scope.partition)
    .split("{{region}}")
    .join(scope.region)
    .split("{{account}}")
    .join(scope.accountId);
  if (text.includes("{{")) throw new Error(`unknown placeholder left in the policy of ${alias}`);
  return {
    alias,
    viaService: entry.viaService,
    documented: entry.documented as AwsManagedKey["documented"],
    source: entry.source,
    policy: JSON.parse(text) as KeyPolicyDocument,
  };
}

/** kms:ViaService as a service's calls on a caller's behalf carry it (AWS KMS developer guide, "kms:ViaService"). */
export function viaService(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com`;
}
