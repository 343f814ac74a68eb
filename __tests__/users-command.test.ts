import { execFileSync, spawnSync } from "child_process";
import { readFileSync } from "fs";
import { DeleteItemCommand, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import * as path from "path";
import { PassThrough } from "stream";
import { handler, resetCachesForTests, setLookupFloorForTests } from "../functions/identity-provider/handler";
// The handler's logic without its lookup floor (the floor's timing is tested in identity-provider.test.ts and on the emulator).
setLookupFloorForTests(0);
import { hashPassword, verifyPassword } from "../functions/identity-provider/password-hash";
import { parseUserRecord } from "../functions/identity-provider/user-record";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { recordScrypt, ScryptRecorder } from "./support/scrypt-recorder";
import { PasswordSource, processPasswordSource, runUsersCli, USAGE } from "../cli/users-command";

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROOT = path.resolve(__dirname, "..");
const ENV = { TRANSFER_CONFIG: path.join(ROOT, "config/example.json") };
// config/example.json's provider.userAdministratorArns.
const ADMINS = ["arn:aws:iam::123456789012:role/ftp-user-admin"];
// Hashes made and checked here go through the fast stand-in (the real scrypt is tested in password-hash.test.ts).
let scrypt: ScryptRecorder;
beforeAll(() => {
  scrypt = recordScrypt("fast");
});
afterAll(() => scrypt.restore());
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });

/** A password source that answers from a list and records the prompts. */
function passwords(answers: string[], interactive = true): PasswordSource & { prompts: string[] } {
  const queue = [...answers];
  const prompts: string[] = [];
  return {
    interactive,
    prompts,
    async ask(prompt: string) {
      prompts.push(prompt);
      const next = queue.shift();
      if (next === undefined) throw new Error("test asked for more passwords than given");
      return next;
    },
  };
}

interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** The provider stack's outputs as `terraform output -json` gives them; the directories asked for. */
const outputsAsked: string[] = [];
let providerOutputs: Record<string, { value?: unknown }> = {};

async function run(argv: string[], source: PasswordSource = passwords([]), env: NodeJS.ProcessEnv = ENV, regions: string[] = []): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCli(argv, {
    env,
    providerOutputs: async (dir) => {
      outputsAsked.push(dir);
      return providerOutputs;
    },
    passwords: source,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    createClient: (region) => {
      regions.push(region);
      return new SecretsManagerClient({ region, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    },
  });
  return { code, out, err };
}

function createdSecretString(): string {
  const calls = secrets.commandCalls(CreateSecretCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input.SecretString as string;
}

/** Existing users: ListSecrets lists them, BatchGetSecretValue returns their records. */
function givenExistingUsers(records: Record<string, object>): void {
  const names = Object.keys(records);
  secrets.on(ListSecretsCommand).resolves({ SecretList: names.map((n) => ({ Name: `tf-ftp/users/${n}` })) });
  secrets.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList: string[] }) => ({
    SecretValues: input.SecretIdList.map((id) => ({ Name: id, SecretString: JSON.stringify(records[id.slice("tf-ftp/users/".length)]) })),
    Errors: [],
  }));
}

beforeEach(() => {
  secrets.reset();
  ssm.reset();
  dynamodb.reset();
  outputsAsked.length = 0;
  providerOutputs = { user_secrets_key_arn: { value: KEY_ARN } };
  givenExistingUsers({});
  secrets.on(DescribeSecretCommand).rejects(notFound());
  secrets.on(GetSecretValueCommand).rejects(notFound());
  secrets.on(CreateSecretCommand).callsFake((input) => ({ ARN: `arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:${input.Name}-AbCdEf`, Name: input.Name }));
  secrets.on(PutResourcePolicyCommand).callsFake((input) => ({ Name: input.SecretId }));
  secrets.on(GetResourcePolicyCommand).resolves({ ResourcePolicy: JSON.stringify(userSecretPolicy(ADMINS)) });
});

