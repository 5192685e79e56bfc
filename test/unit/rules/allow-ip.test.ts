import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  allowIpLabel,
  allowIpOf,
  entryComment,
  entryPlan,
  isEntryFor,
  isEntryOfConfig,
  LABEL_ALLOW_IP,
  parseAllowIp,
  reportedAddress,
} from '../../../src/rules/allow-ip.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);
const iso = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

describe('--allow-ip values', () => {
  it.each([
    ['current', 'current'],
    [' current ', 'current'],
    ['203.0.113.7', { ipAddress: '203.0.113.7', value: '203.0.113.7' }],
    ['2001:db8::1', { ipAddress: '2001:db8::1', value: '2001:db8::1' }],
    ['203.0.113.0/24', { cidrBlock: '203.0.113.0/24', value: '203.0.113.0/24' }],
    ['203.0.113.0/032', { cidrBlock: '203.0.113.0/32', value: '203.0.113.0/32' }],
    ['2001:db8::/48', { cidrBlock: '2001:db8::/48', value: '2001:db8::/48' }],
  ])('takes %j', (input, parsed) => {
    expect(parseAllowIp(input)).toEqual(parsed);
  });

  it.each([
    '',
    'Current',
    '203.0.113',
    '203.0.113.256',
    '203.0.113.0/33',
    '2001:db8::/129',
    '/24',
    '203.0.113.0/',
    '203.0.113.0/x',
    'sg-12345678',
    'example.com',
    '203.0.113.0/-1',
    '203.0.113.0/+8',
    '203.0.113.0/ 24',
    '203.0.113.0/24.0',
    '203.0.113.0/0x10',
    '203.0.113.0/1e1',
    '203.0.113.0/0024',
    '203.0.113.7x',
  ])('refuses %j as a usage error', (input) => {
    expect(() => parseAllowIp(input)).toThrow(/is not an IP address, a CIDR block or "current"/);
  });

  it('says what it takes, with examples', () => {
    let error: unknown;
    try {
      parseAllowIp('office');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('--allow-ip office is not an IP address, a CIDR block or "current".');
    expect((error as UsageError).hint).toBe(
      'e.g. --allow-ip 203.0.113.7, --allow-ip 203.0.113.0/24, or --allow-ip current for the address Atlas sees',
    );
  });

  it('shows at most 64 characters of a reported address that is no address', () => {
    const text = `${'x'.repeat(64)}TAIL`;
    expect(() => reportedAddress(text)).toThrow(`Atlas reported "${'x'.repeat(64)}" as this machine's address, which is no IP address.`);
  });

  it.each([
    ['198.51.100.4', true],
    ['2001:db8::1', true],
    ['not-an-ip', false],
    ['198.51.100.0/24', false],
  ])("takes Atlas' reported address %j only when it is an address", (text, ok) => {
    if (ok) expect(reportedAddress(text)).toEqual({ ipAddress: text, value: text });
    else expect(() => reportedAddress(text)).toThrow(/no IP address/);
  });
});

describe('access list entries', () => {
  it.each([
    [{ ipAddress: '203.0.113.7', cidrBlock: '203.0.113.7/32' }, '203.0.113.7', true],
    [{ cidrBlock: '203.0.113.7/32' }, '203.0.113.7', true],
    [{ cidrBlock: '2001:db8::1/128' }, '2001:db8::1', true],
    [{ cidrBlock: '203.0.113.0/24' }, '203.0.113.0/24', true],
    [{ cidrBlock: '203.0.113.0/24' }, '203.0.113.7', false],
    [{ ipAddress: '203.0.113.8', cidrBlock: '203.0.113.8/32' }, '203.0.113.7', false],
    [{ ipAddress: '203.0.113.7' }, '203.0.113.7', true],
    [{ cidrBlock: '203.0.113.7/128' }, '203.0.113.7', false],
    [{ cidrBlock: '2001:db8::1/32' }, '2001:db8::1', false],
    // Only an address stands for its own /32 or /128 block.
    [{ cidrBlock: 'office/32' }, 'office', false],
  ])('%j is the entry for %s: %s', (entry, value, expected) => {
    expect(isEntryFor(entry, value)).toBe(expected);
  });

  it('writes a comment that names dynsecret, the config and the lease, within 80 characters', () => {
    expect(entryComment('app-db', 'ds-app-db-1a2b3c4d5e6f')).toBe('dynsecret app-db ds-app-db-1a2b3c4d5e6f');
    const long = entryComment('c'.repeat(64), `ds-${'x'.repeat(60)}`);
    expect(long).toHaveLength(80);
    expect(isEntryOfConfig({ comment: long, deleteAfterDate: iso(at(1)) }, 'c'.repeat(64))).toBe(true);
  });

  it.each([10, 69, 70, 71, 80, 100])('recognises its own comment for a config name of %i characters', (length) => {
    const config = 'c'.repeat(length);
    const comment = entryComment(config, 'ds-lease-1a2b3c4d5e6f');
    expect(comment.length).toBeLessThanOrEqual(80);
    expect(isEntryOfConfig({ comment, deleteAfterDate: iso(at(1)) }, config)).toBe(true);
  });

  it.each([
    [{ comment: 'dynsecret app-db ds-1', deleteAfterDate: iso(at(1)) }, 'app-db', true],
    [{ comment: 'dynsecret app-db ds-1' }, 'app-db', false],
    [{ comment: 'dynsecret app-db-2 ds-1', deleteAfterDate: iso(at(1)) }, 'app-db', false],
    [{ comment: 'office VPN', deleteAfterDate: iso(at(1)) }, 'app-db', false],
    [{ deleteAfterDate: iso(at(1)) }, 'app-db', false],
  ])("%j is one of %s's temporary entries: %s", (entry, config, expected) => {
    expect(isEntryOfConfig(entry, config)).toBe(expected);
  });

  it.each([
    ['no entry', undefined, at(1), 'add'],
    ['a permanent entry', { cidrBlock: '203.0.113.7/32' }, at(1), 'permanent'],
    ['a temporary entry that ends sooner', { deleteAfterDate: iso(at(0.5)) }, at(1), 'extend'],
    ['a temporary entry that ends later', { deleteAfterDate: iso(at(2)) }, at(1), 'keep'],
    ['a temporary entry that ends at the same time', { deleteAfterDate: iso(at(1)) }, at(1), 'keep'],
    ['exactly one week', undefined, at(7 * 24), 'add'],
  ] as const)('with %s, plans %s', (_why, entry, expiresAt, plan) => {
    expect(entryPlan(entry, expiresAt, NOW)).toBe(plan);
  });

  it("refuses an entry beyond Atlas' one-week limit (exit 2)", () => {
    expect(() => entryPlan(undefined, new Date(at(7 * 24).getTime() + 1000), NOW)).toThrow(/at most one week/);
  });
});

describe("the label that names a lease's entry", () => {
  it.each([[{ ipAddress: '203.0.113.7', value: '203.0.113.7' }], [{ cidrBlock: '203.0.113.0/24', value: '203.0.113.0/24' }]])(
    'labels %j with its value, and reads it back',
    (network) => {
      const label = allowIpLabel(network);
      expect(label).toEqual({ key: 'dynsecret.allowIp', value: network.value });
      expect(LABEL_ALLOW_IP).toBe('dynsecret.allowIp');
      expect(allowIpOf({ labels: [{ key: 'dynsecret.config', value: 'app-db' }, label] })).toBe(network.value);
    },
  );

  it.each([
    ['no labels', []],
    ['labels of other keys', [{ key: 'dynsecret.config', value: 'app-db' }, { value: '203.0.113.7' }]],
  ])('reads nothing from %s', (_what, labels) => {
    expect(allowIpOf({ labels })).toBeUndefined();
  });
});
