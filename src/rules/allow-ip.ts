import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { ATLAS_MAX_DELETE_AFTER_MS } from './ttl.js';

/** The parts of an Atlas access list entry these rules read (the client's `AccessListEntry` has them). */
interface AccessListEntry {
  cidrBlock?: string | undefined;
  ipAddress?: string | undefined;
  comment?: string | undefined;
  deleteAfterDate?: string | undefined;
}

/** A key and value on an Atlas user. */
interface Label {
  key: string;
  value: string;
}

/**
 * The rules of `--allow-ip`: what an address may be, how dynsecret's temporary access list entries are
 * recognised (their comment), and the label that tells, on a lease's Atlas user, which entry it needs.
 */

/** On a leased user: the access list entry (address or CIDR block) the lease was given. */
export const LABEL_ALLOW_IP = 'dynsecret.allowIp';
const MAX_COMMENT = 80;

/** An entry to ask for: exactly one of an address or a CIDR block, as Atlas takes them. */
export type AllowedNetwork = { ipAddress: string; value: string } | { cidrBlock: string; value: string };

/** `--allow-ip` as given: `current` (asked of Atlas later), an IP address, or a CIDR block. */
export function parseAllowIp(input: string): AllowedNetwork | 'current' {
  const value = input.trim();
  if (value === 'current') return 'current';
  if (isIP(value) !== 0) return { ipAddress: value, value };
  const slash = value.indexOf('/');
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = slash > 0 ? isIP(address) : 0;
  const max = family === 6 ? 128 : 32;
  if (family !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= max)
    return { cidrBlock: `${address}/${Number(bits)}`, value: `${address}/${Number(bits)}` };
  throw new UsageError(`--allow-ip ${input} is not an IP address, a CIDR block or "current".`, {
    hint: 'e.g. --allow-ip 203.0.113.7, --allow-ip 203.0.113.0/24, or --allow-ip current for the address Atlas sees',
  });
}

/** The address Atlas reported for this machine, checked where it enters. */
export function reportedAddress(text: string): AllowedNetwork {
  if (isIP(text) === 0)
    throw new UsageError(`Atlas reported ${JSON.stringify(text.slice(0, 64))} as this machine's address, which is no IP address.`);
  return { ipAddress: text, value: text };
}

/** Whether an access list entry is the one for `value` (an address is also its /32 or /128 block). */
export function isEntryFor(entry: AccessListEntry, value: string): boolean {
  if (entry.ipAddress === value || entry.cidrBlock === value) return true;
  const family = isIP(value);
  return family !== 0 && entry.cidrBlock === `${value}/${family === 6 ? 128 : 32}`;
}

/** The entry's comment: names dynsecret, the config and the lease, within Atlas' 80 characters. */
export const entryComment = (config: string, leaseId: string) => `dynsecret ${config} ${leaseId}`.slice(0, MAX_COMMENT);

/** Whether a temporary entry was made by dynsecret for `config` (its comment, as `entryComment` writes it). */
export const isEntryOfConfig = (entry: AccessListEntry, config: string) =>
  entry.deleteAfterDate !== undefined && (entry.comment ?? '').startsWith(`dynsecret ${config} `.slice(0, MAX_COMMENT));

export const allowIpLabel = (network: AllowedNetwork): Label => ({ key: LABEL_ALLOW_IP, value: network.value });

/** The entry a leased user's labels name, if any. */
export const allowIpOf = (user: { labels: ReadonlyArray<{ key?: string | undefined; value?: string | undefined }> }) =>
  user.labels.find((label) => label.key === LABEL_ALLOW_IP)?.value;

/**
 * What to do with the entry for a lease that lives until `expiresAt`: add it, extend it (it expires sooner),
 * or leave it (permanent, or already living at least as long). Atlas takes a date at most one week ahead.
 */
export function entryPlan(existing: AccessListEntry | undefined, expiresAt: Date, now: Date): 'add' | 'extend' | 'permanent' | 'keep' {
  if (expiresAt.getTime() - now.getTime() > ATLAS_MAX_DELETE_AFTER_MS) {
    throw new UsageError("A temporary IP access list entry can live at most one week (Atlas' limit); use a shorter TTL with --allow-ip.");
  }
  if (existing === undefined) return 'add';
  if (existing.deleteAfterDate === undefined) return 'permanent';
  return Date.parse(existing.deleteAfterDate) >= expiresAt.getTime() ? 'keep' : 'extend';
}
