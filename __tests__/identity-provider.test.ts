import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TransferFamilyAuthorizerEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { handler, isExpectedKey, LOOKUP_FLOOR_MS, resetCachesForTests, sanitizeForLog, SERVER_ID_REFRESH_MS, usernameHint, setLookupFloorForTests } from "../functions/identity-provider/handler";
// The handler's logic without its lookup floor (the floor's timing is tested in identity-provider.test.ts and on the emulator).
setLookupFloorForTests(0);
import { hashPassword, LOGIN_WORK, PasswordHash } from "../functions/identity-provider/password-hash";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { recordScrypt, ScryptRecorder } from "./support/scrypt-recorder";

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);

const BUCKET = "tf-ftp-example-bucket";
const PREFIX = "tf-ftp/users/";
const ROLE_ARN = "arn:aws:iam::123456789012:role/tf-ftp-transfer-user";
const SERVER_ID = "s-0123456789abcdef0";
const SERVER_ID_PARAMETER = "/tf-ftp/transfer-server-id";
const ALICE_PASSWORD = "Wonderland-42!";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:ap-northeast-1:123456789012:key/${KEY_ID}`;
const TABLE = "tf-ftp-login-attempts";
const ADMIN = "arn:aws:iam::123456789012:role/ftp-user-admin";
const PROTECTED = JSON.stringify(userSecretPolicy([ADMIN]));

let aliceHash: PasswordHash;
// Every scrypt derivation, answered fast (the work is counted, not timed).
let scrypt: ScryptRecorder;

function event(overrides: Partial<TransferFamilyAuthorizerEvent> = {}): TransferFamilyAuthorizerEvent {
  return { username: "alice", password: ALICE_PASSWORD, protocol: "FTP", serverId: SERVER_ID, sourceIp: "10.0.3.119", ...overrides };
}

/**
 * A user's secret as `npm run users` writes it: encrypted (by default) with
 * the user-secrets key, with the resource policy that only administrators may
 * change it (by default).
 */
function givenUser(name: string, record: unknown, kmsKeyId: string | null = KEY_ARN, resourcePolicy: string | null = PROTECTED): string {
  const secretString = typeof record === "string" ? record : JSON.stringify(record);
  secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}${name}` }).resolves({ Name: `${PREFIX}${name}`, SecretString: secretString });
  secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}${name}` }).resolves({ Name: `${PREFIX}${name}`, ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}) });
  secrets
    .on(GetResourcePolicyCommand, { SecretId: `${PREFIX}${name}` })
    .resolves({ Name: `${PREFIX}${name}`, ...(resourcePolicy !== null ? { ResourcePolicy: resourcePolicy } : {}) });
  return secretString;
}

/** The login-attempts table holds this item for `name`: the reservation finds the window closed. */
function givenClosedWindow(name: string, failures: number, lastFailureAt: number): void {
  const Item = { username: { S: name }, failures: { N: String(failures) }, lastFailureAt: { N: String(lastFailureAt) }, expiresAt: { N: String(Math.ceil(lastFailureAt / 1000) + 86_400) } };
  dynamodb
    .on(UpdateItemCommand, { Key: { username: { S: name } } })
    .rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, Item }));
  dynamodb.on(GetItemCommand, { Key: { username: { S: name } } }).resolves({ Item });
}

/** The AWS calls the handler made, in a comparable form: one "<Command>" entry per call, sorted. */
function awsCalls(): string[] {
  return [...secrets.calls(), ...ssm.calls(), ...dynamodb.calls()].map((call) => (call.args[0] as object).constructor.name).sort();
}

let logSpy: jest.SpyInstance;
// Decision lines go to stdout directly (one JSON log event each; see logDecision).
const logLines = (): Record<string, unknown>[] =>
  logSpy.mock.calls.map((call) => {
    const text = String(call[0]);
    expect(text.endsWith("\n") && !text.slice(0, -1).includes("\n")).toBe(true);
    return JSON.parse(text);
  });
const rawLog = (): string => logSpy.mock.calls.map((call) => String(call[0])).join("");

function expectOneDecision(expected: Record<string, unknown>): Record<string, unknown> {
  const lines = logLines();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject(expected);
  return lines[0];
}

function expectedPolicy(partition: string, prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListHomeOnly",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:${partition}:s3:::${BUCKET}`,
        Condition: { StringLike: { "s3:prefix": [`${prefix}/`, `${prefix}/*`] } },
      },
      { Sid: "BucketLocation", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: `arn:${partition}:s3:::${BUCKET}` },
      {
        Sid: "HomeObjects",
        Effect: "Allow",
        Action: [
          "s3:PutObject",
          "s3:GetObject",
          "s3:DeleteObject",
          "s3:GetObjectVersion",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: `arn:${partition}:s3:::${BUCKET}/${prefix}/*`,
      },
    ],
  };
}