describe("add", () => {
  it("creates a tagged secret holding an scrypt hash (never the password) under the config's prefix and region", async () => {
    const source = passwords(["Correct-Horse-9", "Correct-Horse-9"]);
    const regions: string[] = [];
    const result = await run(["add", "alice"], source, ENV, regions);

    expect(result).toEqual({
      code: 0,
      out: ["added user alice (secret tf-ftp/users/alice, home /tf-ftp-example-bucket/home/alice, protocols FTP,FTPS)"],
      err: [],
    });
    expect(regions).toEqual(["ap-northeast-1"]);
    expect(source.prompts).toEqual(["New password for alice: ", "Repeat the password: "]);
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: "tf-ftp/users/alice",
      KmsKeyId: KEY_ARN,
      Tags: [
        { Key: "Project", Value: "transfer-privatelink-ftp" },
        { Key: "ManagedBy", Value: "transfer-ftp-users" },
      ],
    });
    const secretString = createdSecretString();
    expect(secretString).not.toContain("Correct-Horse-9");
    const parsed = parseUserRecord(secretString);
    expect(parsed.ok).toBe(true);
    const record = JSON.parse(secretString);
    expect(Object.keys(record)).toEqual(["passwordHash"]); // home and protocols default in the handler
    expect(record.passwordHash).toMatchObject({ algorithm: "scrypt", N: 131072, r: 8, p: 1, keyLength: 64 });
    await expect(verifyPassword("Correct-Horse-9", record.passwordHash)).resolves.toBe(true);
    // Then the resource policy: only the configured administrators may change, restore or roll back the secret.
    expect(secrets).toHaveReceivedCommandTimes(PutResourcePolicyCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(PutResourcePolicyCommand, {
      SecretId: "tf-ftp/users/alice",
      ResourcePolicy: JSON.stringify(userSecretPolicy(ADMINS)),
      BlockPublicPolicy: true,
    });
  });

  it("reports a secret it created but could not protect: the user stays refused until protect succeeds", async () => {
    secrets.on(PutResourcePolicyCommand).rejects(Object.assign(new Error("no"), { name: "AccessDeniedException" }));
    const result = await run(["add", "alice"], passwords(["Correct-Horse-9", "Correct-Horse-9"]));
    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      "error: created the secret tf-ftp/users/alice, but could not put its resource policy (AccessDeniedException); the identity provider refuses alice until `npm run users -- protect alice` succeeds",
    ]);
  });

  it("writes a hash the identity-provider Lambda accepts, and refuses a wrong password with", async () => {
    expect((await run(["add", "alice"], passwords(["Correct-Horse-9", "Correct-Horse-9"]))).code).toBe(0);
    const secretString = createdSecretString();

    // Feed what the CLI wrote to the Lambda, through the mocked Secrets Manager.
    secrets.on(GetSecretValueCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ SecretString: secretString });
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ KmsKeyId: secrets.commandCalls(CreateSecretCommand)[0].args[0].input.KmsKeyId });
    // The policy the CLI put is the one the handler reads back.
    secrets
      .on(GetResourcePolicyCommand, { SecretId: "tf-ftp/users/alice" })
      .resolves({ ResourcePolicy: secrets.commandCalls(PutResourcePolicyCommand)[0].args[0].input.ResourcePolicy });
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "1" } } });
    dynamodb.on(DeleteItemCommand).resolves({});
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "s-0123456789abcdef0" } });
    Object.assign(process.env, {
      USER_SECRET_PREFIX: "tf-ftp/users/",
      BUCKET_NAME: "tf-ftp-example-bucket",
      TRANSFER_ROLE_ARN: "arn:aws:iam::123456789012:role/tf-ftp-transfer",
      SERVER_ID_PARAMETER: "/tf-ftp/server-id",
      USER_HOME_ROOT: "/tf-ftp-example-bucket/home/",
      USER_SECRETS_KEY_ARN: KEY_ARN,
      LOGIN_ATTEMPTS_TABLE: "tf-ftp-login-attempts",
      USER_ADMINISTRATOR_ARNS: JSON.stringify(ADMINS),
    });
    resetCachesForTests();
    const log = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const login = (password: string) =>
        handler({ username: "alice", password, protocol: "FTP", serverId: "s-0123456789abcdef0", sourceIp: "10.0.3.119" });
      const ok = await login("Correct-Horse-9");
      expect(ok.Role).toBe("arn:aws:iam::123456789012:role/tf-ftp-transfer");
      expect(JSON.parse(ok.HomeDirectoryDetails as string)).toEqual([{ Entry: "/", Target: "/tf-ftp-example-bucket/home/alice" }]);
      await expect(login("Correct-Horse-8")).resolves.toEqual({});
      expect(log.mock.calls.map((c) => JSON.parse(String(c[0])).reason)).toEqual(["authenticated", "wrong-password"]);
    } finally {
      log.mockRestore();
    }
  });

  it("stores --home and --protocols", async () => {
    const result = await run(["add", "bob", "--home", "/tf-ftp-example-bucket/home/partners/bob", "--protocols=ftps"], passwords(["Bobs-Password1", "Bobs-Password1"]));
    expect(result.code).toBe(0);
    expect(result.out[0]).toContain("home /tf-ftp-example-bucket/home/partners/bob, protocols FTPS");
    const record = JSON.parse(createdSecretString());
    expect(record).toEqual({ passwordHash: expect.any(Object), homeDirectory: "/tf-ftp-example-bucket/home/partners/bob", allowedProtocols: ["FTPS"] });
  });

  it("reads one line, without confirmation, when the password comes from a script", async () => {
    const source = passwords(["Scripted-Pass-1"], false);
    expect((await run(["add", "carol"], source)).code).toBe(0);
    expect(source.prompts).toHaveLength(1);
    await expect(verifyPassword("Scripted-Pass-1", JSON.parse(createdSecretString()).passwordHash)).resolves.toBe(true);
  });

  it("fails when the passwords don't match, creating nothing", async () => {
    const result = await run(["add", "alice"], passwords(["Correct-Horse-9", "Correct-Horse-0"]));
    expect(result).toEqual({ code: 1, out: [], err: ["error: passwords don't match"] });
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it.each([
    ["too short", "short", /password too short \(at least 8 characters\)/],
    ["empty", "", /empty password/],
    ["with a control character", "tab\there-123", /control characters/],
  ])("refuses a password that is %s", async (_label, password, message) => {
    const result = await run(["add", "alice"], passwords([password, password], false));
    expect(result.code).toBe(1);
    expect(result.err.join("\n")).toMatch(message);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it("fails when the user exists, before asking for a password", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ Name: "tf-ftp/users/alice" });
    const source = passwords(["Correct-Horse-9", "Correct-Horse-9"]);
    const result = await run(["add", "alice"], source);
    expect(result).toEqual({ code: 1, out: [], err: ["error: user alice already exists"] });
    expect(source.prompts).toEqual([]);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it("reports a user created concurrently (CreateSecret says it exists)", async () => {
    secrets.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: "exists", $metadata: {} }));
    const result = await run(["add", "alice"], passwords(["Correct-Horse-9", "Correct-Horse-9"]));
    expect(result).toEqual({ code: 1, out: [], err: ["error: user alice already exists"] });
  });

  it("explains a removed user still in its recovery window", async () => {
    secrets
      .on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" })
      .resolves({ Name: "tf-ftp/users/alice", DeletedDate: new Date("2030-01-02T03:04:05Z") });
    const result = await run(["add", "alice"], passwords([]));
    expect(result.code).toBe(1);
    expect(result.err[0]).toBe(
      'error: user alice was removed; its secret is scheduled for deletion on 2030-01-02. Run "remove --force alice" to delete it now, then add the user again.',
    );
  });

  it.each([
    ["../etc"],
    ["a/b"],
    ["a..b"],
    ["bad name"],
    ["-dash-first"],
    ["x".repeat(101)],
  ])("refuses the user name %j without calling AWS", async (name) => {
    const result = await run(["add", name], passwords(["Correct-Horse-9", "Correct-Horse-9"]));
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/^error: bad user name ".*": expected 1-100 characters/);
    expect(secrets.calls()).toHaveLength(0);
  });

  it("refuses a --home outside the configured bucket", async () => {
    const result = await run(["add", "alice", "--home", "/other-bucket/home/alice"], passwords(["Correct-Horse-9", "Correct-Horse-9"]));
    expect(result.code).toBe(1);
    expect(result.err[0]).toBe(
      'error: bad --home "/other-bucket/home/alice": must lie below the home root "/tf-ftp-example-bucket/home/" (at least one folder below it; a home at or above the root would hold every user\'s files)',
    );
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it.each(["/tf-ftp-example-bucket/home/../x", "/tf-ftp-example-bucket/*", "tf-ftp-example-bucket/home/a", "/tf-ftp-example-bucket"])(
    "refuses the malformed --home %j",
    async (home) => {
      const result = await run(["add", "alice", "--home", home]);
      expect(result.code).toBe(1);
      expect(result.err[0]).toMatch(/^error: bad --home/);
      expect(secrets.calls()).toHaveLength(0);
    },
  );

  it("refuses unknown or repeated protocols", async () => {
    for (const list of ["FTP,HTTP", "FTP,FTP", ""]) {
      const result = await run(["add", "alice", `--protocols=${list}`]);
      expect(result.code).toBe(list === "" ? 2 : 1);
    }
    expect(secrets.calls()).toHaveLength(0);
  });
});

