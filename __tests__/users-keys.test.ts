// `npm run users -- add-key | remove-key | keys` (SFTP public keys in
// the user record), and that a key added here is what the identity provider
// hands Transfer for an SFTP key lookup.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { runUsersCli } from "../cli/users-command";
import { hashPassword, PasswordHash } from "../functions/identity-provider/password-hash";
import { parseSshPublicKey } from "../functions/identity-provider/ssh-public-key";
import { ed25519Line, rsaLine } from "./support/ssh-keys";

const secrets = mockClient(SecretsManagerClient);
const ENV = { TRANSFER_CONFIG: path.resolve(__dirname, "../config/example.json") };
const PREFIX = "tf-ftp/users/";
let dir: string;
let hash: PasswordHash;
let stored: Record<string, unknown>;

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCli(argv, {
    env: ENV,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    createClient: (region) => new SecretsManagerClient({ region, credentials: { accessKeyId: "test", secretAccessKey: "test" } }),
    passwords: { interactive: false, ask: async () => { throw new Error("no password expected"); } },
  });
  return { code, out, err };
}

function keyFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const fingerprintOf = (line: string) => {
  const parsed = parseSshPublicKey(line);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.key.fingerprint;
};

beforeAll(async () => {
  hash = await hashPassword("Wonderland-42!");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "users-keys-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  secrets.reset();
  stored = { passwordHash: hash, allowedProtocols: ["SFTP"] };
  secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}alice` }).callsFake(async () => ({ SecretString: JSON.stringify(stored) }));
  secrets.on(GetSecretValueCommand, { SecretId: `${PREFIX}nobody` }).rejects(new ResourceNotFoundException({ message: "no", $metadata: {} }));
  secrets.on(PutSecretValueCommand).callsFake(async (input: { SecretString: string }) => {
    stored = JSON.parse(input.SecretString);
    return {};
  });
});

describe("npm run users -- add-key / keys / remove-key", () => {
  const key = ed25519Line();
  const second = rsaLine(3072);

  test("adds a key from a .pub file (comment dropped), lists its fingerprint, removes it by fingerprint", async () => {
    const added = await run(["add-key", "alice", "--key-file", keyFile("alice.pub", `${key} alice@laptop\n`)]);
    expect(added).toEqual({ code: 0, out: [`added key ${fingerprintOf(key)} (ssh-ed25519, 256 bits) to alice`], err: [] });
    expect(stored.publicKeys).toEqual([key]);
    expect(stored.passwordHash).toEqual(hash);

    await run(["add-key", "Alice", "--key-file", keyFile("second.pub", `${second}\n`)]);
    const listed = await run(["keys", "alice"]);
    expect(listed.out).toEqual([`${fingerprintOf(key)} ssh-ed25519 256`, `${fingerprintOf(second)} ssh-rsa 3072`]);

    const removed = await run(["remove-key", "alice", fingerprintOf(key)]);
    expect(removed.code).toBe(0);
    expect(stored.publicKeys).toEqual([second]);
    await run(["remove-key", "alice", fingerprintOf(second)]);
    expect(stored).not.toHaveProperty("publicKeys");
  });

  test("refuses the same key twice, a malformed key, a private key, several lines and a short RSA key, writing nothing", async () => {
    stored = { ...stored, publicKeys: [key] };
    const cases: [string, RegExp][] = [
      [`${key} again`, /already has the key/],
      ["ssh-ed25519 AAAAnotakey", /base64 data/],
      [`ssh-ed25519 ${Buffer.from("not a key blob").toString("base64")}`, /malformed key data/],
      ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", /exactly one public key line|not PEM/],
      [`${key}\n${second}\n`, /exactly one public key line, found 2/],
      [rsaLine(1024), /RSA key of 1024 bits: expected at least 2048/],
    ];
    for (const [content, problem] of cases) {
      const result = await run(["add-key", "alice", "--key-file", keyFile("bad.pub", content)]);
      expect(result.code).toBe(1);
      expect(result.err.join("\n")).toMatch(problem);
    }
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test("usage errors: no key file, a bad fingerprint, an unknown user, a key that is not there", async () => {
    expect((await run(["add-key", "alice"])).code).toBe(2);
    expect((await run(["remove-key", "alice"])).code).toBe(2);
    expect((await run(["remove-key", "alice", "MD5:aa:bb"])).err.join("")).toMatch(/bad fingerprint/);
    expect((await run(["keys", "nobody"])).err.join("")).toMatch(/user nobody not found/);
    expect((await run(["remove-key", "alice", fingerprintOf(key)])).err.join("")).toMatch(/has no key/);
  });

  test("warns when the user may not use SFTP", async () => {
    stored = { passwordHash: hash };
    const result = await run(["add-key", "alice", "--key-file", keyFile("alice.pub", key)]);
    expect(result.code).toBe(0);
    expect(result.out[1]).toMatch(/^note: alice may not use SFTP \(protocols FTP,FTPS\)/);
  });
});
