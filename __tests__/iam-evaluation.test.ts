// Every IAM policy the stacks synthesize, evaluated as AWS would evaluate it.
//
// Policies come from the synthesized JSON of both stacks, with Terraform
// references replaced by concrete values in one place
// (resolveReference in ./support/iam-simulator.ts). The session policy comes
// from the real identity-provider handler, run with the environment the stack
// gives the Lambda. Requests are the ones AWS documents for each caller:
// - Transfer assumes the user role "in the context of a Transfer user ARN"
//   (aws:SourceArn arn:<p>:transfer:<region>:<account>:user/<server-id>/<user>)
//   (AWS Transfer Family user guide, "Cross-service confused deputy prevention",
//   awsdocs/aws-transfer-user-guide doc_source/confused-deputy.md). The server
//   has no role of its own (no logging role: structured logs need none).
// - Transfer invokes the identity provider as transfer.amazonaws.com with
//   AWS:SourceArn = the server ARN and AWS:SourceAccount (Lambda developer
//   guide, "Working with resource-based IAM policies in Lambda"; the Transfer
//   user guide, "Using AWS Lambda to integrate your identity provider").
// - A user's S3 requests run in the user-role session narrowed by the session
//   policy: allowed only if both allow (IAM user guide, "Policy evaluation
//   logic", session policies; Transfer user guide, "Example session policy").
// - Lambda and EC2 assume their execution/instance roles as lambda.amazonaws.com
//   and ec2.amazonaws.com.
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { handler, resetCachesForTests, setLookupFloorForTests } from "../functions/identity-provider/handler";
// The handler's logic without its lookup floor (the floor's timing is tested in identity-provider.test.ts and on the emulator).
setLookupFloorForTests(0);
import { hashPassword } from "../functions/identity-provider/password-hash";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { recordScrypt } from "./support/scrypt-recorder";
import { configWith } from "./support/config";
import { awsManagedKey, AwsManagedKeyAlias } from "../lib/aws-managed-key-policies";
import {
  assumeRole,
  Decision,
  evaluatedAddresses,
  evaluateOnBehalfKms,
  evaluateSession,
  invokeFunction,
  OTHER_ACCOUNT,
  OTHER_SERVER_ID,
  sessionOf,
  SynthesizedIam,
  WORLD,
} from "./support/iam-simulator";
import { onlyResource, synthStacks } from "./support/synth";

const config = configWith();
const synthesized = synthStacks(config);
const provider = new SynthesizedIam(synthesized.provider, WORLD);
const consumer = new SynthesizedIam(synthesized.consumer, WORLD);
const { partition: P, region: R, accountId: A, serverId: S } = WORLD;
const BUCKET = config.provider.bucketName;
const bucketArn = `arn:${P}:s3:::${BUCKET}`;
const TRANSFER = "transfer.amazonaws.com";

const userArn = (user: string, server = S, account = A) => `arn:${P}:transfer:${R}:${account}:user/${server}/${user}`;
const serverArn = (server = S, account = A) => `arn:${P}:transfer:${R}:${account}:server/${server}`;

const ALLOWED: Decision = "Allowed";
const DENIED = expect.stringMatching(/^(Implicitly|Explicitly)Denied$/);

describe("the S3 access role Transfer assumes for authenticated users", () => {
  const role = provider.roleNamed(`${config.namePrefix}-transfer-s3-access`);

  test("Transfer may assume it for a user of this server", async () => {
    expect(await assumeRole(role, { service: TRANSFER, sourceArn: userArn("alice"), sourceAccount: A })).toBe(ALLOWED);
  });
  test("not for a user of another server, nor of another account, nor with another SourceAccount", async () => {
    expect(await assumeRole(role, { service: TRANSFER, sourceArn: userArn("alice", OTHER_SERVER_ID), sourceAccount: A })).toEqual(DENIED);
    expect(await assumeRole(role, { service: TRANSFER, sourceArn: userArn("alice", S, OTHER_ACCOUNT), sourceAccount: OTHER_ACCOUNT })).toEqual(DENIED);
    expect(await assumeRole(role, { service: TRANSFER, sourceArn: userArn("alice"), sourceAccount: OTHER_ACCOUNT })).toEqual(DENIED);
  });
  test("not in the context of the server, nor by another service", async () => {
    expect(await assumeRole(role, { service: TRANSFER, sourceArn: serverArn(), sourceAccount: A })).toEqual(DENIED);
    expect(await assumeRole(role, { service: "lambda.amazonaws.com", sourceArn: userArn("alice"), sourceAccount: A })).toEqual(DENIED);
  });
});

