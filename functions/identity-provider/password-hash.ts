// scrypt password hashes, self-describing (parameters stored with the hash),
// verified in constant time. Shared by the identity-provider Lambda and the
// `npm run users` CLI, so it uses nothing but Node's built-in crypto.
import { randomBytes, scrypt, timingSafeEqual } from "crypto";

export interface PasswordHash {
  readonly algorithm: "scrypt";
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
  /** Length of the derived key in bytes (= decoded length of `hash`). */
  readonly keyLength: number;
  /** Per-user random salt, base64. */
  readonly salt: string;
  /** Derived key, base64. */
  readonly hash: string;
}

/**
 * Parameters for new hashes: OWASP's minimum for scrypt, N = 2^17, r = 8,
 * p = 1 (OWASP Password Storage Cheat Sheet, "scrypt"): 128 MiB and, on one
 * vCPU, a few hundred milliseconds per hash (`npm run bench` measures it).
 * scrypt rather than Argon2id: Node's crypto has it built in (no dependency in
 * the Lambda bundle or the CLI), and one algorithm lets a record made with
 * older, smaller parameters be padded to exactly the same work
 * (checkPasswordWithFixedWork).
 */
export const DEFAULT_SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1, keyLength: 64, saltLength: 16 } as const;

/**
 * Bounds for stored parameters. A hash outside them is refused before any work
 * is done, so an edited secret cannot make the Lambda burn minutes of CPU or
 * exhaust its memory (scrypt needs about 128 * N * r bytes; the work grows
 * with N * r * p). N from 2^14 (records written before the OWASP minimum
 * are still read; `npm run users -- list` names them) up to the default, r and
 * p as the default: every accepted record costs at most one default hash, so
 * a login can always be padded up to exactly that work.
 */
export const SCRYPT_LIMITS = {
  minN: 2 ** 14,
  maxN: DEFAULT_SCRYPT_PARAMS.N,
  minR: DEFAULT_SCRYPT_PARAMS.r,
  maxR: DEFAULT_SCRYPT_PARAMS.r,
  minP: DEFAULT_SCRYPT_PARAMS.p,
  maxP: DEFAULT_SCRYPT_PARAMS.p,
  minKeyLength: 32,
  maxKeyLength: 128,
  minSaltBytes: 16,
  maxSaltBytes: 64,
  /** 128 * N * r may not exceed this (128 MiB, the default's). */
  maxMemoryBytes: 128 * DEFAULT_SCRYPT_PARAMS.N * DEFAULT_SCRYPT_PARAMS.r,
} as const;

/** Passwords longer than this are refused (FTP clients never send more). */
export const MAX_PASSWORD_LENGTH = 1024;

export class PasswordHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordHashError";
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function decodedLength(value: unknown): number | undefined {
  if (typeof value !== "string" || !BASE64.test(value)) return undefined;
  return Buffer.from(value, "base64").length;
}

/** Returns the problems with a stored hash object (empty when it is usable). */
export function passwordHashProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["passwordHash: expected an object"];
  const h = value as Record<string, unknown>;
  const L = SCRYPT_LIMITS;
  const problems: string[] = [];
  const known = new Set(["algorithm", "N", "r", "p", "keyLength", "salt", "hash"]);
  if (Object.keys(h).some((key) => !known.has(key))) problems.push("passwordHash: unknown keys");
  if (h.algorithm !== "scrypt") problems.push('passwordHash.algorithm: expected "scrypt"');
  const nOk = isIntegerIn(h.N, L.minN, L.maxN) && (h.N & (h.N - 1)) === 0;
  if (!nOk) problems.push(`passwordHash.N: expected a power of two from ${L.minN} to ${L.maxN}`);
  const rOk = isIntegerIn(h.r, L.minR, L.maxR);
  if (!rOk) problems.push(L.minR === L.maxR ? `passwordHash.r: expected ${L.minR}` : `passwordHash.r: expected an integer from ${L.minR} to ${L.maxR}`);
  if (!isIntegerIn(h.p, L.minP, L.maxP)) problems.push(L.minP === L.maxP ? `passwordHash.p: expected ${L.minP}` : `passwordHash.p: expected an integer from ${L.minP} to ${L.maxP}`);
  if (nOk && rOk && 128 * (h.N as number) * (h.r as number) > L.maxMemoryBytes) {
    problems.push(`passwordHash: N * r needs more than ${L.maxMemoryBytes / 1024 / 1024} MiB`);
  }
  const keyOk = isIntegerIn(h.keyLength, L.minKeyLength, L.maxKeyLength);
  if (!keyOk) problems.push(`passwordHash.keyLength: expected an integer from ${L.minKeyLength} to ${L.maxKeyLength}`);
  const saltBytes = decodedLength(h.salt);
  if (saltBytes === undefined || saltBytes < L.minSaltBytes || saltBytes > L.maxSaltBytes) {
    problems.push(`passwordHash.salt: expected base64 of ${L.minSaltBytes} to ${L.maxSaltBytes} bytes`);
  }
  const hashBytes = decodedLength(h.hash);
  if (hashBytes === undefined || (keyOk && hashBytes !== h.keyLength)) {
    problems.push("passwordHash.hash: expected base64 of keyLength bytes");
  }
  return problems;
}