describe("add keeps homes apart", () => {
  const twice = (p: string) => passwords([p, p]);

  it("refuses a home equal to the home root (it would hold every user's files), without asking for a password", async () => {
    const source = twice("Correct-Horse-9");
    const result = await run(["add", "boss", "--home", "/tf-ftp-example-bucket/home"], source);
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/^error: bad --home "\/tf-ftp-example-bucket\/home": must lie below the home root "\/tf-ftp-example-bucket\/home\/"/);
    expect(source.prompts).toEqual([]);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it.each([
    ["above the root", "/tf-ftp-example-bucket/partners"],
    ["beside it", "/tf-ftp-example-bucket/homework/alice"],
  ])("refuses a home %s", async (_label, home) => {
    const result = await run(["add", "alice", "--home", home], twice("Correct-Horse-9"));
    expect(result.code).toBe(1);
    expect(result.err[0]).toContain("must lie below the home root");
  });

  it.each([
    ["equal to", "/tf-ftp-example-bucket/home/acme", "is the home of user acme-admin"],
    ["inside", "/tf-ftp-example-bucket/home/acme/inbox", "lies inside the home of user acme-admin"],
    ["above (containing)", "/tf-ftp-example-bucket/home/partners", "contains the home of user bob"],
    ["equal to a default home", "/tf-ftp-example-bucket/home/carol", "is the home of user carol"],
  ])("refuses a home %s another user's", async (_label, home, why) => {
    givenExistingUsers({
      "acme-admin": { passwordHash: {}, homeDirectory: "/tf-ftp-example-bucket/home/acme" },
      bob: { passwordHash: {}, homeDirectory: "/tf-ftp-example-bucket/home/partners/bob" },
      carol: { passwordHash: {} },
    });
    const result = await run(["add", "dave", "--home", home], twice("Correct-Horse-9"));
    expect(result.code).toBe(1);
    expect(result.err[0]).toContain(why);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it("accepts a sibling whose name merely starts like another home, reading all homes in batches of 20, printing no secret value", async () => {
    const records: Record<string, object> = {};
    for (let i = 0; i < 45; i++) records[`user${i}`] = { passwordHash: { hash: `SECRET-HASH-${i}` } };
    records.acme = { passwordHash: { hash: "SECRET-HASH-acme" }, homeDirectory: "/tf-ftp-example-bucket/home/acme" };
    givenExistingUsers(records);
    const result = await run(["add", "acme2", "--home", "/tf-ftp-example-bucket/home/acme2"], twice("Correct-Horse-9"));
    expect(result.code).toBe(0);
    const batches = secrets.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input.SecretIdList?.length);
    expect(batches).toEqual([20, 20, 6]);
    expect([...result.out, ...result.err].join("\n")).not.toContain("SECRET-HASH");
  });

  it("refuses when an existing user's home cannot be read (no silent pass)", async () => {
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: "tf-ftp/users/bob" }] });
    secrets.on(BatchGetSecretValueCommand).resolves({ SecretValues: [], Errors: [{ SecretId: "tf-ftp/users/bob", ErrorCode: "DecryptionFailure" }] });
    const result = await run(["add", "dave"], twice("Correct-Horse-9"));
    expect(result.code).toBe(1);
    expect(result.err[0]).toContain('cannot read the home of user "bob" (DecryptionFailure)');
  });

  it("folds the name to lower case: Alice becomes alice, and a legacy mixed-case Alice blocks it", async () => {
    const result = await run(["add", "Alice"], twice("Correct-Horse-9"));
    expect(result.code).toBe(0);
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { Name: "tf-ftp/users/alice" });
    expect(result.out[0]).toContain("added user alice (secret tf-ftp/users/alice, home /tf-ftp-example-bucket/home/alice");

    secrets.reset();
    givenExistingUsers({ Alice: { passwordHash: {} } });
    secrets.on(DescribeSecretCommand).rejects(notFound());
    const again = await run(["add", "alice"], twice("Correct-Horse-9"));
    expect(again).toMatchObject({ code: 1, err: ["error: user alice already exists (as Alice: names are case-insensitive)"] });
  });
});