describe("the identity provider function", () => {
  const role = provider.roleNamed(`${config.namePrefix}-identity-provider`);
  const [permission] = provider.lambdaPermissions();
  const secret = (name: string) => `arn:${P}:secretsmanager:${R}:${A}:secret:${name}-AbCdEf`;
  const parameter = (name: string) => `arn:${P}:ssm:${R}:${A}:parameter${name}`;
  const logGroup = `arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/${config.namePrefix}-identity-provider`;

  test("this server may invoke it; another server, another account's server, another SourceAccount may not", async () => {
    expect(provider.lambdaPermissions()).toHaveLength(1);
    expect(await invokeFunction(permission, { service: TRANSFER, sourceArn: serverArn(), sourceAccount: A })).toBe(ALLOWED);
    expect(await invokeFunction(permission, { service: TRANSFER, sourceArn: serverArn(OTHER_SERVER_ID), sourceAccount: A })).toEqual(DENIED);
    expect(await invokeFunction(permission, { service: TRANSFER, sourceArn: serverArn(S, OTHER_ACCOUNT), sourceAccount: OTHER_ACCOUNT })).toEqual(DENIED);
    expect(await invokeFunction(permission, { service: TRANSFER, sourceArn: serverArn(), sourceAccount: OTHER_ACCOUNT })).toEqual(DENIED);
    expect(await invokeFunction(permission, { service: "apigateway.amazonaws.com", sourceArn: serverArn(), sourceAccount: A })).toEqual(DENIED);
  });

  test("Lambda (only) may assume its execution role", async () => {
    expect(await assumeRole(role, { service: "lambda.amazonaws.com" })).toBe(ALLOWED);
    expect(await assumeRole(role, { service: TRANSFER })).toEqual(DENIED);
  });

  test("it reads its users' secrets (the prefix) and nothing else", async () => {
    const session = sessionOf(role);
    const prefix = `${config.namePrefix}/users/`;
    expect(await evaluateSession(session, { action: "secretsmanager:GetSecretValue", resource: secret(`${prefix}alice`) })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "secretsmanager:GetSecretValue", resource: secret("prod/database") })).toEqual(DENIED);
    // A sibling that shares the prefix without its slash.
    expect(await evaluateSession(session, { action: "secretsmanager:GetSecretValue", resource: secret(`${config.namePrefix}/users-admin`) })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "secretsmanager:PutSecretValue", resource: secret(`${prefix}alice`) })).toEqual(DENIED);
  });

  test("it reads its one SSM parameter, no other", async () => {
    const session = sessionOf(role);
    const own = `/${config.namePrefix}/transfer-server-id`;
    expect(await evaluateSession(session, { action: "ssm:GetParameter", resource: parameter(own) })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "ssm:GetParameter", resource: parameter(`${own}-old`) })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "ssm:GetParameter", resource: parameter(`/${config.namePrefix}/smoke/x`) })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "ssm:PutParameter", resource: parameter(own) })).toEqual(DENIED);
  });

  test("it writes its own log group only", async () => {
    const session = sessionOf(role);
    expect(await evaluateSession(session, { action: "logs:PutLogEvents", resource: `${logGroup}:log-stream:2026/12/01/[$LATEST]abc` })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "logs:CreateLogStream", resource: `${logGroup}:log-stream:x` })).toBe(ALLOWED);
    const transferLogs = `arn:${P}:logs:${R}:${A}:log-group:/aws/transfer/${config.namePrefix}-ftp:log-stream:x`;
    expect(await evaluateSession(session, { action: "logs:PutLogEvents", resource: transferLogs })).toEqual(DENIED);
  });
});

