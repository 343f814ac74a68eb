import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

export interface UserSecretsKeyOptions {
  readonly namePrefix: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** Secrets Manager name prefix of the user secrets. */
  readonly userSecretPrefix: string;
  /** Principals that may create and change FTP users (encrypt, and decrypt to read homes). */
  readonly administratorArns: readonly string[];
  /** The identity provider's execution role (decrypt only). */
  readonly identityProviderRoleArn: string;
}

/**
 * The customer managed KMS key every FTP user secret is encrypted with.
 *
 * Threat: anyone allowed secretsmanager:CreateSecret on the user prefix could
 * otherwise mint an FTP user with any home. Secrets Manager encrypts a new
 * secret by calling kms:GenerateDataKey as the caller, so with this key only
 * the configured administrators can write a record the identity provider
 * accepts (the handler checks the secret's KmsKeyId).
 *
 * Secrets Manager calls KMS with the encryption context
 * {"SecretARN": <secret ARN>, "SecretVersionId": <version>} (Secrets Manager
 * user guide, "Secret encryption and decryption", encryption context), which
 * the statements below pin to the user prefix.
 */
export class UserSecretsKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, options: UserSecretsKeyOptions) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the FTP user secrets (${options.userSecretPrefix}*) of the Transfer identity provider`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: userSecretsKeyPolicy(options),
    });
    this.alias = new KmsAlias(this, "alias", {
      name: `alias/${options.namePrefix}-user-secrets`,
      targetKeyId: this.key.keyId,
    });
  }
}

/** The key policy as a JSON string (exported for the IAM evaluation tests' reading of it). */
export function userSecretsKeyPolicy(options: UserSecretsKeyOptions): string {
  const root = `arn:${options.partition}:iam::${options.accountId}:root`;
  const viaSecretsManager = {
    StringEquals: { "kms:ViaService": `secretsmanager.${options.region}.amazonaws.com` },
    StringLike: {
      "kms:EncryptionContext:SecretARN": `arn:${options.partition}:secretsmanager:${options.region}:${options.accountId}:secret:${options.userSecretPrefix}*`,
    },
  };
  // Secrets Manager needs kms:GenerateDataKey to write a secret value and
  // kms:Decrypt to read one (Secrets Manager user guide, "Permissions for the
  // KMS key"); kms:Encrypt when UpdateSecret moves versions onto this key.
  const encryptActions = ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        // The default key policy's statement (AWS KMS developer guide, "Default
        // key policy"): the account can always manage the key, so it cannot
        // become unmanageable. The Deny statements below keep it from using
        // the key for user secrets through IAM policies alone.
        Sid: "EnableIamUserPermissions",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "AdministratorsWriteAndReadUserSecrets",
        Effect: "Allow",
        Principal: { AWS: [...options.administratorArns] },
        Action: [...encryptActions, "kms:Decrypt"],
        Resource: "*",
        Condition: viaSecretsManager,
      },
      {
        Sid: "IdentityProviderReadsUserSecrets",
        Effect: "Allow",
        Principal: { AWS: options.identityProviderRoleArn },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: viaSecretsManager,
      },
      {
        Sid: "NobodyElseEncrypts",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: encryptActions,
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [...options.administratorArns] } },
      },
      {
        Sid: "NobodyElseDecrypts",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [...options.administratorArns, options.identityProviderRoleArn] } },
      },
    ],
  });
}
