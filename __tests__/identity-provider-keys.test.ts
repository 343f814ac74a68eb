// SFTP public-key authentication in the identity provider, the key
// parser it shares with `npm run users`, and every protocol x credential
// combination the handler can be called with.
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TransferFamilyAuthorizerEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { handler, resetCachesForTests, setLookupFloorForTests } from "../functions/identity-provider/handler";
// The handler's logic without its lookup floor (the floor's timing is tested in identity-provider.test.ts and on the emulator).
setLookupFloorForTests(0);
import { hashPassword, PasswordHash } from "../functions/identity-provider/password-hash";
import { MAX_KEY_LINE, parseSshPublicKey, sshFingerprint } from "../functions/identity-provider/ssh-public-key";
import { MAX_PUBLIC_KEYS, userRecordProblems } from "../functions/identity-provider/user-record";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { recordScrypt, ScryptRecorder } from "./support/scrypt-recorder";
import { ecdsaLine, ed25519Line, rsaLine } from "./support/ssh-keys";

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);

const BUCKET = "tf-ftp-example-bucket";
const PREFIX = "tf-ftp/users/";
const ROLE_ARN = "arn:aws:iam::123456789012:role/tf-ftp-transfer-user";
const SERVER_ID = "s-0123456789abcdef0";
const SERVER_ID_PARAMETER = "/tf-ftp/transfer-server-id";
const PASSWORD = "Wonderland-42!";
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ADMIN = "arn:aws:iam::123456789012:role/ftp-user-admin";
let scrypt: ScryptRecorder;

const KEY_A = ed25519Line();
const KEY_B = ecdsaLine("P-256");
let hash: PasswordHash;

function event(overrides: Partial<TransferFamilyAuthorizerEvent> | Record<string, unknown> = {}): TransferFamilyAuthorizerEvent {
  return { username: "alice", password: PASSWORD, protocol: "SFTP", serverId: SERVER_ID, sourceIp: "10.0.3.119", ...overrides } as TransferFamilyAuthorizerEvent;
}

function givenAlice(record: Record<string, unknown>): void {
  secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}alice` }).resolves({ SecretString: JSON.stringify({ passwordHash: hash, ...record }) });
  secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}alice` }).resolves({ Name: `${PREFIX}alice`, KmsKeyId: KEY_ARN });
  secrets.on(GetResourcePolicyCommand, { SecretId: `${PREFIX}alice` }).resolves({ ResourcePolicy: JSON.stringify(userSecretPolicy([ADMIN])) });
}

let logSpy: jest.SpyInstance;
const reasons = () => logSpy.mock.calls.map((c) => JSON.parse(String(c[0])).reason);

beforeAll(async () => {
  scrypt = recordScrypt("fast");
  hash = await hashPassword(PASSWORD);
});
afterAll(() => scrypt.restore());

beforeEach(() => {
  scrypt.clear();
  secrets.reset();
  ssm.reset();
  dynamodb.reset();
  resetCachesForTests();
  Object.assign(process.env, {
    USER_SECRET_PREFIX: PREFIX,
    BUCKET_NAME: BUCKET,
    TRANSFER_ROLE_ARN: ROLE_ARN,
    SERVER_ID_PARAMETER,
    USER_HOME_ROOT: `/${BUCKET}/home/`,
    USER_SECRETS_KEY_ARN: KEY_ARN,
    LOGIN_ATTEMPTS_TABLE: "tf-ftp-login-attempts",
    USER_ADMINISTRATOR_ARNS: JSON.stringify([ADMIN]),
  });
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "1" } } });
  dynamodb.on(DeleteItemCommand).resolves({});
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: SERVER_ID } });
  secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));
  secrets.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));
  secrets.on(GetResourcePolicyCommand).rejects(new ResourceNotFoundException({ message: "not found", $metadata: {} }));
  logSpy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterEach(() => {
  const log = logSpy.mock.calls.map((c) => String(c[0])).join("");
  expect(log).not.toContain(PASSWORD);
  // Keys are not secret, but the log names only their count.
  expect(log).not.toContain(KEY_A.split(" ")[1]);
  logSpy.mockRestore();
});