/**
 * What an authenticated FTP user may do in S3: the user role's policies
 * intersected with the session policy the real handler returns.
 */
describe("an authenticated user's effective S3 permissions", () => {
  const role = provider.roleNamed(`${config.namePrefix}-transfer-s3-access`);
  const secrets = mockClient(SecretsManagerClient);
  const ssm = mockClient(SSMClient);
  const dynamodb = mockClient(DynamoDBClient);
  const savedEnv = { ...process.env };
  let login: { Role?: string; Policy?: string };

  beforeAll(async () => {
    // The environment the stack gives the Lambda, resolved like the policies.
    const fn = onlyResource(synthesized.provider, "aws_lambda_function");
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    for (const [key, value] of Object.entries(variables)) process.env[key] = provider.resolve(value);
    const password = "Wonderland-42!";
    const scrypt = recordScrypt("fast");
    const passwordHash = await hashPassword(password);
    resetCachesForTests();
    ssm.on(GetParameterCommand, { Name: process.env.SERVER_ID_PARAMETER }).resolves({ Parameter: { Value: S } });
    secrets
      .on(GetSecretValueCommand, { SecretId: `${process.env.USER_SECRET_PREFIX}alice` })
      .resolves({ SecretString: JSON.stringify({ passwordHash }) });
    // Encrypted with the user-secrets key (the handler checks), no failed logins on record.
    secrets
      .on(DescribeSecretCommand, { SecretId: `${process.env.USER_SECRET_PREFIX}alice` })
      .resolves({ Name: `${process.env.USER_SECRET_PREFIX}alice`, KmsKeyId: process.env.USER_SECRETS_KEY_ARN });
    // Protected as `npm run users` protects it: only the configured administrators may change it.
    secrets
      .on(GetResourcePolicyCommand, { SecretId: `${process.env.USER_SECRET_PREFIX}alice` })
      .resolves({ ResourcePolicy: JSON.stringify(userSecretPolicy(JSON.parse(process.env.USER_ADMINISTRATOR_ARNS as string))) });
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "1" } } });
    dynamodb.on(DeleteItemCommand).resolves({});
    const log = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    login = await handler({ username: "alice", password, protocol: "FTP", serverId: S, sourceIp: "10.0.3.119" });
    log.mockRestore();
    scrypt.restore();
  });
  afterAll(() => {
    process.env = savedEnv;
    secrets.restore();
    ssm.restore();
    dynamodb.restore();
  });

  const asAlice = () => sessionOf(role, JSON.parse(login.Policy as string));
  const object = (key: string) => `${bucketArn}/${key}`;

  test("the handler returns this role (whose trust was evaluated above) and a session policy", () => {
    expect(login.Role).toBe(role.arn);
    expect(typeof login.Policy).toBe("string");
  });

  test.each([
    "s3:PutObject",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:GetObjectVersion",
    // A large upload Transfer cannot finish is aborted; a resumed one lists its parts.
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
  ])("%s inside the home is allowed", async (action) => {
    expect(await evaluateSession(asAlice(), { action, resource: object("home/alice/report.csv") })).toBe(ALLOWED);
    expect(await evaluateSession(asAlice(), { action, resource: object("home/alice/sub/dir/file.bin") })).toBe(ALLOWED);
  });

  test.each(["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"])(
    "%s outside the home is denied: another user, a sibling sharing the prefix as a string, the bucket root",
    async (action) => {
      expect(await evaluateSession(asAlice(), { action, resource: object("home/bob/report.csv") })).toEqual(DENIED);
      expect(await evaluateSession(asAlice(), { action, resource: object("home/alice2/report.csv") })).toEqual(DENIED);
      expect(await evaluateSession(asAlice(), { action, resource: object("top-level.txt") })).toEqual(DENIED);
      expect(await evaluateSession(asAlice(), { action, resource: `arn:${P}:s3:::another-bucket/home/alice/x` })).toEqual(DENIED);
    },
  );

  test("listing: the home and below, not the bucket root, not a sibling, not another bucket", async () => {
    const list = (prefix: string | undefined, bucket = bucketArn) =>
      evaluateSession(asAlice(), { action: "s3:ListBucket", resource: bucket, context: prefix === undefined ? {} : { "s3:prefix": prefix } });
    expect(await list("home/alice/")).toBe(ALLOWED);
    expect(await list("home/alice/sub/")).toBe(ALLOWED);
    expect(await list("")).toEqual(DENIED);
    expect(await list(undefined)).toEqual(DENIED);
    expect(await list("home/")).toEqual(DENIED);
    expect(await list("home/alice2/")).toEqual(DENIED);
    // S3 matches a list prefix as a string: "home/alice" (no slash) would also
    // return the keys of home/alice2/..., so it must be refused, as must "home/alice2".
    expect(await list("home/alice")).toEqual(DENIED);
    expect(await list("home/alice2")).toEqual(DENIED);
    expect(await list("home/alice-")).toEqual(DENIED);
    expect(await list("home/bob/")).toEqual(DENIED);
    expect(await list("home/alice/", `arn:${P}:s3:::another-bucket`)).toEqual(DENIED);
  });

  test("without the session policy the role alone reaches the whole bucket (why the session policy matters)", async () => {
    const roleOnly = sessionOf(role);
    expect(await evaluateSession(roleOnly, { action: "s3:GetObject", resource: object("home/bob/report.csv") })).toBe(ALLOWED);
    expect(await evaluateSession(roleOnly, { action: "s3:GetObject", resource: `arn:${P}:s3:::another-bucket/x` })).toEqual(DENIED);
  });

  test("the session policy alone grants nothing the role does not (intersection)", async () => {
    // s3:PutObjectAcl is in neither; a bucket-level action outside the role stays denied.
    expect(await evaluateSession(asAlice(), { action: "s3:PutObjectAcl", resource: object("home/alice/x") })).toEqual(DENIED);
    expect(await evaluateSession(asAlice(), { action: "s3:DeleteBucket", resource: bucketArn })).toEqual(DENIED);
  });
});