describe("remove and case-folded names", () => {
  it("remove Alice removes alice; a legacy secret named Alice (from before folding) can still be removed", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ Name: "tf-ftp/users/alice" });
    secrets.on(DeleteSecretCommand).resolves({ DeletionDate: new Date("2030-01-01T00:00:00Z") });
    expect((await run(["remove", "Alice", "--force"])).code).toBe(0);
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: "tf-ftp/users/alice" });

    secrets.reset();
    secrets.on(DescribeSecretCommand).rejects(notFound());
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/Bob" }).resolves({ Name: "tf-ftp/users/Bob" });
    secrets.on(DeleteSecretCommand).resolves({});
    const legacy = await run(["remove", "Bob", "--force"]);
    expect(legacy).toMatchObject({ code: 0, out: ["removed user Bob (secret deleted without recovery)"] });
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: "tf-ftp/users/Bob", ForceDeleteWithoutRecovery: true });
  });
});

describe("add encrypts with the user-secrets key", () => {
  const twice = (p: string) => passwords([p, p]);

  it("reads the key from the provider stack's output by default", async () => {
    expect((await run(["add", "alice"], twice("Correct-Horse-9"))).code).toBe(0);
    expect(outputsAsked).toEqual(["cdktf.out/stacks/provider"]);
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { KmsKeyId: KEY_ARN });
  });

  it("--kms-key overrides it (no terraform needed), --stack-dir moves it", async () => {
    const other = "arn:aws:kms:ap-northeast-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab";
    expect((await run(["add", "alice", "--kms-key", other], twice("Correct-Horse-9"))).code).toBe(0);
    expect(outputsAsked).toEqual([]);
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { KmsKeyId: other });
    secrets.resetHistory();
    expect((await run(["add", "bob", "--stack-dir", "elsewhere/provider"], twice("Correct-Horse-9"))).code).toBe(0);
    expect(outputsAsked).toEqual(["elsewhere/provider"]);
  });

  it("refuses an alias as --kms-key, and a missing output, before asking for a password", async () => {
    const alias = await run(["add", "alice", "--kms-key", "alias/tf-ftp-user-secrets"]);
    expect(alias.code).toBe(1);
    expect(alias.err[0]).toContain("expected a KMS key ARN");
    providerOutputs = {};
    const source = twice("Correct-Horse-9");
    const missing = await run(["add", "alice"], source);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toContain("output user_secrets_key_arn in cdktf.out/stacks/provider is missing or not a KMS key ARN; pass --kms-key");
    expect(source.prompts).toEqual([]);
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });
});

