import { describe, expect, it } from 'vitest';
import { rotationLine } from '../../../src/cli/rotation-text.js';
import type { FailureKind, RotatingLease, RotationEvent } from '../../../src/service/rotate.js';

const now = new Date('2026-11-29T12:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const lease = (leaseId: string, expiresIn = 60): RotatingLease => ({
  leaseId,
  createdAt: now,
  expiresAt: at(expiresIn),
  maxExpiresAt: at(120),
});
const failure: FailureKind = { class: '6/', message: 'No answer in time from cloud.mongodb.com.', final: false, gone: false };

describe('rotationLine: one stderr line per event, or none', () => {
  it.each<[string, RotationEvent<RotatingLease>, string | undefined]>([
    ['renewed', { type: 'renewed', lease: lease('old'), expiresAt: at(90) }, 'Renewed old; expires 2026-11-29T12:01:30Z (in 2m).'],
    [
      'a renewal failed, retried',
      { type: 'renew-failed', lease: lease('old'), failure, retryInMs: 4500, firstOfClass: true },
      'warning: could not renew old (No answer in time from cloud.mongodb.com.); retrying in 5s.',
    ],
    ['the same failure again', { type: 'renew-failed', lease: lease('old'), failure, retryInMs: 5000, firstOfClass: false }, undefined],
    [
      'renewing stopped for good',
      {
        type: 'renew-failed',
        lease: lease('old'),
        failure: { ...failure, final: true, message: 'Lease old no longer exists.' },
        firstOfClass: true,
      },
      'warning: stopped renewing old: Lease old no longer exists. The next user is leased before it ends.',
    ],
    ['renewing works again', { type: 'renew-recovered', lease: lease('old') }, 'Renewal of old succeeded again.'],
    [
      'rotated at the max TTL',
      { type: 'rotated', previous: lease('old', 20), next: lease('new'), reason: 'max-ttl', graceEndsAt: at(20) },
      'Rotated to new (old reaches its max TTL); expires 2026-11-29T12:01:00Z (in 1m); old is revoked 2026-11-29T12:00:20Z (in 20s).',
    ],
    [
      'rotated at the expiry',
      { type: 'rotated', previous: lease('old', 20), next: lease('new'), reason: 'expiry', graceEndsAt: at(20) },
      'Rotated to new (old reaches its expiry); expires 2026-11-29T12:01:00Z (in 1m); old is revoked 2026-11-29T12:00:20Z (in 20s).',
    ],
    [
      'a rotation failed',
      { type: 'rotation-failed', lease: lease('old', 20), failure, retryInMs: 5000, firstOfClass: true },
      'warning: could not lease the next user to replace old (No answer in time from cloud.mongodb.com.); retrying in 5s, and on with backoff; old ends 2026-11-29T12:00:20Z (in 20s).',
    ],
    [
      'the same rotation failure again',
      { type: 'rotation-failed', lease: lease('old'), failure, retryInMs: 5000, firstOfClass: false },
      undefined,
    ],
    ['rotation works again (the Rotated line says it)', { type: 'rotation-recovered', lease: lease('new') }, undefined],
    ['expired', { type: 'expired', lease: lease('old') }, 'warning: old expired before the next user could be leased; still trying.'],
    ['grace over', { type: 'grace-ended', lease: lease('old'), ok: true }, 'Revoked old (its grace is over).'],
    [
      'grace over, revoke failed',
      { type: 'grace-ended', lease: lease('old', 20), ok: false, message: 'Atlas is down.' },
      'warning: could not revoke old after its grace (Atlas is down.); Atlas deletes it at 2026-11-29T12:00:20Z (in 20s).',
    ],
    ['revoked at the end', { type: 'revoked', lease: lease('new'), ok: true }, 'Revoked new.'],
    [
      'revoke at the end failed',
      { type: 'revoked', lease: lease('new'), ok: false, message: 'Atlas is down.' },
      'warning: could not revoke new (Atlas is down.); Atlas deletes it by itself at 2026-11-29T12:01:00Z (in 1m).',
    ],
  ])('%s', (_case, event, line) => {
    expect(rotationLine(event, now)).toBe(line);
  });
});
