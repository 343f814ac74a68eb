import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

export interface SmokePasswordKeyOptions {
  readonly namePrefix: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** The client instance's role: the only principal that may decrypt. */
  readonly clientRoleArn: string;
}

/** The parameters `npm run smoke` creates: /<namePrefix>/smoke/<uuid>. */
export function smokeParameterArnPattern(options: Pick<SmokePasswordKeyOptions, "namePrefix" | "partition" | "accountId" | "region">): string {
  return `arn:${options.partition}:ssm:${options.region}:${options.accountId}:parameter/${options.namePrefix}/smoke/*`;
}

/**
 * The customer-managed KMS key `npm run smoke` encrypts its password parameter
 * with. With the default aws/ssm key, anyone in the account allowed
 * ssm:GetParameter on the parameter could read it (aws/ssm's key policy cannot
 * be changed); with this one, only the client role may decrypt, only through
 * Parameter Store, only for the smoke parameters.
 *
 * - Parameter Store encrypts a SecureString with the encryption context
 *   PARAMETER_ARN = the parameter's ARN (AWS KMS Developer Guide, "How AWS
 *   Systems Manager Parameter Store uses AWS KMS", encryption context), and an
 *   advanced-tier parameter with a data key (GenerateDataKey) rather than
 *   Encrypt: the operator statement allows both.
 * - kms:ViaService = ssm.<region>.amazonaws.com: the calls Parameter Store
 *   makes on the caller's behalf, never direct KMS calls.
 * - The account statement keeps the key manageable (the key-policy lockout
 *   rule: KMS refuses a policy that would lock out the principal setting it,
 *   and without the account's root nobody could ever change it again; AWS KMS
 *   Developer Guide, "Default key policy"), but it grants administration, not
 *   kms:Decrypt: no IAM policy in the account can give decrypt to anyone else.
 *   An administrator can still change the key policy; that is a visible,
 *   logged act.
 */
export class SmokePasswordKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, options: SmokePasswordKeyOptions) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `${options.namePrefix}: encrypts npm run smoke's temporary FTP password parameters; only the FTP client role decrypts`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: smokePasswordKeyPolicy(options),
      tags: { Name: `${options.namePrefix}-smoke-password` },
    });
    new KmsAlias(this, "alias", { name: `alias/${options.namePrefix}-smoke-password`, targetKeyId: this.key.keyId });
  }
}

/** The key policy as a JSON string (exported for the IAM evaluation of what may use the key). */
export function smokePasswordKeyPolicy(options: SmokePasswordKeyOptions): string {
  const account = `arn:${options.partition}:iam::${options.accountId}:root`;
  const viaParameterStore = {
    StringEquals: { "kms:ViaService": `ssm.${options.region}.amazonaws.com` },
    StringLike: { "kms:EncryptionContext:PARAMETER_ARN": smokeParameterArnPattern(options) },
  };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersTheKey",
        Effect: "Allow",
        Principal: { AWS: account },
        Action: [
          "kms:CreateAlias",
          "kms:Describe*",
          "kms:Enable*",
          "kms:List*",
          "kms:Put*",
          "kms:Update*",
          "kms:Revoke*",
          "kms:Disable*",
          "kms:Get*",
          "kms:Delete*",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:RotateKeyOnDemand",
        ],
        Resource: "*",
      },
      {
        // Delegated to IAM: operators whose own policy allows it may store a smoke password.
        Sid: "OperatorsEncryptSmokePasswordsThroughParameterStore",
        Effect: "Allow",
        Principal: { AWS: account },
        Action: ["kms:Encrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: viaParameterStore,
      },
      {
        Sid: "ClientRoleDecryptsSmokePasswordsThroughParameterStore",
        Effect: "Allow",
        Principal: { AWS: options.clientRoleArn },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: viaParameterStore,
      },
    ],
  });
}
