import { describe, expect, it } from 'vitest';
import { noticeOf, tell, type Notice } from '../../../src/cli/notice-text.js';
import type { ServiceEvent } from '../../../src/service/events.js';

const now = new Date('2026-11-29T12:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const ID = 'ds-app-db-0123456789ab';
const line = (text: string): Notice => ({ to: 'line', text });

/** Every event kind of the lease service, and the words it has on stderr. */
const cases: [string, ServiceEvent, Notice][] = [
  [
    'a wait for two clusters begins',
    { type: 'wait-started', leaseId: ID, clusters: ['Cluster0', 'Cluster1'], timeoutMs: 300_000 },
    { to: 'step', text: `Waiting up to 5m for Atlas to apply ${ID} to Cluster0, Cluster1.` },
  ],
  [
    'a wait for the whole project begins',
    { type: 'wait-started', leaseId: ID, clusters: [], timeoutMs: 90_000 },
    { to: 'step', text: `Waiting up to 1m30s for Atlas to apply ${ID} to the project.` },
  ],
  [
    'the first pending poll',
    { type: 'wait-pending', leaseId: ID, pending: ['Cluster1'], elapsedMs: 1400, poll: 0 },
    { to: 'status', text: `⠋ waiting for Atlas to apply ${ID} to Cluster1 (1s)` },
  ],
  [
    'the spinner turns round after ten polls',
    { type: 'wait-pending', leaseId: ID, pending: ['Cluster0', 'Cluster1'], elapsedMs: 11_500, poll: 11 },
    { to: 'status', text: `⠙ waiting for Atlas to apply ${ID} to Cluster0, Cluster1 (12s)` },
  ],
  ['the wait ends', { type: 'wait-ended' }, { to: 'status', text: undefined }],
  ['applied to clusters', { type: 'applied', clusters: ['Cluster0'], elapsedMs: 3200 }, line('Applied to Cluster0 after 3s.')],
  ['applied to the project', { type: 'applied', clusters: [], elapsedMs: 0 }, line('Applied to the project after 0s.')],
  [
    'a permanent access-list entry',
    { type: 'access-permanent', address: '203.0.113.7' },
    line("203.0.113.7 is on the project's IP access list permanently; left as it is."),
  ],
  [
    'an access-list entry added',
    { type: 'access-set', address: '203.0.113.7', added: true, until: at(3600) },
    line("Added 203.0.113.7 on the project's IP access list until 2026-11-29T13:00:00Z."),
  ],
  [
    'an access-list entry extended',
    { type: 'access-set', address: '203.0.113.0/24', added: false, until: at(7200) },
    line("Extended 203.0.113.0/24 on the project's IP access list until 2026-11-29T14:00:00Z."),
  ],
  [
    'an access-list entry removed',
    { type: 'access-removed', address: '203.0.113.7' },
    line("Removed 203.0.113.7 from the project's IP access list."),
  ],
  [
    'an access-list entry not extended',
    { type: 'access-extend-failed', address: '203.0.113.7', reason: 'Atlas refused' },
    line("warning: could not extend 203.0.113.7 on the IP access list (Atlas refused); it ends at the lease's earlier expiry."),
  ],
  [
    'the access list not cleaned up',
    { type: 'access-cleanup-failed', reason: 'No answer in time.' },
    line('warning: could not clean up the IP access list (No answer in time.); its temporary entries end with their leases.'),
  ],
  [
    'expired leases not looked for',
    { type: 'stale-search-failed', config: 'app-db', reason: 'No answer in time.' },
    line('warning: could not look for expired leases of app-db in Atlas (No answer in time.).'),
  ],
  ['a lease revoked', { type: 'revoked', leaseId: ID, outcome: 'revoked' }, line(`Revoked ${ID}.`)],
  [
    'a lease already gone',
    { type: 'revoked', leaseId: ID, outcome: 'absent' },
    line(`${ID} was already gone from Atlas; counted as revoked.`),
  ],
  [
    'a revoke failed',
    { type: 'revoked', leaseId: ID, outcome: 'failed', error: 'No answer in time.' },
    line(`Could not revoke ${ID}: No answer in time.`),
  ],
  [
    'a failed revoke forgotten',
    { type: 'revoked', leaseId: ID, outcome: 'dropped', error: 'No answer in time.' },
    line(`Could not revoke ${ID} (No answer in time.); forgotten locally because of --force.`),
  ],
  [
    'an undone lease not revoked, with the store',
    { type: 'abandon-failed', leaseId: ID, created: true, reason: 'No answer in time.' },
    line(`warning: could not revoke ${ID} in Atlas (No answer in time.); run \`dynsecret revoke --expired\` later.`),
  ],
  [
    'an undone lease not checked for, store-less',
    { type: 'abandon-failed', leaseId: ID, created: false, reason: 'error', fromFile: 'ci/app-db.json' },
    line(`warning: could not check for ${ID} in Atlas (error); run \`dynsecret revoke ${ID} --from-file ci/app-db.json\` later.`),
  ],
  [
    'an undelivered lease revoked',
    { type: 'undelivered', fate: { leaseId: ID, revoked: true } },
    line(`Lease ${ID} was revoked, since nobody received its credentials.`),
  ],
  [
    'an undelivered lease not revoked, with the store',
    { type: 'undelivered', fate: { leaseId: ID, revoked: false, reason: 'No answer in time.' } },
    line(`Revoking lease ${ID} failed too (No answer in time); revoke it with \`dynsecret revoke ${ID}\`.`),
  ],
  [
    'an undelivered lease not revoked, store-less',
    { type: 'undelivered', fate: { leaseId: ID, revoked: false, reason: 'refused', fromFile: 'app-db.json' } },
    line(`Revoking lease ${ID} failed too (refused); revoke it with \`dynsecret revoke ${ID} --from-file app-db.json\`.`),
  ],
  [
    'keep-alive at the max TTL',
    { type: 'keep-alive-at-max', leaseId: ID, maxExpiresAt: at(1800), now },
    line(
      `warning: ${ID} reaches its max TTL at 2026-11-29T12:30:00Z (in 30m); it cannot be renewed past that, and the command loses its database user then if it still runs.`,
    ),
  ],
  [
    'keep-alive too late',
    { type: 'keep-alive-expired', leaseId: ID },
    line(`warning: ${ID} expired before it could be renewed; Atlas deletes its user.`),
  ],
  ['keep-alive works again', { type: 'keep-alive-recovered', leaseId: ID }, line(`Renewal of ${ID} succeeded again.`)],
  [
    'keep-alive stops',
    { type: 'keep-alive-stopped', leaseId: ID, reason: 'Lease gone.' },
    line(`warning: stopped renewing ${ID}: Lease gone.`),
  ],
  [
    'keep-alive retries',
    { type: 'keep-alive-retry', leaseId: ID, reason: 'No answer in time.', retryInMs: 4500, expiresAt: at(600), now },
    line(`warning: could not renew ${ID} (No answer in time.); retrying in 5s, before it expires 2026-11-29T12:10:00Z (in 10m).`),
  ],
];

describe('noticeOf: the words of every event of the lease service', () => {
  it('covers every kind of event', () => {
    const kinds: Record<ServiceEvent['type'], true> = {
      'wait-started': true,
      'wait-pending': true,
      'wait-ended': true,
      applied: true,
      'access-permanent': true,
      'access-set': true,
      'access-removed': true,
      'access-extend-failed': true,
      'access-cleanup-failed': true,
      'stale-search-failed': true,
      revoked: true,
      'abandon-failed': true,
      undelivered: true,
      'keep-alive-at-max': true,
      'keep-alive-expired': true,
      'keep-alive-recovered': true,
      'keep-alive-stopped': true,
      'keep-alive-retry': true,
    };
    expect(new Set(cases.map(([, event]) => event.type))).toEqual(new Set(Object.keys(kinds)));
  });

  it.each(cases)('%s', (_what, event, notice) => {
    expect(noticeOf(event)).toEqual(notice);
  });
});

describe('tell: each notice where it belongs', () => {
  it.each<[string, ServiceEvent, string]>([
    [
      'a line on stderr',
      { type: 'access-removed', address: '203.0.113.7' },
      "error:Removed 203.0.113.7 from the project's IP access list.",
    ],
    [
      'a step',
      { type: 'wait-started', leaseId: ID, clusters: [], timeoutMs: 60_000 },
      `step:Waiting up to 1m for Atlas to apply ${ID} to the project.`,
    ],
    ['the status line', { type: 'wait-ended' }, 'progress:undefined'],
  ])('%s', (_what, event, expected) => {
    const written: string[] = [];
    tell(
      {
        error: (text) => written.push(`error:${text}`),
        step: (text) => written.push(`step:${text}`),
        progress: (text) => written.push(`progress:${String(text)}`),
      },
      event,
    );
    expect(written).toEqual([expected]);
  });
});