describe("passwd", () => {
  it("replaces the hash and keeps home and protocols", async () => {
    const old = { passwordHash: await hashPassword("Old-Password-1"), homeDirectory: "/tf-ftp-example-bucket/partners/bob", allowedProtocols: ["FTPS"] };
    secrets.on(GetSecretValueCommand, { SecretId: "tf-ftp/users/bob" }).resolves({ SecretString: JSON.stringify(old) });
    secrets.on(PutSecretValueCommand).resolves({});
    const result = await run(["passwd", "bob"], passwords(["New-Password-2", "New-Password-2"]));
    expect(result).toEqual({ code: 0, out: ["changed the password of bob"], err: [] });
    const put = secrets.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    expect(put[0].args[0].input.SecretId).toBe("tf-ftp/users/bob");
    const updated = JSON.parse(put[0].args[0].input.SecretString as string);
    expect(updated.homeDirectory).toBe(old.homeDirectory);
    expect(updated.allowedProtocols).toEqual(["FTPS"]);
    await expect(verifyPassword("New-Password-2", updated.passwordHash)).resolves.toBe(true);
    await expect(verifyPassword("Old-Password-1", updated.passwordHash)).resolves.toBe(false);
  });

  it("fails for an unknown user before asking for a password", async () => {
    const source = passwords(["New-Password-2", "New-Password-2"]);
    const result = await run(["passwd", "nobody"], source);
    expect(result).toEqual({ code: 1, out: [], err: ["error: user nobody not found"] });
    expect(source.prompts).toEqual([]);
    expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
  });

  it("fails when the passwords don't match", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ passwordHash: await hashPassword("Old-Password-1") }) });
    const result = await run(["passwd", "bob"], passwords(["New-Password-2", "New-Password-3"]));
    expect(result).toEqual({ code: 1, out: [], err: ["error: passwords don't match"] });
    expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
  });

  it("refuses to overwrite a secret that is not a user record", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "plain text" });
    const result = await run(["passwd", "bob"], passwords(["New-Password-2", "New-Password-2"]));
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/does not hold a user record/);
    expect(result.err[0]).not.toContain("plain text");
    expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
  });
});