beforeAll(async () => {
  scrypt = recordScrypt("fast");
  aliceHash = await hashPassword(ALICE_PASSWORD);
});
afterAll(() => scrypt.restore());

beforeEach(() => {
  secrets.reset();
  ssm.reset();
  dynamodb.reset();
  resetCachesForTests();
  scrypt.clear();
  process.env.USER_SECRET_PREFIX = PREFIX;
  process.env.BUCKET_NAME = BUCKET;
  process.env.TRANSFER_ROLE_ARN = ROLE_ARN;
  process.env.SERVER_ID_PARAMETER = SERVER_ID_PARAMETER;
  process.env.USER_HOME_ROOT = `/${BUCKET}/home/`;
  process.env.USER_SECRETS_KEY_ARN = KEY_ARN;
  process.env.LOGIN_ATTEMPTS_TABLE = TABLE;
  process.env.USER_ADMINISTRATOR_ARNS = JSON.stringify([ADMIN]);
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "1" } } });
  // The item-expiry delete (condition expiresAt <= now) finds nothing to delete; the clearing delete succeeds.
  dynamodb.on(DeleteItemCommand).resolves({});
  ssm.on(GetParameterCommand, { Name: SERVER_ID_PARAMETER }).resolves({ Parameter: { Name: SERVER_ID_PARAMETER, Value: SERVER_ID } });
  secrets
    .on(GetSecretValueCommand)
    .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
  secrets
    .on(DescribeSecretCommand)
    .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
  secrets
    .on(GetResourcePolicyCommand)
    .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
  logSpy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterEach(() => {
  // Nothing of a password or a hash may ever reach the log.
  const log = rawLog();
  expect(log).not.toContain(ALICE_PASSWORD);
  expect(log).not.toContain(aliceHash.hash);
  expect(log).not.toContain(aliceHash.salt);
  logSpy.mockRestore();
});

describe("accepted logins", () => {
  it("returns Role, a LOGICAL home mapping / to the user's home, and a session policy, all as Transfer expects", async () => {
    const secretString = givenUser("alice", { passwordHash: aliceHash });
    const result = await handler(event());

    expect(Object.keys(result).sort()).toEqual(["HomeDirectoryDetails", "HomeDirectoryType", "Policy", "Role"]);
    expect(result).not.toHaveProperty("PublicKeys");
    expect(result.Role).toBe(ROLE_ARN);
    expect(result.HomeDirectoryType).toBe("LOGICAL");
    expect(typeof result.HomeDirectoryDetails).toBe("string");
    expect(JSON.parse(result.HomeDirectoryDetails as string)).toEqual([{ Entry: "/", Target: `/${BUCKET}/home/alice` }]);
    expect(typeof result.Policy).toBe("string");
    expect(JSON.parse(result.Policy as string)).toEqual(expectedPolicy("aws", "home/alice"));
    expect((result.Policy as string).length).toBeLessThan(2048); // session policy size limit

    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: "tf-ftp/users/alice" });
    const line = expectOneDecision({
      user: "alice",
      protocol: "FTP",
      serverId: SERVER_ID,
      sourceIp: "10.0.3.119",
      outcome: "allowed",
      reason: "authenticated",
      home: `/${BUCKET}/home/alice`,
    });
    expect(JSON.stringify(line)).not.toContain(secretString);
  });

  it("accepts FTPS by default", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    const result = await handler(event({ protocol: "FTPS" }));
    expect(result.Role).toBe(ROLE_ARN);
    expectOneDecision({ outcome: "allowed", protocol: "FTPS" });
  });

  it("uses the record's homeDirectory below the home root, and limits the policy to it", async () => {
    givenUser("bob.smith@example.com", { passwordHash: aliceHash, homeDirectory: `/${BUCKET}/home/partners/acme/inbox` });
    const result = await handler(event({ username: "bob.smith@example.com" }));
    expect(JSON.parse(result.HomeDirectoryDetails as string)).toEqual([{ Entry: "/", Target: `/${BUCKET}/home/partners/acme/inbox` }]);
    expect(JSON.parse(result.Policy as string)).toEqual(expectedPolicy("aws", "home/partners/acme/inbox"));
    expectOneDecision({ outcome: "allowed", user: "bob.smith@example.com" });
  });

  it("takes the S3 partition from the role ARN (China regions)", async () => {
    process.env.TRANSFER_ROLE_ARN = "arn:aws-cn:iam::123456789012:role/tf-ftp-transfer-user";
    givenUser("alice", { passwordHash: aliceHash });
    const result = await handler(event());
    expect(result.Role).toBe("arn:aws-cn:iam::123456789012:role/tf-ftp-transfer-user");
    expect(JSON.parse(result.Policy as string)).toEqual(expectedPolicy("aws-cn", "home/alice"));
  });

  it("accepts SFTP only for users whose allowedProtocols list it", async () => {
    givenUser("alice", { passwordHash: aliceHash, allowedProtocols: ["SFTP", "FTP"] });
    const result = await handler(event({ protocol: "SFTP" }));
    expect(result.Role).toBe(ROLE_ARN);
    expect(result).not.toHaveProperty("PublicKeys");
  });
});

