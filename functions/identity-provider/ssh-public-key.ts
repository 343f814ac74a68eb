// OpenSSH public keys ("ssh-ed25519 AAAA... comment"), as SFTP users hand them
// over: parsed and checked here, shared by the identity provider (which returns
// them to Transfer as PublicKeys) and `npm run users -- add-key`.
//
// Node's crypto.createPublicKey reads PEM, DER and JWK, not the OpenSSH
// one-line format (Node.js crypto docs, createPublicKey: format 'pem' | 'der' |
// 'jwk'), so the wire format is read here: base64 of a sequence of
// length-prefixed strings, the first being the key type (RFC 4253 section 6.6,
// RFC 8709 for Ed25519, RFC 5656 for ECDSA). Transfer Family accepts RSA,
// ECDSA (nistp256/384/521) and Ed25519 user keys (Transfer user guide,
// "Supported algorithms for user and server keys"); RSA below 2048 bits is
// refused here, as modern OpenSSH refuses it too (RequiredRSASize, 9.1+).
import { createHash } from "crypto";

export const SSH_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];
export const MIN_RSA_BITS = 2048;
/** Transfer's own limit on a key body (API reference, SshPublicKey.SshPublicKeyBody: length 0-2048). */
export const MAX_KEY_LINE = 2048;

export interface SshPublicKey {
  readonly type: SshKeyType;
  /** `<type> <base64>`: what is stored and returned to Transfer (the comment is dropped: it may name a person or host). */
  readonly line: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  /** Key size in bits (Ed25519: 256). */
  readonly bits: number;
}

export type ParsedSshKey = { ok: true; key: SshPublicKey } | { ok: false; problem: string };

const ECDSA_CURVES: Record<string, { curve: string; pointBytes: number; bits: number }> = {
  "ecdsa-sha2-nistp256": { curve: "nistp256", pointBytes: 65, bits: 256 },
  "ecdsa-sha2-nistp384": { curve: "nistp384", pointBytes: 97, bits: 384 },
  "ecdsa-sha2-nistp521": { curve: "nistp521", pointBytes: 133, bits: 521 },
};

/** Reads the length-prefixed strings of an SSH wire blob; undefined when malformed. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (length > blob.length - offset) return undefined;
    parts.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return parts;
}

/** Bits of an SSH mpint (big-endian, a leading zero byte when the top bit is set). */
function mpintBits(value: Buffer): number {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i]));
}

/** `SHA256:` + unpadded base64 of SHA-256 over the key blob (OpenSSH's fingerprint format). */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Parses one OpenSSH public key line: `<type> <base64> [comment]`. Options
 * before the type (authorized_keys `from="..."`, `command=...`) are refused:
 * Transfer takes bare keys. Problems never quote the input.
 */
export function parseSshPublicKey(text: unknown): ParsedSshKey {
  if (typeof text !== "string") return { ok: false, problem: "expected a string" };
  const line = text.trim();
  if (line.length === 0) return { ok: false, problem: "empty key" };
  if (line.length > MAX_KEY_LINE) return { ok: false, problem: `longer than ${MAX_KEY_LINE} characters` };
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) return { ok: false, problem: "expected one line (control characters found)" };
  if (line.startsWith("-----BEGIN")) {
    return { ok: false, problem: "expected an OpenSSH public key line (ssh-ed25519 AAAA...), not PEM: convert it with ssh-keygen -i -m PKCS8 -f <file>, or give the .pub file" };
  }
  const [type, data] = line.split(/[ \t]+/);
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    return { ok: false, problem: `expected a key type of ${SSH_KEY_TYPES.join(", ")} at the start (a private key, an option prefix or an unsupported type was given)` };
  }
  if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) {
    return { ok: false, problem: "expected the key's base64 data after its type" };
  }
  const blob = Buffer.from(data, "base64");
  const parts = wireStrings(blob);
  if (!parts || parts.length === 0 || parts[0].toString("latin1") !== type) {
    return { ok: false, problem: `malformed key data (not a ${type} key blob)` };
  }
  let bits: number;
  if (type === "ssh-ed25519") {
    if (parts.length !== 2 || parts[1].length !== 32) return { ok: false, problem: "malformed ssh-ed25519 key (expected a 32-byte public key)" };
    bits = 256;
  } else if (type === "ssh-rsa") {
    if (parts.length !== 3) return { ok: false, problem: "malformed ssh-rsa key (expected exponent and modulus)" };
    const exponentBits = mpintBits(parts[1]);
    bits = mpintBits(parts[2]);
    if (exponentBits < 2 || (parts[1][parts[1].length - 1] & 1) === 0) return { ok: false, problem: "malformed ssh-rsa key (bad public exponent)" };
    if (bits < MIN_RSA_BITS) return { ok: false, problem: `RSA key of ${bits} bits: expected at least ${MIN_RSA_BITS}` };
  } else {
    const curve = ECDSA_CURVES[type];
    if (parts.length !== 3 || parts[1].toString("latin1") !== curve.curve || parts[2].length !== curve.pointBytes || parts[2][0] !== 4) {
      return { ok: false, problem: `malformed ${type} key (expected curve ${curve.curve} and an uncompressed point)` };
    }
    bits = curve.bits;
  }
  return { ok: true, key: { type: type as SshKeyType, line: `${type} ${data}`, fingerprint: sshFingerprint(blob), bits } };
}