describe("the consumer's FTP client instance role", () => {
  const role = consumer.roleNamed(`${config.namePrefix}-ftp-client`);
  const parameter = (name: string) => `arn:${P}:ssm:${R}:${A}:parameter${name}`;

  test("EC2 (only) may assume it", async () => {
    expect(await assumeRole(role, { service: "ec2.amazonaws.com" })).toBe(ALLOWED);
    expect(await assumeRole(role, { service: "lambda.amazonaws.com" })).toEqual(DENIED);
  });

  // The key policy and the decrypt path are evaluated in __tests__/client-instance-iam.test.ts.
  test("no managed policy: it reads only the smoke parameters, and the SSM agent's channels still work", async () => {
    const session = sessionOf(role);
    expect(role.managedPolicyArns).toEqual([]);
    expect(await evaluateSession(session, { action: "ssm:GetParameter", resource: parameter(`/${config.namePrefix}/smoke/0b6e`) })).toBe(ALLOWED);
    for (const action of ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]) {
      expect(await evaluateSession(session, { action, resource: parameter(`/${config.namePrefix}/transfer-server-id`) })).toEqual(DENIED);
      expect(await evaluateSession(session, { action, resource: parameter("/prod/database-password") })).toEqual(DENIED);
    }
    expect(await evaluateSession(session, { action: "ssm:UpdateInstanceInformation", resource: `arn:${P}:ec2:${R}:${A}:instance/i-0123456789abcdef0` })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "ssmmessages:OpenControlChannel", resource: "*" })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "ec2messages:GetMessages", resource: "*" })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "s3:GetObject", resource: `arn:${P}:s3:::any-bucket/any-key` })).toEqual(DENIED);
  });
});

