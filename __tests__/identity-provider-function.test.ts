import "cdktf/lib/testing/adapters/jest";
import * as fs from "fs";
import * as path from "path";
import { unzipSync } from "fflate";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { configWith, PROJECT_ROOT } from "./support/config";
import { onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

describe("identity-provider function in the provider stack", () => {
  const { provider } = synthStacks(configWith());
  const fn = onlyResource(provider, "aws_lambda_function");
  const server = onlyResource(provider, "aws_transfer_server");
  const roles = resourcesOf(provider, "aws_iam_role");
  const s3Role = roles.find((r) => r.name === "tf-ftp-transfer-s3-access")!;
  const executionRole = roles.find((r) => r.name === "tf-ftp-identity-provider")!;
  // The server-ID parameter (the other one is the passive-IP restart's marker).
  const parameter = resourcesOf(provider, "aws_ssm_parameter").find((r) => r.__address.includes("identity-provider"))!;
  const key = onlyResource(provider, "aws_kms_key");
  const table = onlyResource(provider, "aws_dynamodb_table");

  test("Node.js 22 runtime, esbuild bundle packaged as an asset with its hash", () => {
    expect(provider).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "tf-ftp-identity-provider",
      runtime: "nodejs22.x",
      handler: "index.handler",
      role: ref(executionRole, "arn"),
    });
    expect(fn.filename).toMatch(/^assets\/identity-provider_code_archive_[0-9A-F]+\/[0-9A-F]{32}\/identity-provider\.zip$/);
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test("1769 MB on arm64: one full vCPU for the scrypt hash every login does (npm run bench measures the choice)", () => {
    expect(fn).toMatchObject({ memory_size: 1769, architectures: ["arm64"], timeout: 10 });
  });

  test("environment: user secret prefix, bucket, Transfer role and the server-ID parameter", () => {
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      USER_SECRET_PREFIX: "tf-ftp/users/",
      BUCKET_NAME: "tf-ftp-example-bucket",
      // Built from the role's name (no reference: the role trusts the server, which references the function).
      TRANSFER_ROLE_ARN: `arn:\${data.aws_partition.partition.partition}:iam::\${data.aws_caller_identity.account.account_id}:role/${s3Role.name}`,
      SERVER_ID_PARAMETER: "/tf-ftp/transfer-server-id",
      USER_HOME_ROOT: "/tf-ftp-example-bucket/home/",
      USER_SECRETS_KEY_ARN: ref(key, "arn"),
      LOGIN_ATTEMPTS_TABLE: ref(table, "name"),
      // What the user secrets' resource policy may except (the handler refuses any other).
      USER_ADMINISTRATOR_ARNS: JSON.stringify(["arn:aws:iam::123456789012:role/ftp-user-admin"]),
    });
    expect(parameter).toMatchObject({ name: "/tf-ftp/transfer-server-id", type: "String", value: ref(server, "id") });
  });

  test("a custom secret prefix from the config reaches both the environment and the grant", () => {
    const { provider: custom } = synthStacks(configWith({ provider: { userSecretPrefix: "ftp/prod-users/" } }));
    const customFn = onlyResource(custom, "aws_lambda_function");
    expect((customFn.environment as { variables: Record<string, string> }).variables.USER_SECRET_PREFIX).toBe("ftp/prod-users/");
    expect(custom).toContain(":secret:ftp/prod-users/*");
  });

  test("the function is created after its role's policy, not only its role (IAM propagation before the first login)", () => {
    const policy = resourcesOf(provider, "aws_iam_role_policy").find((p) => p.role === ref(executionRole, "id"))!;
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
    expect(fn.depends_on).toEqual([logGroup.__address, policy.__address]);
  });

  test("reserved concurrency: none by default (a reservation fails on accounts with a low quota), opt-in within 1-1000", () => {
    expect(fn).not.toHaveProperty("reserved_concurrent_executions");
    const { provider: custom } = synthStacks(configWith({ provider: { identityProvider: { reservedConcurrency: 50 } } }));
    expect(onlyResource(custom, "aws_lambda_function").reserved_concurrent_executions).toBe(50);
  });

  test("login-attempts table: on demand, hash key username, TTL on expiresAt, encrypted", () => {
    expect(table).toMatchObject({
      name: "tf-ftp-login-attempts",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "username",
      attribute: [{ name: "username", type: "S" }],
      ttl: { enabled: true, attribute_name: "expiresAt" },
      server_side_encryption: { enabled: true },
    });
  });

  test("user-secrets key: rotated, aliased, its policy names the administrators and this role", () => {
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(provider, "aws_kms_alias")).toMatchObject({ name: "alias/tf-ftp-user-secrets", target_key_id: ref(key, "key_id") });
    const policy = JSON.parse(key.policy as string);
    const sids = policy.Statement.map((st: { Sid: string }) => st.Sid);
    expect(sids).toEqual([
      "EnableIamUserPermissions",
      "AdministratorsWriteAndReadUserSecrets",
      "IdentityProviderReadsUserSecrets",
      "NobodyElseEncrypts",
      "NobodyElseDecrypts",
    ]);
    expect(policy.Statement[1].Principal).toEqual({ AWS: ["arn:aws:iam::123456789012:role/ftp-user-admin"] });
    expect(policy.Statement[2].Principal).toEqual({ AWS: ref(executionRole, "arn") });
  });

  test("only this Transfer server may invoke it", () => {
    expect(provider).toHaveResourceWithProperties(LambdaPermission, {
      action: "lambda:InvokeFunction",
      principal: "transfer.amazonaws.com",
      function_name: ref(fn, "function_name"),
      source_arn: ref(server, "arn"),
      source_account: "${data.aws_caller_identity.account.account_id}",
    });
  });

  test("execution role: own logs, the user secrets (read, describe), the failed-login table, decrypt secrets with the user key only, the one parameter", () => {
    const policy = resourcesOf(provider, "aws_iam_role_policy").find((p) => p.role === ref(executionRole, "id"))!;
    const statements = JSON.parse(policy.policy as string).Statement;
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
    const arn = (service: string) => `arn:\${data.aws_partition.partition.partition}:${service}:ap-northeast-1:\${data.aws_caller_identity.account.account_id}`;
    expect(statements).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${ref(logGroup, "arn")}:*` },
      { Sid: "ReadUserSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `${arn("secretsmanager")}:secret:tf-ftp/users/*` },
      { Sid: "DescribeUserSecrets", Effect: "Allow", Action: "secretsmanager:DescribeSecret", Resource: `${arn("secretsmanager")}:secret:tf-ftp/users/*` },
      { Sid: "ReadUserSecretPolicies", Effect: "Allow", Action: "secretsmanager:GetResourcePolicy", Resource: `${arn("secretsmanager")}:secret:tf-ftp/users/*` },
      { Sid: "CountFailedLogins", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Resource: ref(table, "arn") },
      {
        Sid: "DecryptSecretsWithUserSecretsKeyOnly",
        Effect: "Deny",
        Action: "kms:Decrypt",
        NotResource: ref(key, "arn"),
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com" } },
      },
      { Sid: "ReadExpectedServerId", Effect: "Allow", Action: "ssm:GetParameter", Resource: `${arn("ssm")}:parameter/tf-ftp/transfer-server-id` },
    ]);
    expect(logGroup).toMatchObject({ name: "/aws/lambda/tf-ftp-identity-provider", retention_in_days: 30 });
    expect(executionRole.assume_role_policy).toContain("lambda.amazonaws.com");
  });

  test("the archive holds only the bundled handler, with the AWS SDK left to the runtime", () => {
    const zip = path.join(PROJECT_ROOT, ".build", "assets", "identity-provider.zip");
    const files = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    expect(Object.keys(files)).toEqual(["index.js"]);
    const code = Buffer.from(files["index.js"]).toString("utf8");
    expect(code).toContain("exports");
    expect(code).toContain("@aws-sdk/client-secrets-manager");
    expect(code).not.toContain(PROJECT_ROOT);
  });
});