export function isPasswordHash(value: unknown): value is PasswordHash {
  return passwordHashProblems(value).length === 0;
}

/** True when a (valid) stored hash is weaker than the parameters new hashes get. */
export function isBelowDefault(stored: PasswordHash): boolean {
  const d = DEFAULT_SCRYPT_PARAMS;
  return stored.N * stored.r * stored.p < d.N * d.r * d.p;
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number; keyLength: number }): Promise<Buffer> {
  // NFC so that the same visible password typed on different systems matches.
  const secret = Buffer.from(password.normalize("NFC"), "utf8");
  const maxmem = 128 * params.N * params.r * 2;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt and the default parameters. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  if (typeof password !== "string" || password.length === 0) throw new PasswordHashError("password must not be empty");
  if (password.length > MAX_PASSWORD_LENGTH) throw new PasswordHashError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  const { N, r, p, keyLength, saltLength } = DEFAULT_SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, { N, r, p, keyLength });
  return { algorithm: "scrypt", N, r, p, keyLength, salt: salt.toString("base64"), hash: key.toString("base64") };
}

/**
 * True when `password` matches `stored`. Throws PasswordHashError, before doing
 * any work, when `stored` is malformed or its parameters are out of bounds.
 */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const problems = passwordHashProblems(stored);
  if (problems.length > 0) throw new PasswordHashError(`invalid password hash: ${problems.join("; ")}`);
  if (typeof password !== "string" || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(stored.hash, "base64");
  const actual = await derive(password, Buffer.from(stored.salt, "base64"), stored);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A fixed salt and key with the default parameters, 80 random bytes that were
 * thrown away: no password matches the key. Fixed rather than computed at
 * start-up, so that the first unknown-user login of a cold container costs
 * the same as the others.
 */
const DUMMY_HASH: PasswordHash = {
  algorithm: "scrypt",
  N: DEFAULT_SCRYPT_PARAMS.N,
  r: DEFAULT_SCRYPT_PARAMS.r,
  p: DEFAULT_SCRYPT_PARAMS.p,
  keyLength: DEFAULT_SCRYPT_PARAMS.keyLength,
  salt: "h4Bcl/NbGkq6RLYJOa+lIw==",
  hash: "/LNDhecNEMgtrjThXQvuNT+MHGT8D0rxdhk31fZLahvEOUdt/fo3i7NnfigkCWdB9n88v21KLvJcHCnqNRna4g==",
};

/** The work of one scrypt derivation, in the units the padding counts: N * r * p. */
export function scryptWork(params: { N: number; r: number; p: number }): number {
  return params.N * params.r * params.p;
}

/** The work every password login does, whatever the outcome: one default hash. */
export const LOGIN_WORK = scryptWork(DEFAULT_SCRYPT_PARAMS);

/**
 * Checks `password` against `stored` — or, when there is nothing to check
 * against (unknown user, closed window, unusable record), against a hash no
 * password matches — and always does exactly LOGIN_WORK of scrypt work, so
 * that the work does not tell which names exist or which records are old.
 *
 * A record below the default (N = 2^14 .. 2^16; r and p are fixed by the
 * limits) is padded with derivations at N, 2N, ... up to half the default
 * N: N + N + 2N + ... + default/2 = default. Throws PasswordHashError, before
 * any work, for a malformed stored hash.
 */
export async function checkPasswordWithFixedWork(password: string, stored: PasswordHash | undefined): Promise<boolean> {
  if (stored === undefined) {
    await verifyPassword(candidateOf(password), DUMMY_HASH);
    return false;
  }
  const problems = passwordHashProblems(stored);
  if (problems.length > 0) throw new PasswordHashError(`invalid password hash: ${problems.join("; ")}`);
  const matches = await verifyPassword(password, stored);
  for (let N = stored.N; N < DEFAULT_SCRYPT_PARAMS.N; N *= 2) {
    await verifyPassword(candidateOf(password), { ...DUMMY_HASH, N });
  }
  return matches;
}

function candidateOf(password: string | undefined): string {
  return typeof password === "string" && password.length > 0 ? password.slice(0, MAX_PASSWORD_LENGTH) : "-";
}

/**
 * Spends the work of one verification with the default parameters and always
 * resolves false. For refusals before a record could be looked up.
 */
export async function burnComparableTime(password: string | undefined): Promise<false> {
  await checkPasswordWithFixedWork(candidateOf(password), undefined);
  return false;
}