// provider.restartResource "lambda": the restart function's role.
const lambdaRestart = new SynthesizedIam(synthStacks(configWith({ provider: { restartResource: "lambda" } })).provider, WORLD);

describe("the passive-IP restart function (restartResource lambda)", () => {
  const role = lambdaRestart.roleNamed(`${config.namePrefix}-passive-ip-restart`);
  const marker = (server = S) => `arn:${P}:ssm:${R}:${A}:parameter/${config.namePrefix}/transfer/${server}/passive-ip-in-effect`;
  const logGroup = `arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/${config.namePrefix}-passive-ip-restart`;

  test("Lambda (only) may assume its execution role", async () => {
    expect(await assumeRole(role, { service: "lambda.amazonaws.com" })).toBe(ALLOWED);
    expect(await assumeRole(role, { service: TRANSFER })).toEqual(DENIED);
  });

  test("it may describe, stop and start this server, not another, and nothing else of Transfer", async () => {
    const session = sessionOf(role);
    for (const action of ["transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"]) {
      expect(await evaluateSession(session, { action, resource: serverArn() })).toBe(ALLOWED);
      expect(await evaluateSession(session, { action, resource: serverArn(OTHER_SERVER_ID) })).toEqual(DENIED);
      expect(await evaluateSession(session, { action, resource: serverArn(S, OTHER_ACCOUNT) })).toEqual(DENIED);
    }
    expect(await evaluateSession(session, { action: "transfer:UpdateServer", resource: serverArn() })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "transfer:DeleteServer", resource: serverArn() })).toEqual(DENIED);
  });

  test("it reads and writes this server's marker only", async () => {
    const session = sessionOf(role);
    expect(await evaluateSession(session, { action: "ssm:GetParameter", resource: marker() })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "ssm:PutParameter", resource: marker() })).toBe(ALLOWED);
    expect(await evaluateSession(session, { action: "ssm:PutParameter", resource: marker(OTHER_SERVER_ID) })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "ssm:PutParameter", resource: `arn:${P}:ssm:${R}:${A}:parameter/${config.namePrefix}/transfer-server-id` })).toEqual(DENIED);
    expect(await evaluateSession(session, { action: "ssm:DeleteParameter", resource: marker() })).toEqual(DENIED);
  });

  test("it may describe VPC endpoints (the endpoint wait; EC2 Describe* has no resource-level permissions), and change none", async () => {
    const session = sessionOf(role);
    expect(await evaluateSession(session, { action: "ec2:DescribeVpcEndpoints", resource: "*" })).toBe(ALLOWED);
    const endpoint = `arn:${P}:ec2:${R}:${A}:vpc-endpoint/vpce-0123456789abcdef0`;
    for (const action of ["ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint", "ec2:DescribeInstances"]) {
      expect(await evaluateSession(session, { action, resource: action === "ec2:DescribeInstances" ? "*" : endpoint })).toEqual(DENIED);
    }
  });

  test("it writes its own log group only", async () => {
    const session = sessionOf(role);
    expect(await evaluateSession(session, { action: "logs:PutLogEvents", resource: `${logGroup}:log-stream:x` })).toBe(ALLOWED);
    const other = `arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/${config.namePrefix}-identity-provider:log-stream:x`;
    expect(await evaluateSession(session, { action: "logs:PutLogEvents", resource: other })).toEqual(DENIED);
  });
});

/**
 * The KMS calls AWS services make on a role's behalf. KMS judges each as a call
 * by that role: the role's policies (an explicit Deny included) and the key
 * policy decide, with kms:ViaService naming the service and kms:CallerAccount
 * the role's account. The AWS managed keys' policies come from
 * lib/aws-managed-key-policies.json (each with its source). Where a stack makes
 * such a call possible is listed in ON_BEHALF_KMS_USES; the last test of this
 * block finds every KMS use in the synthesized stacks and requires an entry.
 */