describe("refused logins return {}", () => {
  it("refuses a wrong password (and a case-changed one)", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event({ password: "wonderland-42!" }))).resolves.toEqual({});
    await expect(handler(event({ password: "not-even-close" }))).resolves.toEqual({});
    const lines = logLines();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ user: "alice", outcome: "denied", reason: "wrong-password" });
    expect(rawLog()).not.toContain("wonderland-42!");
    expect(rawLog()).not.toContain("not-even-close");
    expect(scrypt.checksOf(aliceHash.salt)).toBe(2);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("refuses a %s password without reading any secret (FTP has no key authentication)", async (_label, password) => {
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event({ password }))).resolves.toEqual({});
    expectOneDecision({ user: null, userHint: "a...(5 chars)", outcome: "denied", reason: "missing-password" });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it("refuses an absurdly long password without hashing it", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    const long = "p".repeat(5000);
    await expect(handler(event({ password: long }))).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "password-too-long" });
    expect(rawLog()).not.toContain("pppppppp");
  });

  it.each([
    ["empty", ""],
    ["path traversal", "../admin"],
    ["a slash", "alice/../../bob"],
    ["a double dot", "a..b"],
    ["a space", "alice smith"],
    ["a leading dot", ".alice"],
    ["a control character", "alice\nforged-line"],
    ["101 characters", "a".repeat(101)],
    ["a wildcard", "alice*"],
  ])("refuses a user name with %s before reading any secret", async (_label, username) => {
    await expect(handler(event({ username }))).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "invalid-username" });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    // One physical line (its one newline ends it), no raw control characters.
    expect(String(logSpy.mock.calls[0][0]).replace(/\n$/, "")).not.toMatch(/[\u0000-\u001f]/);
  });

  it("logs a bad user name as a hint only: two characters (escaped) and the length", async () => {
    await handler(event({ username: `\u001b[evil\n{"outcome":"allowed"}${"x".repeat(200)}` }));
    const line = expectOneDecision({ outcome: "denied", reason: "invalid-username", user: null });
    expect(line.userHint).toBe("\\u001b[...(228 chars)");
    expect(rawLog()).not.toContain("evil");
  });

  it("refuses an unknown user after the work of a real check", async () => {
    const result = await handler(event({ username: "mallory", password: "guess-123" }));
    expect(result).toEqual({});
    expect(secrets).toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: "tf-ftp/users/mallory" });
    expect(scrypt.work()).toBe(LOGIN_WORK);
    expectOneDecision({ user: null, userHint: "m...(7 chars)", outcome: "denied", reason: "unknown-user" });
    expect(rawLog()).not.toContain("guess-123");
    expect(rawLog()).not.toContain("mallory");
  });

  it("treats a removed user (secret scheduled for deletion) as unknown", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}alice` }).resolves({ KmsKeyId: KEY_ARN, DeletedDate: new Date("2026-12-31") });
    await expect(handler(event())).resolves.toEqual({});
    // Raced: described before the removal, read after it.
    resetCachesForTests();
    secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}alice` }).resolves({ KmsKeyId: KEY_ARN });
    secrets
      .on(GetSecretValueCommand, { SecretId: `${PREFIX}alice` })
      .rejects(new InvalidRequestException({ message: "You can't perform this operation on the secret because it was marked for deletion.", $metadata: {} }));
    await expect(handler(event())).resolves.toEqual({});
    expect(scrypt.work()).toBe(2 * LOGIN_WORK);
    expect(scrypt.checksOf(aliceHash.salt)).toBe(0);
    expect(logLines().map((l) => [l.reason, l.user])).toEqual([
      ["unknown-user", null],
      ["unknown-user", null],
    ]);
  });

  it("refuses when Secrets Manager cannot be read (e.g. access denied)", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform secretsmanager:GetSecretValue"), { name: "AccessDeniedException" });
    givenUser("alice", { passwordHash: aliceHash });
    secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}alice` }).rejects(denied);
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "secret-unavailable", error: "AccessDeniedException" });
  });

  it("refuses a login for another server, without reading any secret", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event({ serverId: "s-fffffffffffffffff" }))).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "wrong-server", serverId: "s-fffffffffffffffff" });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it.each(["SCP", "", "ftp"])("refuses the unknown protocol %j", async (protocol) => {
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event({ protocol: protocol as "FTP" }))).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "unsupported-protocol" });
  });

  it("refuses SFTP by default, and FTPS when the user is limited to FTP", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    givenUser("ftponly", { passwordHash: aliceHash, allowedProtocols: ["FTP"] });
    await expect(handler(event({ protocol: "SFTP" }))).resolves.toEqual({});
    await expect(handler(event({ username: "ftponly", protocol: "FTPS" }))).resolves.toEqual({});
    await expect(handler(event({ username: "ftponly", protocol: "FTP" }))).resolves.toMatchObject({ Role: ROLE_ARN });
    expect(logLines().map((l) => l.reason)).toEqual(["protocol-not-allowed", "protocol-not-allowed", "authenticated"]);
  });

  it.each([
    ["not JSON", "{not json"],
    ["no passwordHash", { homeDirectory: `/${BUCKET}/home/alice` }],
    ["a plaintext password", { password: ALICE_PASSWORD }],
    ["tampered scrypt parameters (CPU bomb)", "TAMPERED"],
    ["a home with '..'", "DOTDOT"],
    ["a wildcard home that would widen the policy", "WILDCARD"],
    ["a whole-bucket home", "WHOLE_BUCKET"],
    ["a bad protocol list", "BAD_PROTOCOLS"],
    ["a JSON array", "[]"],
  ])("refuses a malformed secret: %s", async (_label, record) => {
    const variants: Record<string, unknown> = {
      TAMPERED: { passwordHash: { ...aliceHash, N: 2 ** 30, r: 64 } },
      DOTDOT: { passwordHash: aliceHash, homeDirectory: `/${BUCKET}/home/../../other` },
      WILDCARD: { passwordHash: aliceHash, homeDirectory: `/${BUCKET}/*` },
      WHOLE_BUCKET: { passwordHash: aliceHash, homeDirectory: `/${BUCKET}` },
      BAD_PROTOCOLS: { passwordHash: aliceHash, allowedProtocols: ["FTP", "HTTP"] },
    };
    givenUser("alice", typeof record === "string" && record in variants ? variants[record] : record);
    const start = Date.now();
    await expect(handler(event())).resolves.toEqual({});
    expect(Date.now() - start).toBeLessThan(5000);
    expectOneDecision({ outcome: "denied", reason: "malformed-record" });
  });

  it("refuses a secret stored as binary", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}alice` }).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "malformed-record" });
  });

  it.each([
    ["another bucket", "/other-bucket/home/alice"],
    ["a bucket whose name starts like ours", `/${BUCKET}-evil/home/alice`],
  ])("refuses a home in %s", async (_label, homeDirectory) => {
    givenUser("alice", { passwordHash: aliceHash, homeDirectory });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "home-outside-bucket" });
  });

  it.each(["USER_SECRET_PREFIX", "BUCKET_NAME", "USER_HOME_ROOT", "TRANSFER_ROLE_ARN", "SERVER_ID_PARAMETER", "USER_SECRETS_KEY_ARN", "LOGIN_ATTEMPTS_TABLE"])("refuses everyone when %s is missing", async (name) => {
    givenUser("alice", { passwordHash: aliceHash });
    delete process.env[name];
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "misconfigured", detail: expect.stringContaining(name) });
  });

  it("refuses a role ARN that is not an IAM role", async () => {
    process.env.TRANSFER_ROLE_ARN = "arn:aws:iam::123456789012:user/someone";
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "misconfigured" });
  });

  it("refuses a garbage event without throwing", async () => {
    await expect(handler({} as TransferFamilyAuthorizerEvent)).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "invalid-username", user: null, userHint: null });
  });
});

describe("the expected server ID (SSM)", () => {
  it("is read once per container, not per login", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await handler(event());
    await handler(event());
    await handler(event({ password: "wrong-one-1" }));
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: SERVER_ID_PARAMETER });
  });

  it("refuses logins while it cannot be read, and does not cache the failure", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    ssm.reset();
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({ Parameter: { Value: SERVER_ID } });
    await expect(handler(event())).resolves.toEqual({});
    await expect(handler(event())).resolves.toMatchObject({ Role: ROLE_ARN });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(logLines().map((l) => [l.reason, l.error])).toEqual([
      ["server-id-unavailable", "ThrottlingException"],
      ["authenticated", undefined],
    ]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it("refuses when the parameter is empty", async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "" } });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "server-id-unavailable" });
  });

  it("is re-read (at most once a minute) when a login names another server, e.g. after the server was replaced", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    const now = jest.spyOn(Date, "now").mockReturnValue(1_000_000);
    try {
      await expect(handler(event())).resolves.toMatchObject({ Role: ROLE_ARN });
      ssm.on(GetParameterCommand, { Name: SERVER_ID_PARAMETER }).resolves({ Parameter: { Value: "s-00000000000000new" } });
      // Within the minute: the cached ID stands, no extra SSM read.
      await expect(handler(event({ serverId: "s-00000000000000new" }))).resolves.toEqual({});
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
      // After it: read again, and the new server is accepted.
      now.mockReturnValue(1_000_000 + SERVER_ID_REFRESH_MS);
      await expect(handler(event({ serverId: "s-00000000000000new" }))).resolves.toMatchObject({ Role: ROLE_ARN });
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
      // The old server is now refused.
      await expect(handler(event())).resolves.toEqual({});
      expect(logLines().map((l) => l.reason)).toEqual(["authenticated", "wrong-server", "authenticated", "wrong-server"]);
    } finally {
      now.mockRestore();
    }
  });
});

describe("sanitizeForLog", () => {
  it("escapes everything outside printable ASCII and truncates", () => {
    expect(sanitizeForLog("plain-name")).toBe("plain-name");
    expect(sanitizeForLog("a\u0000b\r\n\u001b[31mc")).toBe("a\\u0000b\\u000d\\u000a\\u001b[31mc");
    expect(sanitizeForLog("back\\slash")).toBe("back\\\\slash");
    expect(sanitizeForLog("\u2028\u00e9\u{1f600}")).toBe("\\u2028\\u00e9\\u{1f600}");
    expect(sanitizeForLog("x".repeat(70), 64)).toBe(`${"x".repeat(64)}...(70 chars)`);
    expect(sanitizeForLog(undefined)).toBeNull();
    expect(sanitizeForLog(42)).toBe("<number>");
  });
});

describe("the Lambda bundle", () => {
  it("bundles with esbuild as the stack does: only its own directory inlined, only @aws-sdk/* and Node built-ins required", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const path = await import("path");
    const { builtinModules } = await import("module");
    const root = path.resolve(__dirname, "..");
    const result = await esbuild.build({
      entryPoints: [path.join(root, "functions/identity-provider/handler.ts")],
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      external: ["@aws-sdk/*"],
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: root,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.sort()).toEqual([
      "functions/identity-provider/handler.ts",
      "functions/identity-provider/login-throttle.ts",
      "functions/identity-provider/password-hash.ts",
      "functions/identity-provider/ssh-public-key.ts",
      "functions/identity-provider/user-record.ts",
      "functions/identity-provider/user-secret-policy.ts",
    ]);
    const code = result.outputFiles[0].text;
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(["@aws-sdk/client-dynamodb", "@aws-sdk/client-secrets-manager", "@aws-sdk/client-ssm", "crypto"]));
    expect(required.every((r) => r.startsWith("@aws-sdk/") || builtinModules.includes(r))).toBe(true);
    // The SSH key parser (about 1.5 KB) and the user-secret policy check (about 4 KB) included.
    expect(code.length).toBeLessThan(42_000);
  });
});

describe("homes stay below the home root", () => {
  it("refuses a record whose home is the root itself: its policy would cover every user's files", async () => {
    givenUser("boss", { passwordHash: aliceHash, homeDirectory: `/${BUCKET}/home` });
    await expect(handler(event({ username: "boss" }))).resolves.toEqual({});
    expectOneDecision({ user: "boss", outcome: "denied", reason: "home-outside-root" });
  });

  it.each([
    ["above the root", `/${BUCKET}/partners`],
    ["beside the root", `/${BUCKET}/homework/alice`],
  ])("refuses a home %s", async (_label, homeDirectory) => {
    givenUser("alice", { passwordHash: aliceHash, homeDirectory });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "home-outside-root" });
  });

  it("a configured root moves the default home and the limit", async () => {
    process.env.USER_HOME_ROOT = `/${BUCKET}/partners/`;
    givenUser("alice", { passwordHash: aliceHash });
    givenUser("bob", { passwordHash: aliceHash, homeDirectory: `/${BUCKET}/home/bob` });
    const alice = await handler(event());
    expect(JSON.parse(alice.HomeDirectoryDetails as string)).toEqual([{ Entry: "/", Target: `/${BUCKET}/partners/alice` }]);
    await expect(handler(event({ username: "bob" }))).resolves.toEqual({});
    expect(logLines().map((l) => l.reason)).toEqual(["authenticated", "home-outside-root"]);
  });

  it("refuses everyone when the root is not inside the bucket", async () => {
    process.env.USER_HOME_ROOT = "/other-bucket/home/";
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "misconfigured", detail: expect.stringContaining("USER_HOME_ROOT") });
  });
});

describe("user names are case-folded", () => {
  it("Alice and alice are one account: the same secret, the same home", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    const upper = await handler(event({ username: "Alice" }));
    const lower = await handler(event({ username: "alice" }));
    expect(upper).toEqual(lower);
    expect(JSON.parse(upper.HomeDirectoryDetails as string)).toEqual([{ Entry: "/", Target: `/${BUCKET}/home/alice` }]);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: `${PREFIX}alice` });
    expect(secrets).not.toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: `${PREFIX}Alice` });
    expect(logLines().map((l) => l.user)).toEqual(["alice", "alice"]);
  });

  it("refuses a non-ASCII letter that toLowerCase() would fold onto ASCII (U+212A KELVIN SIGN -> k)", async () => {
    givenUser("kelvin", { passwordHash: aliceHash });
    await expect(handler(event({ username: "\u212Aelvin" }))).resolves.toEqual({});
    expectOneDecision({ outcome: "denied", reason: "invalid-username" });
  });
});

describe("logging never holds a mistyped secret", () => {
  it("a password typed into the user-name field is not logged (unknown-user)", async () => {
    const typedAsName = "Correct-Horse-1";
    await expect(handler(event({ username: typedAsName, password: "alice" }))).resolves.toEqual({});
    const line = expectOneDecision({ outcome: "denied", reason: "unknown-user", user: null });
    expect(rawLog()).not.toContain(typedAsName);
    expect(rawLog().toLowerCase()).not.toContain(typedAsName.toLowerCase());
    expect(line.userHint).toBe("Co...(15 chars)");
  });

  it.each([
    ["missing-password", { password: "" }],
    ["unsupported-protocol", { protocol: "SCP" as "FTP" }],
    ["wrong-server", { serverId: "s-fffffffffffffffff" }],
  ])("nor before the user is known (%s)", async (reason, overrides) => {
    await handler(event({ username: "Correct-Horse-1", ...overrides }));
    expectOneDecision({ reason, user: null });
    expect(rawLog().toLowerCase()).not.toContain("correct-horse-1");
  });

  it("a known user's name is logged", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await handler(event({ password: "wrong-password-1" }));
    expectOneDecision({ user: "alice", reason: "wrong-password" });
  });

  it("usernameHint shows at most two characters, fewer for short values", () => {
    expect(usernameHint("Correct-Horse-1")).toBe("Co...(15 chars)");
    expect(usernameHint("abcde")).toBe("a...(5 chars)");
    expect(usernameHint("abc")).toBe("...(3 chars)");
    expect(usernameHint("\u{1f600}\u{1f600}\u{1f600}\u{1f600}")).toBe("\\u{1f600}...(4 chars)");
    expect(usernameHint(undefined)).toBeNull();
  });
});

describe("failed logins back off per user: the attempt is reserved before its password is checked", () => {
  const NOW = 1_800_000_000_000;
  let now: jest.SpyInstance;
  beforeEach(() => {
    now = jest.spyOn(Date, "now").mockReturnValue(NOW);
  });
  afterEach(() => now.mockRestore());

  it("reserves the attempt with one conditional UpdateItem (window open) before checking the password", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "3" } } });
    await expect(handler(event({ username: "Alice", password: "wrong-password-1" }))).resolves.toEqual({});
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    const input = dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { username: { S: "alice" } },
      UpdateExpression: "ADD failures :one SET lastFailureAt = :now, expiresAt = :expires",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    // Known users may get an item; the window is open below 5 failures, or once the last failure's window passed.
    expect(input.ConditionExpression).toMatch(/^attribute_not_exists\(username\) OR failures < :free OR \(failures = :f5 AND lastFailureAt <= :t5\)/);
    expect(input.ExpressionAttributeValues).toMatchObject({ ":free": { N: "5" }, ":f5": { N: "5" }, ":t5": { N: String(NOW - 1_000) }, ":f6": { N: "6" }, ":t6": { N: String(NOW - 2_000) } });
    // The reservation came before the check: the count it returned is the one logged.
    expectOneDecision({ user: "alice", reason: "wrong-password", failures: 3 });
    expect(scrypt.checksOf(aliceHash.salt)).toBe(1);
  });

  it("while the window is closed, does not check the password (even the right one), in the same work", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    givenClosedWindow("alice", 7, NOW - 1_000); // 7 failures: a 4 s window, 3 s left
    await expect(handler(event())).resolves.toEqual({});
    expect(scrypt.checksOf(aliceHash.salt)).toBe(0);
    expect(scrypt.work()).toBe(LOGIN_WORK);
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 1); // the refused reservation writes nothing
    expectOneDecision({ user: "alice", reason: "throttled", failures: 7, retryAfterSeconds: 3 });
  });

  it("a right password clears the record, its own reserved attempt included", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event())).resolves.toMatchObject({ Role: ROLE_ARN });
    const deletes = dynamodb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input);
    // The expiry delete (conditional), then the clearing delete (unconditional).
    expect(deletes).toEqual([
      { TableName: TABLE, Key: { username: { S: "alice" } }, ConditionExpression: "expiresAt <= :nowSeconds", ExpressionAttributeValues: { ":nowSeconds": { N: String(NOW / 1000) } } },
      { TableName: TABLE, Key: { username: { S: "alice" } } },
    ]);
  });

  it("an expired item is deleted before the reservation (TTL deletes only eventually), so its count does not carry over", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await handler(event({ password: "wrong-password-1" }));
    const order = dynamodb.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(order).toEqual(["DeleteItemCommand", "UpdateItemCommand"]);
  });

  it("unknown user names never get an item: the same write, with a condition that needs an existing item", async () => {
    await handler(event({ username: "Correct-Horse-1" }));
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    const input = dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input;
    expect(input.ConditionExpression).toMatch(/^attribute_exists\(username\) AND \(failures < :free OR /);
  });

  it("refuses (fails closed) when the table cannot be written, without checking the password", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    dynamodb.on(UpdateItemCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ reason: "throttle-unavailable", error: "AccessDeniedException" });
    expect(scrypt.checksOf(aliceHash.salt)).toBe(0);
    expect(scrypt.work()).toBe(LOGIN_WORK);
  });

  it("a failure to clear after a right password still logs the user in, and says so", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    dynamodb.on(DeleteItemCommand, { ConditionExpression: undefined }).rejects(Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" }));
    await expect(handler(event())).resolves.toMatchObject({ Role: ROLE_ARN });
    expectOneDecision({ reason: "authenticated", throttleError: "ProvisionedThroughputExceededException" });
  });
});

describe("user names cannot be told apart by the AWS calls or the work (finding: enumeration)", () => {
  it(`the lookup takes at least ${LOOKUP_FLOOR_MS} ms, however fast AWS answers, so AWS's own answer time stays hidden`, async () => {
    givenUser("alice", { passwordHash: aliceHash, allowedProtocols: ["SFTP"], publicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"] });
    setLookupFloorForTests(LOOKUP_FLOOR_MS);
    try {
      for (const name of ["alice", "mallory"]) {
        for (const overrides of [{}, { protocol: "SFTP" as const, password: undefined }]) {
          const start = Date.now();
          await handler(event({ username: name, ...overrides }));
          expect(Date.now() - start).toBeGreaterThanOrEqual(LOOKUP_FLOOR_MS - 1);
        }
      }
    } finally {
      setLookupFloorForTests(0);
    }
  });

  // The calls and scrypt work of one login, for each kind of name.
  async function profile(name: string, overrides: Partial<TransferFamilyAuthorizerEvent> = {}) {
    secrets.resetHistory();
    ssm.resetHistory();
    dynamodb.resetHistory();
    scrypt.clear();
    resetCachesForTests();
    logSpy.mockClear();
    await handler(event({ username: name, password: "a-wrong-guess", ...overrides }));
    return { calls: awsCalls(), work: scrypt.work(), reason: logLines()[0].reason };
  }

  it("password logins: a known user, an unknown name, a throttled user and unusable records all make the same calls and the same work", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    givenUser("old", { passwordHash: { ...aliceHash, N: 2 ** 14 } }); // a record from before the OWASP minimum
    givenUser("carol", { passwordHash: aliceHash });
    givenClosedWindow("carol", 9, Date.now());
    givenUser("boss", { passwordHash: aliceHash }, null); // not under the user-secrets key
    givenUser("eve", { passwordHash: aliceHash }, KEY_ARN, null); // no resource policy
    const known = await profile("alice");
    expect(known).toEqual({
      calls: [
        "DeleteItemCommand",
        "DescribeSecretCommand",
        "GetParameterCommand",
        "GetResourcePolicyCommand",
        "GetSecretValueCommand",
        "UpdateItemCommand",
      ],
      work: LOGIN_WORK,
      reason: "wrong-password",
    });
    for (const [name, reason] of [
      ["mallory", "unknown-user"],
      ["old", "wrong-password"],
      ["carol", "throttled"],
      ["boss", "wrong-encryption-key"],
      ["eve", "unprotected-record"],
    ]) {
      expect({ name, ...(await profile(name)) }).toEqual({ name, calls: known.calls, work: known.work, reason });
    }
  });

  it("SFTP key lookups: a known user, an unknown name and a throttled user make the same calls, and no hash", async () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    givenUser("alice", { passwordHash: aliceHash, allowedProtocols: ["SFTP"], publicKeys: [key] });
    givenUser("carol", { passwordHash: aliceHash, allowedProtocols: ["SFTP"], publicKeys: [key] });
    givenClosedWindow("carol", 9, Date.now());
    const lookup = { protocol: "SFTP" as const, password: undefined };
    const known = await profile("alice", lookup);
    expect(known).toEqual({
      calls: ["DescribeSecretCommand", "GetItemCommand", "GetParameterCommand", "GetResourcePolicyCommand", "GetSecretValueCommand"],
      work: 0,
      reason: "public-keys",
    });
    expect(await profile("mallory", lookup)).toEqual({ ...known, reason: "unknown-user" });
    expect(await profile("carol", lookup)).toEqual({ ...known, reason: "throttled" });
  });
});

describe("only records encrypted with the user-secrets key count", () => {
  it.each([
    ["the AWS managed key aws/secretsmanager (KmsKeyId omitted)", null],
    ["another key", "arn:aws:kms:ap-northeast-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"],
    ["an alias (it could be re-pointed)", "arn:aws:kms:ap-northeast-1:123456789012:alias/tf-ftp-user-secrets"],
  ])("refuses a record encrypted with %s, without checking its password", async (_label, kmsKeyId) => {
    givenUser("boss", { passwordHash: aliceHash }, kmsKeyId);
    await expect(handler(event({ username: "boss" }))).resolves.toEqual({});
    expectOneDecision({ user: "boss", reason: "wrong-encryption-key" });
    expect(scrypt.checksOf(aliceHash.salt)).toBe(0);
    expect(scrypt.work()).toBe(LOGIN_WORK);
    // The record's value was read with the rest (the same calls for every name) and not used.
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it("accepts the key ARN or the bare key ID (DescribeSecret returns either form)", async () => {
    expect(isExpectedKey(KEY_ARN, KEY_ARN)).toBe(true);
    expect(isExpectedKey(KEY_ID, KEY_ARN)).toBe(true);
    expect(isExpectedKey(`alias/tf-ftp-user-secrets`, KEY_ARN)).toBe(false);
    expect(isExpectedKey(undefined, KEY_ARN)).toBe(false);
    givenUser("alice", { passwordHash: aliceHash }, KEY_ID);
    await expect(handler(event())).resolves.toMatchObject({ Role: ROLE_ARN });
  });

  it("describes the secret at every login: no cache, so a known name costs no fewer calls than an unknown one", async () => {
    givenUser("alice", { passwordHash: aliceHash });
    await handler(event());
    await handler(event());
    expect(secrets).toHaveReceivedCommandTimes(DescribeSecretCommand, 2);
    // Moved to another key meanwhile: refused at once.
    secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}alice` }).resolves({});
    await expect(handler(event())).resolves.toEqual({});
    expect(logLines().map((l) => l.reason)).toEqual(["authenticated", "authenticated", "wrong-encryption-key"]);
  });

  it("refuses everyone when the key in the environment is an alias, not a key ARN", async () => {
    process.env.USER_SECRETS_KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:alias/tf-ftp-user-secrets";
    givenUser("alice", { passwordHash: aliceHash });
    await expect(handler(event())).resolves.toEqual({});
    expectOneDecision({ reason: "misconfigured", detail: expect.stringContaining("USER_SECRETS_KEY_ARN") });
  });
});
