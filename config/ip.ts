// IPv4 helpers for config validation. Addresses are unsigned 32-bit numbers.

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
  /** The block written with host bits cleared, e.g. "10.0.0.0/16". */
  readonly network: string;
  readonly isNetworkAddress: boolean;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // No signs, no leading zeros (ambiguous octal), 0-255.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : 0xffffffff - (2 ** (32 - prefix) - 1);
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32 || (match[2].length > 1 && match[2].startsWith("0"))) return undefined;
  const base = (address & mask(prefix)) >>> 0;
  return { base, prefix, network: `${formatIpv4(base)}/${prefix}`, isNetworkAddress: base === address };
}

export function cidrContains(block: Cidr, address: number): boolean {
  return (address & mask(block.prefix)) >>> 0 === block.base;
}

/** AWS reserves the first four addresses and the last one of every subnet. */
export function isReservedSubnetAddress(block: Cidr, address: number): boolean {
  const offset = address - block.base;
  const size = 2 ** (32 - block.prefix);
  return offset < 4 || offset === size - 1;
}

const PRIVATE_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((b) => parseCidr(b) as Cidr);

export function isPrivateAddress(address: number): boolean {
  return PRIVATE_BLOCKS.some((block) => cidrContains(block, address));
}