describe("remove", () => {
  beforeEach(() => {
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ Name: "tf-ftp/users/alice" });
    secrets.on(DeleteSecretCommand).resolves({ Name: "tf-ftp/users/alice", DeletionDate: new Date("2030-02-01T00:00:00Z") });
  });

  it("schedules the secret for deletion with the default recovery window", async () => {
    const result = await run(["remove", "alice"]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(/^removed user alice \(secret recoverable until 2030-02-01/);
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
    expect(secrets.commandCalls(DeleteSecretCommand)[0].args[0].input).toEqual({ SecretId: "tf-ftp/users/alice" });
  });

  it("--force deletes without a recovery window", async () => {
    const result = await run(["remove", "alice", "--force"]);
    expect(result).toEqual({ code: 0, out: ["removed user alice (secret deleted without recovery)"], err: [] });
    expect(secrets.commandCalls(DeleteSecretCommand)[0].args[0].input).toEqual({ SecretId: "tf-ftp/users/alice", ForceDeleteWithoutRecovery: true });
  });

  it("fails for an unknown user", async () => {
    const result = await run(["remove", "nobody", "--force"]);
    expect(result).toEqual({ code: 1, out: [], err: ["error: user nobody not found"] });
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 0);
  });

  it("without --force, refuses a user already scheduled for deletion", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ Name: "tf-ftp/users/alice", DeletedDate: new Date("2030-01-02T00:00:00Z") });
    const result = await run(["remove", "alice"]);
    expect(result.code).toBe(1);
    expect(result.err[0]).toBe("error: user alice is already scheduled for deletion on 2030-01-02; use --force to delete it now");
    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 0);
  });
});

describe("list", () => {
  it("pages through ListSecrets filtered by prefix and prints user names, sorted (users needing nothing get the name alone)", async () => {
    const current = await hashPassword("Some-Password-1");
    givenExistingUsers({ alice: { passwordHash: current }, bob: { passwordHash: current }, zoe: { passwordHash: current } });
    secrets
      .on(ListSecretsCommand)
      .resolvesOnce({ SecretList: [{ Name: "tf-ftp/users/zoe" }, { Name: "tf-ftp/users/alice" }], NextToken: "page-2" })
      .resolvesOnce({ SecretList: [{ Name: "tf-ftp/users/bob" }, { Name: "tf-ftp/users-other/eve" }, { Name: "tf-ftp/users/nested/x" }] });
    const result = await run(["list"]);
    expect(result).toEqual({ code: 0, out: ["alice", "bob", "zoe"], err: [] });
    const calls = secrets.commandCalls(ListSecretsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toMatchObject({ Filters: [{ Key: "name", Values: ["tf-ftp/users/"] }] });
    expect(calls[1].args[0].input).toMatchObject({ NextToken: "page-2" });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it("names the users whose password hash is below the current parameters, and those without the resource policy (nothing secret printed)", async () => {
    const current = await hashPassword("Some-Password-1");
    const old = { ...current, N: 16384 }; // written before the OWASP minimum
    givenExistingUsers({ alice: { passwordHash: current }, bob: { passwordHash: old }, carol: { passwordHash: current }, dave: { passwordHash: old } });
    secrets.on(GetResourcePolicyCommand, { SecretId: "tf-ftp/users/carol" }).resolves({});
    secrets.on(GetResourcePolicyCommand, { SecretId: "tf-ftp/users/dave" }).resolves({ ResourcePolicy: JSON.stringify(userSecretPolicy(["arn:aws:iam::123456789012:role/former-admin"])) });
    const result = await run(["list"]);
    expect(result).toEqual({
      code: 0,
      out: [
        "alice",
        "bob  (password hash below the current parameters (scrypt N=16384, now N=131072): set a new password with passwd)",
        "carol  (no resource policy: the identity provider refuses this user until `protect carol`)",
        "dave  (password hash below the current parameters (scrypt N=16384, now N=131072): set a new password with passwd; resource policy is not the administrators' own: the identity provider refuses this user until `protect dave`)",
      ],
      err: [],
    });
    expect(result.out.join("\n")).not.toContain(current.hash);
    expect(result.out.join("\n")).not.toContain(current.salt);
  });

  it("prints nothing when there are no users", async () => {
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
    await expect(run(["list"])).resolves.toEqual({ code: 0, out: [], err: [] });
  });

  it("--json: one JSON array of {name, notes} (empty too)", async () => {
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: "tf-ftp/users/zoe" }, { Name: "tf-ftp/users/alice" }] });
    const listed = await run(["list", "--json"]);
    expect(listed).toMatchObject({ code: 0, err: [] });
    expect(listed.out).toHaveLength(1);
    expect(JSON.parse(listed.out[0])).toEqual([
      { name: "alice", notes: ["no usable password hash: set one with passwd"] },
      { name: "zoe", notes: ["no usable password hash: set one with passwd"] },
    ]);
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
    await expect(run(["list", "--json"])).resolves.toEqual({ code: 0, out: ["[]"], err: [] });
    expect((await run(["add", "alice", "--json"])).err.join("\n")).toContain("--json is not an option of add");
    expect((await run(["list", "--json=yes"])).err.join("\n")).toContain("--json takes no value");
  });
});

