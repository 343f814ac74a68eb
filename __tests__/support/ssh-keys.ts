// OpenSSH public key lines built from node:crypto key pairs (RFC 4253 6.6,
// RFC 8709, RFC 5656 wire formats), for unit tests that need real keys
// without running ssh-keygen.
import { generateKeyPairSync, KeyObject } from "crypto";

function wireString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An SSH mpint: big-endian, with a leading zero byte when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const trimmed = unsigned.subarray(i);
  return wireString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

const b64url = (text: string) => Buffer.from(text, "base64url");

export function opensshLine(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  let type: string;
  let blob: Buffer;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    type = "ssh-ed25519";
    blob = Buffer.concat([wireString(type), wireString(b64url(jwk.x))]);
  } else if (jwk.kty === "RSA") {
    type = "ssh-rsa";
    blob = Buffer.concat([wireString(type), mpint(b64url(jwk.e)), mpint(b64url(jwk.n))]);
  } else if (jwk.kty === "EC") {
    const curve = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" }[jwk.crv]!;
    type = `ecdsa-sha2-${curve}`;
    const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
    blob = Buffer.concat([wireString(type), wireString(curve), wireString(point)]);
  } else {
    throw new Error(`unsupported key ${jwk.kty}`);
  }
  return `${type} ${blob.toString("base64")}`;
}

export function ed25519Line(): string {
  return opensshLine(generateKeyPairSync("ed25519").publicKey);
}

export function rsaLine(bits: number): string {
  return opensshLine(generateKeyPairSync("rsa", { modulusLength: bits }).publicKey);
}

export function ecdsaLine(curve: "P-256" | "P-384" | "P-521"): string {
  return opensshLine(generateKeyPairSync("ec", { namedCurve: curve }).publicKey);
}