describe("OpenSSH public keys (ssh-public-key.ts)", () => {
  it.each([
    ["ssh-ed25519", ed25519Line(), 256],
    ["ecdsa-sha2-nistp256", ecdsaLine("P-256"), 256],
    ["ecdsa-sha2-nistp384", ecdsaLine("P-384"), 384],
    ["ecdsa-sha2-nistp521", ecdsaLine("P-521"), 521],
    ["ssh-rsa", rsaLine(2048), 2048],
  ])("accepts %s and drops the comment", (type, line, bits) => {
    const parsed = parseSshPublicKey(`  ${line} alice@laptop  `);
    expect(parsed).toEqual({ ok: true, key: { type, line, bits, fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) } });
  });

  it("computes the fingerprint as ssh-keygen -l does (SHA-256 of the blob, unpadded base64)", () => {
    const blob = Buffer.from(KEY_A.split(" ")[1], "base64");
    const parsed = parseSshPublicKey(KEY_A);
    expect(parsed.ok && parsed.key.fingerprint).toBe(sshFingerprint(blob));
    expect(sshFingerprint(Buffer.from("abc"))).toBe("SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
  });

  it.each([
    ["an RSA key below 2048 bits", rsaLine(1024), /RSA key of 1024 bits/],
    ["a private key", "-----BEGIN OPENSSH PRIVATE KEY-----", /not PEM/],
    ["an authorized_keys option prefix", `from="10.0.0.0/8" ${KEY_A}`, /key type/],
    ["an unsupported type", `ssh-dss ${KEY_A.split(" ")[1]}`, /key type/],
    ["a type that does not match the blob", `ssh-rsa ${KEY_A.split(" ")[1]}`, /malformed key data/],
    ["a truncated blob", `ssh-ed25519 ${Buffer.from(KEY_A.split(" ")[1], "base64").subarray(0, 30).toString("base64")}`, /malformed/],
    ["no base64", "ssh-ed25519", /base64/],
    ["two lines", `${KEY_A}\n${KEY_B}`, /one line/],
    ["an over-long line", `ssh-ed25519 ${"A".repeat(MAX_KEY_LINE)}`, /longer than 2048/],
    ["an empty string", "", /empty/],
  ])("refuses %s", (_what, text, problem) => {
    const parsed = parseSshPublicKey(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it("user records hold at most MAX_PUBLIC_KEYS distinct, bare keys", () => {
    expect(userRecordProblems({ passwordHash: hash, publicKeys: [KEY_A, KEY_B] })).toEqual([]);
    expect(userRecordProblems({ passwordHash: hash, publicKeys: [KEY_A, KEY_A] })).toEqual(["publicKeys[1]: the same key twice"]);
    expect(userRecordProblems({ passwordHash: hash, publicKeys: [`${KEY_A} comment`] })[0]).toMatch(/^publicKeys\[0\]: expected/);
    expect(userRecordProblems({ passwordHash: hash, publicKeys: Array.from({ length: MAX_PUBLIC_KEYS + 1 }, () => ed25519Line()) })[0]).toMatch(/at most/);
  });
});

describe("identity provider: SFTP key lookup", () => {
  it("an SFTP event without a password gets the user's keys as PublicKeys, and no password is checked", async () => {
    givenAlice({ allowedProtocols: ["SFTP"], publicKeys: [KEY_A, KEY_B] });
    const response = await handler(event({ password: undefined }));
    expect(response).toMatchObject({ Role: ROLE_ARN, HomeDirectoryType: "LOGICAL", PublicKeys: [KEY_A, KEY_B] });
    expect(JSON.parse(response.HomeDirectoryDetails!)).toEqual([{ Entry: "/", Target: `/${BUCKET}/home/alice` }]);
    expect(reasons()).toEqual(["public-keys"]);
    // The name's backoff window is read (a name under attack is closed on every path), nothing is written or hashed.
    expect(dynamodb.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual(["GetItemCommand"]);
    expect(scrypt.calls).toEqual([]);
  });

  it("a key lookup for a name whose backoff window is closed gets nothing", async () => {
    givenAlice({ allowedProtocols: ["SFTP"], publicKeys: [KEY_A] });
    dynamodb.on(GetItemCommand).resolves({
      Item: { failures: { N: "8" }, lastFailureAt: { N: String(Date.now()) }, expiresAt: { N: String(Math.ceil(Date.now() / 1000) + 86_400) } },
    });
    expect(await handler(event({ password: undefined }))).toEqual({});
    expect(reasons()).toEqual(["throttled"]);
    dynamodb.on(GetItemCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    expect(await handler(event({ password: undefined }))).toEqual({});
    expect(reasons()).toEqual(["throttled", "throttle-unavailable"]);
  });

  it("an empty password counts as none for SFTP", async () => {
    givenAlice({ allowedProtocols: ["SFTP"], publicKeys: [KEY_A] });
    expect((await handler(event({ password: "" }))).PublicKeys).toEqual([KEY_A]);
  });

  it("an SFTP password login never returns PublicKeys", async () => {
    givenAlice({ allowedProtocols: ["SFTP"], publicKeys: [KEY_A] });
    const response = await handler(event());
    expect(response.Role).toBe(ROLE_ARN);
    expect(response).not.toHaveProperty("PublicKeys");
    expect(reasons()).toEqual(["authenticated"]);
  });

  it("a user without keys, or not allowed SFTP, gets nothing", async () => {
    givenAlice({ allowedProtocols: ["SFTP"] });
    expect(await handler(event({ password: undefined }))).toEqual({});
    givenAlice({ allowedProtocols: ["FTP", "FTPS"], publicKeys: [KEY_A] });
    resetCachesForTests();
    expect(await handler(event({ password: undefined }))).toEqual({});
    expect(reasons()).toEqual(["no-public-keys", "protocol-not-allowed"]);
  });

  it("unknown users, secrets under the wrong key and other servers get nothing", async () => {
    expect(await handler(event({ username: "bob", password: undefined }))).toEqual({});
    givenAlice({ allowedProtocols: ["SFTP"], publicKeys: [KEY_A] });
    expect(await handler(event({ password: undefined, serverId: "s-0000000000000000f" }))).toEqual({});
    secrets.on(DescribeSecretCommand, { SecretId: `${PREFIX}alice` }).resolves({ Name: `${PREFIX}alice`, KmsKeyId: "alias/aws/secretsmanager" });
    resetCachesForTests();
    expect(await handler(event({ password: undefined }))).toEqual({});
    expect(reasons()).toEqual(["unknown-user", "wrong-server", "wrong-encryption-key"]);
  });
});

describe("identity provider: every protocol x credential combination", () => {
  const record = { allowedProtocols: ["FTP", "FTPS", "SFTP"], publicKeys: [KEY_A] };
  // [protocol, password, expected reason, PublicKeys returned]
  const cases: [string, string | undefined, string, boolean][] = [
    ["FTP", PASSWORD, "authenticated", false],
    ["FTP", "wrong-password-1", "wrong-password", false],
    ["FTP", undefined, "missing-password", false],
    ["FTP", "", "missing-password", false],
    ["FTPS", PASSWORD, "authenticated", false],
    ["FTPS", "wrong-password-1", "wrong-password", false],
    ["FTPS", undefined, "missing-password", false],
    ["SFTP", PASSWORD, "authenticated", false],
    ["SFTP", "wrong-password-1", "wrong-password", false],
    ["SFTP", undefined, "public-keys", true],
    ["SCP", undefined, "missing-password", false],
    ["SCP", PASSWORD, "unsupported-protocol", false],
  ];
  it.each(cases)("%s with password %p: %s", async (protocol, password, reason, keys) => {
    givenAlice(record);
    const response = await handler(event({ protocol, password }));
    expect(reasons()).toEqual([reason]);
    expect(Boolean(response.Role)).toBe(reason === "authenticated" || reason === "public-keys");
    expect("PublicKeys" in response).toBe(keys);
  });
});
