// IAM evaluation of the user store's policies,
// taken from the synthesized provider stack and evaluated with
// @cloud-copilot/iam-simulate (AGPL-3.0, tests only).
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { awsManagedKey } from "../lib/aws-managed-key-policies";
import { configWith } from "./support/config";
import { onlyResource, resourcesOf, synthStacks, type Synthesized } from "./support/synth";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/ftp-user-admin`;
const IDP_ROLE = `arn:aws:iam::${ACCOUNT}:role/tf-ftp-identity-provider`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/power-user`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/tf-ftp-login-attempts`;
const USER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:tf-ftp/users/alice-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db/password-AbCdEf`;
const VIA_SECRETS_MANAGER = `secretsmanager.${REGION}.amazonaws.com`;

const { provider } = synthStacks(configWith());

/** The synthesized JSON with Terraform references replaced by the values they take in this account. */
function resolved(json: string): object {
  const key = onlyResource(provider, "aws_kms_key");
  const table = onlyResource(provider, "aws_dynamodb_table");
  const role = resourcesOf(provider, "aws_iam_role").find((r) => r.name === "tf-ftp-identity-provider")!;
  const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
  const refs: Record<string, string> = {
    "${data.aws_partition.partition.partition}": "aws",
    "${data.aws_caller_identity.account.account_id}": ACCOUNT,
    [`\${${key.__address}.arn}`]: KEY_ARN,
    [`\${${table.__address}.arn}`]: TABLE_ARN,
    [`\${${role.__address}.arn}`]: IDP_ROLE,
    [`\${${logGroup.__address}.arn}`]: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/tf-ftp-identity-provider`,
  };
  let text = json;
  for (const [ref, value] of Object.entries(refs)) text = text.split(ref).join(value);
  expect(text).not.toContain("${"); // every reference resolved
  return JSON.parse(text);
}

// iam-simulate 0.1.173 resolves variable condition keys only in the "prefix/name"
// form (aws:RequestTag/<tag>); it drops kms:EncryptionContext:<key> from the
// request as unknown. The evaluation renames that one key, in the policy and in
// the request alike (same operator, same values), and `decide` fails on any
// other context key the simulator would drop.
const ENCRYPTION_CONTEXT_SECRET_ARN = "kms:EncryptionContext:SecretARN";
const SIMULATOR_SECRET_ARN_KEY = "aws:RequestTag/SecretARN";
const keyPolicyJson = onlyResource(provider, "aws_kms_key").policy as string;
expect(keyPolicyJson).toContain(`"${ENCRYPTION_CONTEXT_SECRET_ARN}"`);
const keyPolicy = resolved(keyPolicyJson.split(`"${ENCRYPTION_CONTEXT_SECRET_ARN}"`).join(`"${SIMULATOR_SECRET_ARN_KEY}"`));
const executionRole = resourcesOf(provider, "aws_iam_role").find((r) => r.name === "tf-ftp-identity-provider") as Synthesized;
const idpPolicy = resolved(
  resourcesOf(provider, "aws_iam_role_policy").find((p) => p.role === `\${${executionRole.__address}.id}`)!.policy as string,
);
const ALLOW_ALL_KMS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };

async function decide(options: {
  principal: string;
  action: string;
  resource: string;
  identityPolicies?: object[];
  resourcePolicy?: object;
  context?: Record<string, string>;
}): Promise<string> {
  const simulation: Simulation = {
    request: {
      principal: options.principal,
      action: options.action,
      resource: { resource: options.resource, accountId: ACCOUNT },
      contextVariables: { "aws:PrincipalArn": options.principal, ...(options.context ?? {}) },
    },
    identityPolicies: (options.identityPolicies ?? []).map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
  } as Simulation;
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
  if (response.resultType === "single") expect(response.result.ignoredContextKeys ?? []).toEqual([]);
  return response.overallResult;
}

// Secrets Manager's encryption context names the secret (Secrets Manager user guide, "Secrets Manager encryption context").
const viaSecretsManager = (secretArn: string) => ({ "kms:ViaService": VIA_SECRETS_MANAGER, [SIMULATOR_SECRET_ARN_KEY]: secretArn });

describe("the user-secrets key policy (finding 7)", () => {
  const onKey = (principal: string, action: string, context: Record<string, string> = {}, identityPolicies: object[] = []) =>
    decide({ principal, action, resource: KEY_ARN, resourcePolicy: keyPolicy, context, identityPolicies });

  test("an administrator may encrypt a user secret through Secrets Manager (and read it back)", async () => {
    await expect(onKey(ADMIN, "kms:GenerateDataKey", viaSecretsManager(USER_SECRET))).resolves.toBe("Allowed");
    await expect(onKey(ADMIN, "kms:Decrypt", viaSecretsManager(USER_SECRET))).resolves.toBe("Allowed");
  });

  test("an administrator may not use the key directly, or for a secret outside the user prefix", async () => {
    await expect(onKey(ADMIN, "kms:GenerateDataKey")).resolves.toBe("ImplicitlyDenied");
    await expect(onKey(ADMIN, "kms:GenerateDataKey", viaSecretsManager(OTHER_SECRET))).resolves.toBe("ImplicitlyDenied");
  });

  test("the identity provider may decrypt only through Secrets Manager, only user secrets, and never encrypt", async () => {
    await expect(onKey(IDP_ROLE, "kms:Decrypt", viaSecretsManager(USER_SECRET), [idpPolicy])).resolves.toBe("Allowed");
    await expect(onKey(IDP_ROLE, "kms:Decrypt", {}, [idpPolicy])).resolves.toBe("ImplicitlyDenied");
    await expect(onKey(IDP_ROLE, "kms:Decrypt", viaSecretsManager(OTHER_SECRET), [idpPolicy])).resolves.toBe("ImplicitlyDenied");
    await expect(onKey(IDP_ROLE, "kms:GenerateDataKey", viaSecretsManager(USER_SECRET), [idpPolicy])).resolves.toBe("ExplicitlyDenied");
  });

  test("another principal of the account may not encrypt or decrypt, even with kms:* in its IAM policy", async () => {
    await expect(onKey(OTHER, "kms:GenerateDataKey", viaSecretsManager(USER_SECRET))).resolves.toBe("ExplicitlyDenied");
    // The account root statement (kept against lock-out) lets IAM policies in; the Deny statements stop them.
    await expect(onKey(OTHER, "kms:GenerateDataKey", viaSecretsManager(USER_SECRET), [ALLOW_ALL_KMS])).resolves.toBe("ExplicitlyDenied");
    await expect(onKey(OTHER, "kms:Encrypt", viaSecretsManager(USER_SECRET), [ALLOW_ALL_KMS])).resolves.toBe("ExplicitlyDenied");
    await expect(onKey(OTHER, "kms:Decrypt", viaSecretsManager(USER_SECRET), [ALLOW_ALL_KMS])).resolves.toBe("ExplicitlyDenied");
  });

  test("the account can still manage the key (no lock-out)", async () => {
    await expect(onKey(OTHER, "kms:PutKeyPolicy", {}, [ALLOW_ALL_KMS])).resolves.toBe("Allowed");
    await expect(onKey(OTHER, "kms:ScheduleKeyDeletion", {}, [ALLOW_ALL_KMS])).resolves.toBe("Allowed");
  });
});

describe("the identity provider's own policy", () => {
  const asIdp = (action: string, resource: string, resourcePolicy?: object, context: Record<string, string> = {}) =>
    decide({ principal: IDP_ROLE, action, resource, identityPolicies: [idpPolicy], resourcePolicy, context });

  test("failed logins: exactly GetItem, UpdateItem, DeleteItem on the login-attempts table (finding 6)", async () => {
    for (const action of ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]) {
      await expect(asIdp(action, TABLE_ARN)).resolves.toBe("Allowed");
    }
    for (const action of ["dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:DeleteTable"]) {
      await expect(asIdp(action, TABLE_ARN)).resolves.toBe("ImplicitlyDenied");
    }
    await expect(asIdp("dynamodb:GetItem", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other`)).resolves.toBe("ImplicitlyDenied");
  });

  test("DescribeSecret and GetSecretValue on user secrets only (finding 7)", async () => {
    await expect(asIdp("secretsmanager:DescribeSecret", USER_SECRET)).resolves.toBe("Allowed");
    await expect(asIdp("secretsmanager:GetSecretValue", USER_SECRET)).resolves.toBe("Allowed");
    await expect(asIdp("secretsmanager:DescribeSecret", OTHER_SECRET)).resolves.toBe("ImplicitlyDenied");
    await expect(asIdp("secretsmanager:PutSecretValue", USER_SECRET)).resolves.toBe("ImplicitlyDenied");
  });

  test("cannot decrypt with any other key, even one whose key policy grants it (a record written under an attacker's key)", async () => {
    const attackerKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/ffffffff-12ab-34cd-56ef-1234567890ab`;
    const attackerKeyPolicy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: IDP_ROLE }, Action: "kms:Decrypt", Resource: "*" }],
    };
    await expect(asIdp("kms:Decrypt", attackerKey, attackerKeyPolicy, viaSecretsManager(USER_SECRET))).resolves.toBe("ExplicitlyDenied");
  });

  test("DynamoDB still decrypts the login-attempts table's key (aws/dynamodb) for it: the Deny covers Secrets Manager only", async () => {
    // DynamoDB calls KMS "on behalf of the user who is accessing the DynamoDB resource" (AWS KMS
    // developer guide, "How Amazon DynamoDB uses AWS KMS"); the key policy is AWS's (lib/aws-managed-key-policies.json).
    const dynamodbKey = awsManagedKey("aws/dynamodb", { partition: "aws", region: REGION, accountId: ACCOUNT });
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0a0a0a0a-12ab-34cd-56ef-1234567890ab`;
    const viaDynamodb = { "kms:ViaService": `dynamodb.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT };
    await expect(asIdp("kms:Decrypt", keyArn, dynamodbKey.policy, viaDynamodb)).resolves.toBe("Allowed");
    // And the same key reached directly, not through DynamoDB, stays closed (the key policy's ViaService).
    await expect(asIdp("kms:Decrypt", keyArn, dynamodbKey.policy, { "kms:CallerAccount": ACCOUNT })).resolves.toBe("ImplicitlyDenied");
  });
});

describe("the resource policy on each user secret: restores and rollbacks (finding 5)", () => {
  // What `npm run users` writes for provider.userAdministratorArns = [ADMIN].
  const policy = userSecretPolicy([ADMIN]);
  const ALLOW_ALL_SECRETS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }] };
  const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
  const onSecret = (principal: string, action: string, identityPolicies: object[] = [ALLOW_ALL_SECRETS]) =>
    decide({ principal, action, resource: USER_SECRET, resourcePolicy: policy, identityPolicies });

  // None of these encrypts anything, so the user-secrets key cannot stop them: the policy must.
  const changes = [
    "secretsmanager:RestoreSecret",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:TagResource",
  ];

  test.each(changes)("%s is denied to a principal with secretsmanager:* in its IAM policy, and to the account root", async (action) => {
    await expect(onSecret(OTHER, action)).resolves.toBe("ExplicitlyDenied");
    await expect(onSecret(ROOT, action)).resolves.toBe("ExplicitlyDenied");
    await expect(onSecret(IDP_ROLE, action, [idpPolicy])).resolves.not.toBe("Allowed");
  });

  test.each(changes)("%s is left to IAM for a user administrator", async (action) => {
    await expect(onSecret(ADMIN, action)).resolves.toBe("Allowed");
    await expect(onSecret(ADMIN, action, [])).resolves.toBe("ImplicitlyDenied");
  });

  test("reads stay with IAM: the identity provider reads the secret and its policy; removing a user stays possible for whoever IAM allows", async () => {
    for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"]) {
      await expect(onSecret(IDP_ROLE, action, [idpPolicy])).resolves.toBe("Allowed");
    }
    await expect(onSecret(IDP_ROLE, "secretsmanager:DeleteSecret", [idpPolicy])).resolves.toBe("ImplicitlyDenied");
    await expect(onSecret(OTHER, "secretsmanager:DeleteSecret")).resolves.toBe("Allowed");
    await expect(onSecret(OTHER, "secretsmanager:GetSecretValue")).resolves.toBe("Allowed");
  });

  test("without the policy, RestoreSecret and UpdateSecretVersionStage are IAM's alone (why the handler requires it)", async () => {
    for (const action of ["secretsmanager:RestoreSecret", "secretsmanager:UpdateSecretVersionStage"]) {
      await expect(decide({ principal: OTHER, action, resource: USER_SECRET, identityPolicies: [ALLOW_ALL_SECRETS] })).resolves.toBe("Allowed");
    }
  });
});
