// What the identity-provider function reads, made on the emulator for running its handler
// outside a deploy (the integration test of its backoff, npm run bench's login measurement):
// the user-secrets key, the login-attempts table, the server-ID parameter, and the handler's
// environment naming them as the provider stack would.
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

export interface LoginBacking {
  readonly keyArn: string;
  /** The function's environment variables, as the provider stack sets them for the example config. */
  readonly environment: Record<string, string>;
}

/** Uses the AWS SDK's default credentials and endpoint (the emulator's, from its environment). */
export async function createLoginBacking(options: {
  readonly region: string;
  readonly account: string;
  readonly serverId: string;
  readonly table: string;
  readonly administrators: readonly string[];
}): Promise<LoginBacking> {
  const client = { region: options.region };
  const keyArn = (await new KMSClient(client).send(new CreateKeyCommand({ Description: "user secrets" }))).KeyMetadata?.Arn as string;
  await new DynamoDBClient(client).send(
    new CreateTableCommand({
      TableName: options.table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "username", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "username", KeyType: "HASH" }],
    }),
  );
  const serverIdParameter = "/tf-ftp/transfer-server-id";
  await new SSMClient(client).send(new PutParameterCommand({ Name: serverIdParameter, Value: options.serverId, Type: "String" }));
  return {
    keyArn,
    environment: {
      USER_SECRET_PREFIX: "tf-ftp/users/",
      BUCKET_NAME: "tf-ftp-example-bucket",
      USER_HOME_ROOT: "/tf-ftp-example-bucket/home/",
      TRANSFER_ROLE_ARN: `arn:aws:iam::${options.account}:role/tf-ftp-transfer-s3-access`,
      SERVER_ID_PARAMETER: serverIdParameter,
      USER_SECRETS_KEY_ARN: keyArn,
      LOGIN_ATTEMPTS_TABLE: options.table,
      USER_ADMINISTRATOR_ARNS: JSON.stringify(options.administrators),
    },
  };
}
