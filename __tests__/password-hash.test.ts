import { randomBytes, scryptSync } from "crypto";
import {
  burnComparableTime,
  checkPasswordWithFixedWork,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  isBelowDefault,
  isPasswordHash,
  LOGIN_WORK,
  PasswordHash,
  PasswordHashError,
  passwordHashProblems,
  SCRYPT_LIMITS,
  verifyPassword,
} from "../functions/identity-provider/password-hash";
import { recordScrypt } from "./support/scrypt-recorder";

// Real scrypt at N = 2^17 costs 128 MiB and about half a second here per
// derivation: the tests below share hashes and count work instead of timing it
// wherever they can.

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe("hashPassword", () => {
  it("stores OWASP's minimum scrypt parameters (N = 2^17, r = 8, p = 1), a 16-byte random salt and a 64-byte key, all as plain JSON", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toEqual({
      algorithm: "scrypt",
      N: 131072,
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
    // The real derivation, checked independently.
    const key = scryptSync("correct horse battery staple", Buffer.from(stored.salt, "base64"), 64, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    expect(key.toString("base64")).toBe(stored.hash);
  });

  it("uses a fresh salt every time, so equal passwords get different hashes", async () => {
    const scrypt = recordScrypt("fast");
    try {
      const [a, b] = await Promise.all([hashPassword("same-password"), hashPassword("same-password")]);
      expect(a.salt).not.toBe(b.salt);
      expect(a.hash).not.toBe(b.hash);
    } finally {
      scrypt.restore();
    }
  });

  it("refuses empty and over-long passwords", async () => {
    await expect(hashPassword("")).rejects.toThrow(PasswordHashError);
    await expect(hashPassword("x".repeat(1025))).rejects.toThrow(/at most 1024/);
  });
});

describe("verifyPassword", () => {
  let stored: PasswordHash;
  beforeAll(() => {
    // Made with scryptSync at the default parameters (one real derivation for the describe).
    const salt = randomBytes(16);
    const key = scryptSync("S3cret-passw0rd", salt, 64, { N: DEFAULT_SCRYPT_PARAMS.N, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    stored = { algorithm: "scrypt", N: DEFAULT_SCRYPT_PARAMS.N, r: 8, p: 1, keyLength: 64, salt: salt.toString("base64"), hash: key.toString("base64") };
  });

  it("accepts the right password and refuses others (real scrypt, made independently with crypto.scryptSync)", async () => {
    await expect(verifyPassword("S3cret-passw0rd", stored)).resolves.toBe(true);
    await expect(verifyPassword("s3cret-passw0rd", stored)).resolves.toBe(false);
    await expect(verifyPassword("", stored)).resolves.toBe(false);
  });

  it("refuses a hash whose key was changed by one bit", async () => {
    const key = Buffer.from(stored.hash, "base64");
    key[0] ^= 1;
    await expect(verifyPassword("S3cret-passw0rd", { ...stored, hash: key.toString("base64") })).resolves.toBe(false);
  });

  it("still reads a record from before the OWASP minimum (N = 2^14, what `npm run users` wrote until now)", async () => {
    const salt = randomBytes(16);
    const key = scryptSync("interop-pass", salt, 64, { N: 16384, r: 8, p: 1 });
    const old: PasswordHash = { algorithm: "scrypt", N: 16384, r: 8, p: 1, keyLength: 64, salt: salt.toString("base64"), hash: key.toString("base64") };
    expect(passwordHashProblems(old)).toEqual([]);
    expect(isBelowDefault(old)).toBe(true);
    expect(isBelowDefault(stored)).toBe(false);
    await expect(verifyPassword("interop-pass", old)).resolves.toBe(true);
    await expect(verifyPassword("interop-pasS", old)).resolves.toBe(false);
  });

  it("normalises to NFC, so composed and decomposed accents match", async () => {
    const scrypt = recordScrypt("fast");
    try {
      const composed = "caf\u00e9-passw0rd";
      const decomposed = "cafe\u0301-passw0rd";
      const h = await hashPassword(composed);
      await expect(verifyPassword(decomposed, h)).resolves.toBe(true);
    } finally {
      scrypt.restore();
    }
  });

  const tampered: [string, Partial<Record<keyof PasswordHash | "extra", unknown>>, RegExp][] = [
    ["N far too large (minutes of CPU)", { N: 2 ** 30 }, /passwordHash\.N/],
    ["N not a power of two", { N: 20000 }, /passwordHash\.N/],
    ["N weaker than 2^14", { N: 1024 }, /passwordHash\.N/],
    ["N above the default (more work than one login may do)", { N: 2 ** 18 }, /passwordHash\.N/],
    ["r huge", { r: 1024 }, /passwordHash\.r/],
    ["r other than 8", { r: 16 }, /passwordHash\.r/],
    ["p huge", { p: 64 }, /passwordHash\.p/],
    ["p other than 1", { p: 2 }, /passwordHash\.p/],
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

  it("accepts the strongest parameters inside the limits: the default's", () => {
    expect(SCRYPT_LIMITS.maxN).toBe(DEFAULT_SCRYPT_PARAMS.N);
    expect(SCRYPT_LIMITS.maxMemoryBytes).toBe(128 * 1024 * 1024);
    const h: PasswordHash = { ...stored, keyLength: SCRYPT_LIMITS.maxKeyLength, hash: randomBytes(SCRYPT_LIMITS.maxKeyLength).toString("base64"), salt: randomBytes(SCRYPT_LIMITS.maxSaltBytes).toString("base64") };
    expect(passwordHashProblems(h)).toEqual([]);
  });

  it("refuses non-objects", () => {
    expect(passwordHashProblems(null)).toEqual(["passwordHash: expected an object"]);
    expect(passwordHashProblems("scrypt$...")).toEqual(["passwordHash: expected an object"]);
    expect(passwordHashProblems([])).toEqual(["passwordHash: expected an object"]);
  });
});

describe("every login does exactly one default hash of work", () => {
  it("an unknown name (nothing to check), a current record and an old record: LOGIN_WORK each, counted", async () => {
    const scrypt = recordScrypt("fast");
    try {
      const current = await hashPassword("right-password");
      const old = { ...(await hashPassword("right-password")), N: 2 ** 14 };
      const oldKey = scryptSync("right-password", Buffer.from(old.salt, "base64"), 64, { N: 2 ** 14, r: 8, p: 1 });
      const oldRecord = { ...old, hash: oldKey.toString("base64") };
      scrypt.clear();
      await expect(checkPasswordWithFixedWork("right-password", undefined)).resolves.toBe(false);
      expect(scrypt.work()).toBe(LOGIN_WORK);
      scrypt.clear();
      await expect(checkPasswordWithFixedWork("right-password", current)).resolves.toBe(true);
      expect(scrypt.work()).toBe(LOGIN_WORK);
      expect(scrypt.checksOf(current.salt)).toBe(1);
      scrypt.clear();
      scrypt.restore();
      const real = recordScrypt("real");
      try {
        // A 2^14 record is checked once, then padded with 2^14, 2^15 and 2^16: 2^17 in all.
        await expect(checkPasswordWithFixedWork("right-password", oldRecord)).resolves.toBe(true);
        expect(real.calls.map((c) => c.N)).toEqual([2 ** 14, 2 ** 14, 2 ** 15, 2 ** 16]);
        expect(real.work()).toBe(LOGIN_WORK);
        expect(real.checksOf(oldRecord.salt)).toBe(1);
      } finally {
        real.restore();
      }
    } finally {
      scrypt.restore();
    }
  });

  it("burnComparableTime always resolves false, after the same work", async () => {
    const scrypt = recordScrypt("fast");
    try {
      await expect(burnComparableTime("anything")).resolves.toBe(false);
      await expect(burnComparableTime("")).resolves.toBe(false);
      await expect(burnComparableTime(undefined)).resolves.toBe(false);
      expect(scrypt.work()).toBe(3 * LOGIN_WORK);
    } finally {
      scrypt.restore();
    }
  });

  it("refuses a malformed stored hash before any work", async () => {
    const scrypt = recordScrypt("fast");
    try {
      const bad = { algorithm: "scrypt", N: 2 ** 30 } as unknown as PasswordHash;
      await expect(checkPasswordWithFixedWork("x", bad)).rejects.toThrow(PasswordHashError);
      expect(scrypt.calls).toEqual([]);
    } finally {
      scrypt.restore();
    }
  });
});