describe("protect", () => {
  it("puts the administrators' resource policy on one user's secret, or on every user's with --all", async () => {
    givenExistingUsers({ alice: {}, bob: {} });
    secrets.on(DescribeSecretCommand, { SecretId: "tf-ftp/users/alice" }).resolves({ Name: "tf-ftp/users/alice" });
    const one = await run(["protect", "Alice"]);
    expect(one).toEqual({ code: 0, out: ["protected alice (only arn:aws:iam::123456789012:role/ftp-user-admin may change, restore or roll back its secret)"], err: [] });
    const all = await run(["protect", "--all"]);
    expect(all.code).toBe(0);
    expect(secrets.commandCalls(PutResourcePolicyCommand).map((c) => c.args[0].input)).toEqual(
      ["alice", "alice", "bob"].map((name) => ({ SecretId: `tf-ftp/users/${name}`, ResourcePolicy: JSON.stringify(userSecretPolicy(ADMINS)), BlockPublicPolicy: true })),
    );
  });

  it("refuses an unknown user, a name with --all, and neither", async () => {
    expect(await run(["protect", "nobody"])).toEqual({ code: 1, out: [], err: ["error: user nobody not found"] });
    // Usage first, the error last (so that it stays on screen).
    expect((await run(["protect", "alice", "--all"])).err.at(-1)).toContain("protect takes a user name or --all, not both");
    expect((await run(["protect"])).err.at(-1)).toContain("protect needs a user name or --all");
    expect(secrets).toHaveReceivedCommandTimes(PutResourcePolicyCommand, 0);
  });
});

describe("settings and arguments", () => {
  it("--prefix and --region override the config (which is then not needed)", async () => {
    givenExistingUsers({});
    secrets.on(BatchGetSecretValueCommand).resolves({ SecretValues: [{ Name: "custom/ftp/dave", SecretString: "{}" }], Errors: [] });
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: "custom/ftp/dave" }] });
    const regions: string[] = [];
    const result = await run(["list", "--prefix", "custom/ftp/", "--region=eu-west-1"], passwords([]), { TRANSFER_CONFIG: "/nonexistent.json" }, regions);
    expect(result).toEqual({ code: 0, out: ["dave  (no usable password hash: set one with passwd)"], err: [] });
    expect(regions).toEqual(["eu-west-1"]);
    expect(secrets.commandCalls(ListSecretsCommand)[0].args[0].input.Filters).toEqual([{ Key: "name", Values: ["custom/ftp/"] }]);
  });

  it("reads the config named by TRANSFER_CONFIG and reports a missing one plainly", async () => {
    const result = await run(["list"], passwords([]), { TRANSFER_CONFIG: "/nonexistent.json" });
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(/^error: Invalid configuration in \/nonexistent\.json/);
    expect(secrets.calls()).toHaveLength(0);
  });

  it.each([
    [[], /missing command/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["add"], /add needs a user name/],
    [["add", "alice", "bob"], /unexpected argument "bob"/],
    [["add", "alice", "--force"], /--force is not an option of add/],
    [["remove", "alice", "--home", "/x/y"], /--home is not an option of remove/],
    [["list", "alice"], /list takes no user name/],
    [["list", "--bogus"], /unknown option --bogus/],
    [["add", "alice", "--home"], /--home needs a value/],
    [["list", "--prefix", "no-trailing-slash"], /bad --prefix/],
    [["list", "--region", "Tokyo"], /bad --region/],
  ])("refuses %j with a usage message", async (argv, message) => {
    const result = await run(argv as string[]);
    expect(result.code).not.toBe(0);
    expect(result.err.join("\n")).toMatch(message);
    expect(secrets.calls()).toHaveLength(0);
  });

  it("prints help", async () => {
    await expect(run(["--help"])).resolves.toEqual({ code: 0, out: [USAGE], err: [] });
  });
});

