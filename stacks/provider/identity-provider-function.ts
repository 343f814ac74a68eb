import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { assumeRolePolicy, policyDocument } from "../../lib/iam-policies";
import { NodejsFunctionAsset } from "../shared/nodejs-function-asset";
import { UserSecretsKey } from "./user-secrets-key";

export const IDENTITY_PROVIDER_ENTRY = "functions/identity-provider/handler.ts";

export interface IdentityProviderFunctionOptions {
  readonly projectRoot: string;
  readonly namePrefix: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  /** Every user's home lies strictly below it (`/<bucket>/.../`). */
  readonly userHomeRoot: string;
  /** Secrets Manager name prefix under which each FTP user is one secret. */
  readonly userSecretPrefix: string;
  /** ARN of the role returned to Transfer for authenticated users. */
  readonly transferRoleArn: string;
  readonly logRetentionDays: number;
  /** Reserved concurrent executions (opt-in): a login flood cannot take the account's concurrency. Unset: none reserved. */
  readonly reservedConcurrency?: number;
  /** The failed-login table (./login-attempts-table.ts). */
  readonly loginAttemptsTable: { readonly name: string; readonly arn: string };
  /** Principals that may create FTP users: the only ones the user-secrets key lets encrypt. */
  readonly userAdministratorArns: readonly string[];
}

/**
 * The custom identity provider (Transfer Family requires one for FTP): a
 * Node.js Lambda that checks a user's password against a scrypt hash in
 * Secrets Manager and confines the user to a home prefix.
 */
