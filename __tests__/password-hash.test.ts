import { randomBytes, scryptSync } from "crypto";
import {
  burnComparableTime,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  isPasswordHash,
  PasswordHash,
  PasswordHashError,
  passwordHashProblems,
  SCRYPT_LIMITS,
  verifyPassword,
} from "../functions/identity-provider/password-hash";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe("hashPassword", () => {
  it("stores scrypt parameters, a 16-byte random salt and a 64-byte key, all as plain JSON", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toEqual({
      algorithm: "scrypt",
      N: 16384,
      r: 8,
      p: 1,
      keyLength: 64,
      salt: expect.stringMatching(BASE64),
      hash: expect.stringMatching(BASE64),
    });
    expect(Buffer.from(stored.salt, "base64")).toHaveLength(16);
    expect(Buffer.from(stored.hash, "base64")).toHaveLength(64);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    expect(JSON.stringify(stored)).not.toContain("correct horse");
  });

  it("uses a fresh salt every time, so equal passwords get different hashes", async () => {
    const [a, b] = await Promise.all([hashPassword("same-password"), hashPassword("same-password")]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    await expect(verifyPassword("same-password", a)).resolves.toBe(true);
    await expect(verifyPassword("same-password", b)).resolves.toBe(true);
  });

  it("refuses empty and over-long passwords", async () => {
    await expect(hashPassword("")).rejects.toThrow(PasswordHashError);
    await expect(hashPassword("x".repeat(1025))).rejects.toThrow(/at most 1024/);
  });
});

describe("verifyPassword", () => {
  let stored: PasswordHash;
  beforeAll(async () => {
    stored = await hashPassword("S3cret-passw0rd");
  });

  it("accepts the right password and refuses others", async () => {
    await expect(verifyPassword("S3cret-passw0rd", stored)).resolves.toBe(true);
    await expect(verifyPassword("s3cret-passw0rd", stored)).resolves.toBe(false);
    await expect(verifyPassword("S3cret-passw0rd ", stored)).resolves.toBe(false);
    await expect(verifyPassword("", stored)).resolves.toBe(false);
  });

  it("refuses a hash whose key was changed by one bit", async () => {
    const key = Buffer.from(stored.hash, "base64");
    key[0] ^= 1;
    await expect(verifyPassword("S3cret-passw0rd", { ...stored, hash: key.toString("base64") })).resolves.toBe(false);
  });

  it("is standard scrypt: accepts a hash made independently with crypto.scryptSync", async () => {
    const salt = randomBytes(24);
    const key = scryptSync("interop-pass", salt, 32, { N: 16384, r: 8, p: 2 });
    const foreign: PasswordHash = { algorithm: "scrypt", N: 16384, r: 8, p: 2, keyLength: 32, salt: salt.toString("base64"), hash: key.toString("base64") };
    await expect(verifyPassword("interop-pass", foreign)).resolves.toBe(true);
    await expect(verifyPassword("interop-pasS", foreign)).resolves.toBe(false);
  });

  it("normalises to NFC, so composed and decomposed accents match", async () => {
    const composed = "caf\u00e9-passw0rd";
    const decomposed = "cafe\u0301-passw0rd";
    const h = await hashPassword(composed);
    await expect(verifyPassword(decomposed, h)).resolves.toBe(true);
  });

  const tampered: [string, Partial<Record<keyof PasswordHash | "extra", unknown>>, RegExp][] = [
    ["N far too large (minutes of CPU)", { N: 2 ** 30 }, /passwordHash\.N/],
    ["N not a power of two", { N: 20000 }, /passwordHash\.N/],
    ["N weaker than the default", { N: 1024 }, /passwordHash\.N/],
    ["r huge", { r: 1024 }, /passwordHash\.r/],
    ["p huge", { p: 64 }, /passwordHash\.p/],
    ["N * r above the memory cap", { N: 65536, r: 16 }, /MiB/],
    ["keyLength huge", { keyLength: 1_000_000 }, /keyLength/],
    ["keyLength not matching the hash", { keyLength: 32 }, /passwordHash\.hash/],
    ["salt too short", { salt: Buffer.alloc(8).toString("base64") }, /salt/],
    ["salt not base64", { salt: "not base64!!" }, /salt/],
    ["hash missing", { hash: undefined }, /passwordHash\.hash/],
    ["another algorithm", { algorithm: "md5" }, /algorithm/],
    ["a string N", { N: "16384" }, /passwordHash\.N/],
    ["an unknown key", { extra: 1 }, /unknown keys/],
  ];
  it.each(tampered)("refuses a stored hash with %s, before doing any work", async (_label, change, problem) => {
    const bad = { ...stored, ...change } as unknown as PasswordHash;
    expect(isPasswordHash(bad)).toBe(false);
    expect(passwordHashProblems(bad).join("\n")).toMatch(problem);
    const ms = await elapsedMs(() => expect(verifyPassword("S3cret-passw0rd", bad)).rejects.toThrow(PasswordHashError));
    // Generous bound for loaded machines; the CPU-bomb case alone would take minutes.
    expect(ms).toBeLessThan(500);
  });

  it("accepts the strongest parameters inside the limits", async () => {
    const salt = randomBytes(SCRYPT_LIMITS.maxSaltBytes);
    const params = { N: SCRYPT_LIMITS.maxN, r: 8, p: 1 };
    const key = scryptSync("limits", salt, SCRYPT_LIMITS.maxKeyLength, { ...params, maxmem: 256 * 1024 * 1024 });
    const h: PasswordHash = { algorithm: "scrypt", ...params, keyLength: SCRYPT_LIMITS.maxKeyLength, salt: salt.toString("base64"), hash: key.toString("base64") };
    expect(passwordHashProblems(h)).toEqual([]);
    await expect(verifyPassword("limits", h)).resolves.toBe(true);
  });

  it("refuses non-objects", () => {
    expect(passwordHashProblems(null)).toEqual(["passwordHash: expected an object"]);
    expect(passwordHashProblems("scrypt$...")).toEqual(["passwordHash: expected an object"]);
    expect(passwordHashProblems([])).toEqual(["passwordHash: expected an object"]);
  });
});

describe("burnComparableTime", () => {
  it("always resolves false, whatever the password", async () => {
    await expect(burnComparableTime("anything")).resolves.toBe(false);
    await expect(burnComparableTime("")).resolves.toBe(false);
    await expect(burnComparableTime(undefined)).resolves.toBe(false);
  });

  it("takes about as long as verifying a real default-parameter hash", async () => {
    const real = await hashPassword("timing-password");
    expect(real.N).toBe(DEFAULT_SCRYPT_PARAMS.N);
    await verifyPassword("warm-up", real);
    const realTimes: number[] = [];
    const dummyTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      realTimes.push(await elapsedMs(() => verifyPassword("wrong-password", real)));
      dummyTimes.push(await elapsedMs(() => burnComparableTime("wrong-password")));
    }
    const ratio = median(dummyTimes) / median(realTimes);
    // Same parameters, same work: about 1. Wide bounds keep it stable on a loaded machine.
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });
});