describe("KMS calls services make on behalf of the stacks' roles", () => {
  const clientOn = new SynthesizedIam(synthStacks(configWith({ consumer: { client: { enabled: true } } })).consumer, WORLD);
  const managed = (alias: AwsManagedKeyAlias) => {
    const key = awsManagedKey(alias, WORLD);
    // An AWS managed key's ID is AWS's; its ARN has the usual key form.
    return { arn: `arn:${P}:kms:${R}:${A}:key/0000${alias.length}aaa-1111-4222-8333-444455556666`, policy: key.policy };
  };
  const idp = () => sessionOf(provider.roleNamed(`${config.namePrefix}-identity-provider`));
  const userSecretsKey = () => provider.kmsKeyWithAlias(`alias/${config.namePrefix}-user-secrets`);
  const smokeKey = () => clientOn.kmsKeyWithAlias(`alias/${config.namePrefix}-smoke-password`);
  const userSecret = `arn:${P}:secretsmanager:${R}:${A}:secret:${config.namePrefix}/users/alice-AbCdEf`;
  const smokeParameter = `arn:${P}:ssm:${R}:${A}:parameter/${config.namePrefix}/smoke/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b`;

  test("DynamoDB decrypts the login-attempts table's key (aws/dynamodb) as the identity provider: allowed (services-dynamodb.md)", async () => {
    // GetItem, UpdateItem and DeleteItem on an aws/dynamodb table make DynamoDB decrypt the
    // table key "on behalf of the user who is accessing the DynamoDB resource".
    expect(await evaluateOnBehalfKms(idp(), { via: "dynamodb", action: "kms:Decrypt", key: managed("aws/dynamodb") })).toBe(ALLOWED);
  });

  test("Lambda decrypts the function's environment (aws/lambda) as its execution role: allowed without any KMS permission (configuration-envvars.md)", async () => {
    expect(await evaluateOnBehalfKms(idp(), { via: "lambda", action: "kms:Decrypt", key: managed("aws/lambda") })).toBe(ALLOWED);
  });

  test("Secrets Manager decrypts a user secret with the user-secrets key for the identity provider (services-secrets-manager.md)", async () => {
    const call = { via: "secretsmanager", action: "kms:Decrypt", key: userSecretsKey(), encryptionContext: { SecretARN: userSecret } };
    expect(await evaluateOnBehalfKms(idp(), call)).toBe(ALLOWED);
  });

  test("a secret under any other key is never read through Secrets Manager: aws/secretsmanager, or a key whose policy grants the role", async () => {
    const context = { SecretARN: userSecret };
    expect(await evaluateOnBehalfKms(idp(), { via: "secretsmanager", action: "kms:Decrypt", key: managed("aws/secretsmanager"), encryptionContext: context })).toBe(
      "ExplicitlyDenied",
    );
    const attackerKey = {
      arn: `arn:${P}:kms:${R}:${A}:key/ffffffff-1111-4222-8333-444455556666`,
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: idp().roleArn }, Action: "kms:Decrypt", Resource: "*" }] },
    };
    expect(await evaluateOnBehalfKms(idp(), { via: "secretsmanager", action: "kms:Decrypt", key: attackerKey, encryptionContext: context })).toBe("ExplicitlyDenied");
  });

  test("user administrators (npm run users) write and read user secrets: GenerateDataKey and Decrypt through Secrets Manager, granted by the key policy alone", async () => {
    // An administrator of the key's own account (the example's is in another account).
    const admin = `arn:${P}:iam::${A}:role/ftp-user-admin`;
    const ownAccount = new SynthesizedIam(synthStacks(configWith({ provider: { userAdministratorArns: [admin] } })).provider, WORLD);
    const key = ownAccount.kmsKeyWithAlias(`alias/${config.namePrefix}-user-secrets`);
    const administrator = { policies: [], addresses: [] };
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
      const call = { via: "secretsmanager", action, key, encryptionContext: { SecretARN: userSecret }, principal: admin };
      expect(await evaluateOnBehalfKms(administrator, call)).toBe(ALLOWED);
    }
  });

  test("Parameter Store decrypts a smoke password (SecureString, smoke-password key) for the client instance (services-parameter-store.md)", async () => {
    const call = { via: "ssm", action: "kms:Decrypt", key: smokeKey(), encryptionContext: { PARAMETER_ARN: smokeParameter } };
    expect(await evaluateOnBehalfKms(sessionOf(clientOn.roleNamed(`${config.namePrefix}-ftp-client`)), call)).toBe(ALLOWED);
  });

  test("an operator (npm run smoke) stores it: GenerateDataKey for an advanced SecureString, with the permissions the README lists", async () => {
    const operatorPolicy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: smokeKey().arn }],
    };
    const operator = { policies: [{ name: "operator", policy: operatorPolicy }], addresses: [] };
    const call = {
      via: "ssm",
      action: "kms:GenerateDataKey",
      key: smokeKey(),
      encryptionContext: { PARAMETER_ARN: smokeParameter },
      principal: `arn:${P}:iam::${A}:role/ftp-operator`,
    };
    expect(await evaluateOnBehalfKms(operator, call)).toBe(ALLOWED);
  });

  test("every KMS use in the synthesized stacks has its on-behalf call evaluated above", () => {
    const uses = new Set<string>();
    for (const stack of [synthesized.provider, synthesized.consumer, synthStacks(configWith({ provider: { restartResource: "lambda" } })).provider]) {
      const resources = (JSON.parse(stack).resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
      const each = (type: string) => Object.values(resources[type] ?? {});
      for (const table of each("aws_dynamodb_table")) {
        const sse = table.server_side_encryption as { enabled?: boolean; kms_key_arn?: string } | undefined;
        if (sse?.enabled) uses.add(sse.kms_key_arn ? "dynamodb: customer key" : "dynamodb: aws/dynamodb");
      }
      for (const fn of each("aws_lambda_function")) if (fn.environment) uses.add(fn.kms_key_arn ? "lambda: customer key" : "lambda: aws/lambda");
      // CloudWatch Logs encrypts without a key of the account unless kms_key_id is set; then the
      // logs service principal, not the caller, uses it (CloudWatch Logs user guide, encrypt-log-data-kms).
      for (const group of each("aws_cloudwatch_log_group")) if (group.kms_key_id) uses.add("logs: customer key");
      for (const topic of each("aws_sns_topic")) if (topic.kms_master_key_id) uses.add("sns: key");
      for (const parameter of each("aws_ssm_parameter")) if (parameter.type !== "String") uses.add(`ssm: ${String(parameter.type)}`);
    }
    for (const stack of [provider, clientOn]) {
      for (const key of stack.kmsKeys()) {
        const alias = [`alias/${config.namePrefix}-user-secrets`, `alias/${config.namePrefix}-smoke-password`].find((name) => stack.kmsKeyWithAlias(name, false)?.address === key.address);
        uses.add(`customer key ${alias ?? key.address}`);
      }
    }
    // What the tests above evaluate, per use.
    expect([...uses].sort()).toEqual([
      "customer key alias/tf-ftp-smoke-password", // Parameter Store for the client instance and operators
      "customer key alias/tf-ftp-user-secrets", // Secrets Manager for the identity provider and administrators
      "dynamodb: aws/dynamodb",
      "lambda: aws/lambda",
    ]);
  });
});

// Runs last (jest runs a file's tests in order): every role, inline policy and
// Lambda permission the stacks emit must have been evaluated above, so a new
// one cannot be added without an evaluation case.
test("every aws_iam_role, aws_iam_role_policy and aws_lambda_permission of both stacks was evaluated", () => {
  const emitted = [provider, consumer, lambdaRestart].flatMap((stack) =>
    ["aws_iam_role", "aws_iam_role_policy", "aws_lambda_permission"].flatMap((type) => stack.addresses(type)),
  );
  expect(emitted.length).toBeGreaterThanOrEqual(8);
  expect(emitted.filter((address) => !evaluatedAddresses.has(address))).toEqual([]);
});