export class IdentityProviderFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  /** `/aws/lambda/<function>`: one JSON line per login decision. */
  readonly logGroup: CloudwatchLogGroup;
  /** The KMS key user secrets must be encrypted with (its policy names this function's role). */
  readonly userSecretsKey: UserSecretsKey;
  readonly serverIdParameterName: string;
  private readonly options: IdentityProviderFunctionOptions;

  constructor(scope: Construct, id: string, options: IdentityProviderFunctionOptions) {
    super(scope, id);
    this.options = options;
    const functionName = `${options.namePrefix}-identity-provider`;
    const arnPrefix = (service: string) => `arn:${options.partition}:${service}:${options.region}:${options.accountId}`;
    this.serverIdParameterName = `/${options.namePrefix}/transfer-server-id`;

    const code = new NodejsFunctionAsset(this, "code", { projectRoot: options.projectRoot, entry: IDENTITY_PROVIDER_ENTRY });

    const logGroup = (this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: options.logRetentionDays,
    }));

    const role = (this.role = new IamRole(this, "role", {
      name: `${options.namePrefix}-identity-provider`,
      description: "Execution role of the Transfer Family identity-provider function",
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
    }));
    this.userSecretsKey = new UserSecretsKey(this, "user-secrets-key", {
      namePrefix: options.namePrefix,
      partition: options.partition,
      accountId: options.accountId,
      region: options.region,
      userSecretPrefix: options.userSecretPrefix,
      administratorArns: options.userAdministratorArns,
      identityProviderRoleArn: role.arn,
    });
    const userSecretsKeyArn = this.userSecretsKey.key.arn;

    const permissions = new IamRolePolicy(this, "permissions", {
      name: "identity-provider",
      role: role.id,
      policy: policyDocument([
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroup.arn}:*`,
        },
        {
          Sid: "ReadUserSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          // Secret ARNs end in "-" plus six random characters.
          Resource: `${arnPrefix("secretsmanager")}:secret:${options.userSecretPrefix}*`,
        },
        {
          // The handler checks which KMS key a user secret is encrypted with.
          Sid: "DescribeUserSecrets",
          Effect: "Allow",
          Action: "secretsmanager:DescribeSecret",
          Resource: `${arnPrefix("secretsmanager")}:secret:${options.userSecretPrefix}*`,
        },
        {
          // The handler refuses a user whose secret lacks the resource policy
          // that keeps non-administrators from restoring or rolling it back
          // (functions/identity-provider/user-secret-policy.ts).
          Sid: "ReadUserSecretPolicies",
          Effect: "Allow",
          Action: "secretsmanager:GetResourcePolicy",
          Resource: `${arnPrefix("secretsmanager")}:secret:${options.userSecretPrefix}*`,
        },
        {
          Sid: "CountFailedLogins",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          Resource: options.loginAttemptsTable.arn,
        },
        {
          // Decrypting is granted by the user-secrets key's policy. This Deny
          // keeps every other key's policy from granting it for a secret too:
          // a secret written under an attacker's key (and then moved onto
          // ours, which leaves old versions under the old key: Secrets Manager
          // user guide, "Change the encryption key for a secret") can never
          // be read. Only through Secrets Manager (kms:ViaService): the other
          // services that call KMS as this role must keep their keys -
          // DynamoDB decrypts the login-attempts table's key aws/dynamodb "on
          // behalf of the user who is accessing the DynamoDB resource" (AWS
          // KMS developer guide, "How Amazon DynamoDB uses AWS KMS"), and
          // Lambda decrypts the function's environment (aws/lambda) as its
          // execution role. An unscoped Deny refused those too: every login
          // failed closed (throttle-unavailable).
          Sid: "DecryptSecretsWithUserSecretsKeyOnly",
          Effect: "Deny",
          Action: "kms:Decrypt",
          NotResource: userSecretsKeyArn,
          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${options.region}.amazonaws.com` } },
        },
        {
          Sid: "ReadExpectedServerId",
          Effect: "Allow",
          Action: "ssm:GetParameter",
          Resource: `${arnPrefix("ssm")}:parameter${this.serverIdParameterName}`,
        },
      ]),
    });

    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: "AWS Transfer Family custom identity provider (FTP users in Secrets Manager)",
      role: role.arn,
      runtime: "nodejs22.x",
      handler: code.handler,
      filename: code.path,
      sourceCodeHash: code.sourceCodeHash,
      architectures: ["arm64"],
      // One full vCPU (Lambda gives CPU in proportion to memory, one vCPU at
      // 1,769 MB: Lambda developer guide, "Configure Lambda function memory").
      // A login is one scrypt hash of OWASP's minimum (N = 2^17, 128 MiB),
      // single-threaded CPU work: below this size it costs the same per login
      // and takes longer in proportion (3-4 s at 256 MB), above it nothing
      // is gained. `npm run bench` measures it.
      memorySize: 1769,
      timeout: 10,
      // Unset: no reservation (the provider's -1), so that low-quota accounts can deploy (config/load.ts warns otherwise).
      ...(options.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: options.reservedConcurrency } : {}),
      environment: {
        variables: {
          USER_SECRET_PREFIX: options.userSecretPrefix,
          BUCKET_NAME: options.bucketName,
          TRANSFER_ROLE_ARN: options.transferRoleArn,
          SERVER_ID_PARAMETER: this.serverIdParameterName,
          USER_HOME_ROOT: options.userHomeRoot,
          USER_SECRETS_KEY_ARN: userSecretsKeyArn,
          LOGIN_ATTEMPTS_TABLE: options.loginAttemptsTable.name,
          USER_ADMINISTRATOR_ARNS: JSON.stringify(options.userAdministratorArns),
        },
      },
      // After its policy, not only its role: IAM changes are eventually consistent (IAM user guide,
      // troubleshooting, "Changes that I make are not always immediately visible"), and the first
      // login may come as soon as the server (created after this function) is ONLINE. A login that
      // still meets an unpropagated policy is refused (server-id-unavailable, counted by the
      // broken-identity-provider alarm) and the next one works: failures are never cached.
      dependsOn: [logGroup, permissions],
    });
  }

  /**
   * Lets exactly this Transfer server invoke the function, and publishes its ID
   * for the function to check events against (it cannot be an environment
   * variable: the server references the function, a dependency cycle).
   */
  trustServer(server: { id: string; arn: string }): void {
    new LambdaPermission(this, "invoke-from-transfer", {
      statementId: "AllowTransferServerInvoke",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "transfer.amazonaws.com",
      sourceArn: server.arn,
      sourceAccount: this.options.accountId,
    });
    new SsmParameter(this, "server-id", {
      name: this.serverIdParameterName,
      description: "ID of the Transfer server the identity provider accepts events from",
      type: "String",
      value: server.id,
    });
  }
}
