// Counts the scrypt work a test's code does, without timing anything: a jest
// spy on Node's crypto.scrypt (functions/identity-provider/password-hash.ts
// calls it through the module object, so the spy sees every derivation).
//
// "fast" answers each derivation with SHAKE-256 of (password, salt, N, r, p)
// instead of scrypt: the same inputs always give the same key, different
// inputs different keys, so hashes made and verified under the recorder agree,
// and a test of the handler's logic does not pay a 128 MiB scrypt per login.
// "real" passes every call on to scrypt (for tests that measure it).
import type * as Crypto from "crypto";
// The module object itself (an `import * as` gets a copy under the test transform, and a spy on a copy sees nothing).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto: typeof Crypto = require("crypto");

export interface ScryptCall {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** base64, as a PasswordHash stores it: tells a user's real check from padding and dummy work. */
  readonly salt: string;
  /** The password tried, as it reached scrypt (a test's own strings; tells which guess was checked). */
  readonly password: string;
}

export interface ScryptRecorder {
  readonly calls: ScryptCall[];
  /** Sum of N * r * p over the recorded calls (password-hash.ts scryptWork). */
  work(): number;
  /** Calls whose salt is `salt` (a user's record): the password checks against that record. */
  checksOf(salt: string): number;
  clear(): void;
  restore(): void;
}

type ScryptOptions = { N?: number; r?: number; p?: number; cost?: number; blockSize?: number; parallelization?: number };
type ScryptCallback = (error: Error | null, key: Buffer) => void;

export function recordScrypt(mode: "fast" | "real" = "fast"): ScryptRecorder {
  const calls: ScryptCall[] = [];
  const real = crypto.scrypt;
  const spy = jest.spyOn(crypto, "scrypt").mockImplementation(((
    password: Crypto.BinaryLike,
    salt: Crypto.BinaryLike,
    keylen: number,
    options: ScryptOptions,
    callback: ScryptCallback,
  ) => {
    const N = options.N ?? options.cost ?? 16384;
    const r = options.r ?? options.blockSize ?? 8;
    const p = options.p ?? options.parallelization ?? 1;
    const saltBytes = Buffer.from(salt as Buffer);
    calls.push({ N, r, p, salt: saltBytes.toString("base64"), password: Buffer.from(password as Buffer).toString("utf8") });
    if (mode === "real") return (real as unknown as (...args: unknown[]) => void)(password, salt, keylen, options, callback);
    const key = crypto
      .createHash("shake256", { outputLength: keylen })
      .update(Buffer.from(password as Buffer))
      .update("\0")
      .update(saltBytes)
      .update(`\0${N}\0${r}\0${p}`)
      .digest();
    setImmediate(() => callback(null, key));
  }) as never);
  return {
    calls,
    work: () => calls.reduce((sum, call) => sum + call.N * call.r * call.p, 0),
    checksOf: (salt) => calls.filter((call) => call.salt === salt).length,
    clear: () => {
      calls.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}
