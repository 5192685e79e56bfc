import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses and CIDR blocks as the project IP access list keeps them: one entry per network, named by its
 * canonical CIDR block (`192.0.2.7` is `192.0.2.7/32`; `192.0.2.7/24` is the network `192.0.2.0/24`).
 */

export interface Network {
  /** Canonical `address/prefix`, the entry's identity. */
  cidrBlock: string;
  /** Set when the network is one address (a /32 or /128). */
  ipAddress?: string;
}

interface Parsed {
  value: bigint;
  bits: 32 | 128;
}

function parseIp(text: string): Parsed | undefined {
  if (isIPv4(text)) return { value: v4ToBigInt(text), bits: 32 };
  if (isIPv6(text)) return { value: v6ToBigInt(text), bits: 128 };
  return undefined;
}

function v4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(text: string): bigint {
  let address = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:192.0.2.1) is the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted?.[1]) {
    const v4 = v4ToBigInt(dotted[1]);
    address = `${address.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function format({ value, bits }: Parsed): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** A single address (`ipAddress`); undefined when the text is not one. */
export function parseIpAddress(text: string): Network | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  const address = format(ip);
  return { cidrBlock: `${address}/${ip.bits}`, ipAddress: address };
}

/** A CIDR block (`cidrBlock`), reduced to its network address; undefined when the text is not one. */
export function parseCidrBlock(text: string): Network | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match?.[1] || match[2] === undefined) return undefined;
  const ip = parseIp(match[1]);
  const prefix = Number(match[2]);
  if (!ip || prefix > ip.bits || (match[2].length > 1 && match[2].startsWith('0'))) return undefined;
  const hostBits = BigInt(ip.bits - prefix);
  const network = { value: (ip.value >> hostBits) << hostBits, bits: ip.bits };
  const address = format(network);
  return prefix === ip.bits ? { cidrBlock: `${address}/${prefix}`, ipAddress: address } : { cidrBlock: `${address}/${prefix}` };
}

/** The entry a path's `{entryValue}` names: an address or a CIDR block; undefined when it is neither. */
export function parseEntryValue(text: string): Network | undefined {
  return text.includes('/') ? parseCidrBlock(text) : parseIpAddress(text);
}