describe("password input (processPasswordSource; the reading itself is tested in terminal-input.test.ts)", () => {
  /** A fake terminal that types the next answer whenever a prompt shows; `shown` is all that was written to it. */
  function terminalTyping(answers: string[]) {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: (mode: boolean) => void (input.isRaw = mode) });
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => {
      shown += d.toString();
      if (d.toString().endsWith(": ")) input.write(answers.shift() ?? "\u0004");
    });
    return { streams: { input, output }, shown: () => shown };
  }

  it("on a terminal, asks twice without echo and stores the password typed", async () => {
    const t = terminalTyping(["Typed-Pass-1\r", "Typed-Pass-1\r"]);
    const source = processPasswordSource(t.streams);
    expect(source.interactive).toBe(true);
    expect((await run(["add", "alice"], source)).code).toBe(0);
    expect(t.shown()).toBe("New password for alice: \nRepeat the password: \n");
    expect(t.streams.input.isRaw).toBe(false);
    await expect(verifyPassword("Typed-Pass-1", JSON.parse(createdSecretString()).passwordHash)).resolves.toBe(true);
  });

  it("on a terminal, Ctrl-C at the prompt cancels with exit 130 and creates nothing", async () => {
    const t = terminalTyping(["Typed\u0003"]);
    const result = await run(["add", "alice"], processPasswordSource(t.streams));
    expect(result).toEqual({ code: 130, out: [], err: ["error: cancelled"] });
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it("from a pipe, reads the first line once, without a prompt or confirmation", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const source = processPasswordSource({ input, output });
    expect(source.interactive).toBe(false);
    input.end("Piped-Pass-1\r\nsecond line\n");
    expect((await run(["add", "carol"], source)).code).toBe(0);
    expect(output.read()).toBeNull();
    await expect(verifyPassword("Piped-Pass-1", JSON.parse(createdSecretString()).passwordHash)).resolves.toBe(true);
    await expect(source.ask("again: ")).rejects.toMatchObject({ message: "only one password can be read from standard input", exitCode: 1 });
  });

  it("from an empty pipe, fails plainly and creates nothing", async () => {
    const input = new PassThrough();
    input.end();
    const source = processPasswordSource({ input, output: new PassThrough() });
    const result = await run(["add", "carol"], source);
    expect(result).toEqual({ code: 1, out: [], err: ["error: no password on standard input (expected one line)"] });
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });
});

describe("npm run users (the real entry point through scripts/run-ts.js)", () => {
  const runTs = (args: string[], input = "") =>
    spawnSync(process.execPath, ["scripts/run-ts.js", "cli/users.ts", ...args], {
      cwd: ROOT,
      input,
      encoding: "utf8",
      // No AWS endpoint is reachable: these cases must fail before any call.
      env: { ...process.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      timeout: 20000,
    });

  it("a usage error: the usage first, the error last, so an 80x24 terminal still shows it", () => {
    const result = runTs(["ad"]);
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("usage: npm run users -- <command> [options]");
    expect(lines[lines.length - 1]).toBe('error: unknown command "ad"');
  });

  it("a misspelled TRANSFER_CONFIG is refused before anything else", () => {
    const result = spawnSync(process.execPath, ["scripts/run-ts.js", "cli/users.ts", "list"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TRANSFER_CONFG: "config/prod.json", AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
      timeout: 20000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('TRANSFER_CONFG is set, but no command reads it (did you mean "TRANSFER_CONFIG"?)');
  });

  it("prints help and exits 0", () => {
    const result = runTs(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("usage: npm run users -- <command> [options]");
  });

  it("exits non-zero with a plain message for a bad user name", () => {
    const result = runTs(["add", "../root"], "Some-Password-1\n");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: bad user name "../root"');
    expect(result.stdout).toBe("");
  });

  it("bundles the project's own files and leaves packages to node_modules", () => {
    const outfile = execFileSync(process.execPath, ["-e", "process.stdout.write(require('./scripts/run-ts.js').compile('cli/users.ts'))"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const bundle = readFileSync(outfile, "utf8");
    expect(bundle).toContain('require("@aws-sdk/client-secrets-manager")');
    expect(bundle).toContain("function runUsersCli(");
    expect(bundle).toContain("function hashPassword(");
  });
});
