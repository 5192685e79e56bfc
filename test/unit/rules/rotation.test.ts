import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  graceEnd,
  lastMoment,
  MIN_LEAD_MS,
  nextStep,
  renewalDue,
  renewMargin,
  renewalTarget,
  retryDelay,
  rotationLead,
  rotationReason,
  type RotationPlan,
  type RotationStep,
} from '../../../src/rules/rotation.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('the documented defaults', () => {
  it.each([
    ['--grace', DEFAULT_GRACE_MS, 2 * M],
    ['--stop-timeout', DEFAULT_STOP_TIMEOUT_MS, 10 * S],
    ['the least lead', MIN_LEAD_MS, 15 * S],
  ])('%s', (_name, value, documented) => {
    expect(value).toBe(documented);
  });
});

describe('rotationLead: min(max(TTL/3, 2 × last prep + hand-over, 15s), life span / 2)', () => {
  it.each([
    ['a third of a 1h TTL', { ttlMs: H, lifeSpanMs: 24 * H, lastPrepMs: 2 * S, handoverMs: 10 * S }, 20 * M],
    ['a slow last lease doubled, plus the stop timeout', { ttlMs: 3 * M, lifeSpanMs: H, lastPrepMs: 40 * S, handoverMs: 10 * S }, 90 * S],
    ['the floor of 15s for a short TTL and a fast Atlas', { ttlMs: 30 * S, lifeSpanMs: H, lastPrepMs: 1 * S, handoverMs: 0 }, MIN_LEAD_MS],
    [
      '1m TTL, 2m max TTL, stop timeout 10s: a third of the TTL',
      { ttlMs: M, lifeSpanMs: 2 * M, lastPrepMs: 0, handoverMs: 10 * S },
      20 * S,
    ],
    ['capped at half the life span', { ttlMs: M, lifeSpanMs: M, lastPrepMs: 30 * S, handoverMs: 10 * S }, 30 * S],
    ['a 7d TTL with a 30d max', { ttlMs: 7 * D, lifeSpanMs: 30 * D, lastPrepMs: 0, handoverMs: 0 }, (7 * D) / 3],
  ])('%s', (_case, input, lead) => {
    expect(rotationLead(input)).toBe(lead);
  });
});

describe('lastMoment and rotationReason', () => {
  it.each([
    ['renewed: its max expiry', { expiresAt: 10, maxExpiresAt: 50 }, true, 50, 'max-ttl'],
    ['not renewed: its expiry', { expiresAt: 10, maxExpiresAt: 50 }, false, 10, 'expiry'],
    ['at its max already, not renewed', { expiresAt: 50, maxExpiresAt: 50 }, false, 50, 'max-ttl'],
    ['at its max already, renewed', { expiresAt: 50, maxExpiresAt: 50 }, true, 50, 'max-ttl'],
  ] as const)('%s', (_case, lease, renewable, moment, reason) => {
    expect(lastMoment(lease, renewable)).toBe(moment);
    expect(rotationReason(lease, renewable)).toBe(reason);
  });
});

describe('renewalTarget: min(now + TTL, max expiry, now + 7 days), to the second', () => {
  const now = Date.parse('2026-11-29T12:00:00.400Z');
  it.each([
    ['the TTL', { expiresAt: now, maxExpiresAt: now + 10 * H }, H, now - 400 + H],
    ['the max TTL', { expiresAt: now, maxExpiresAt: now + 30 * M + 700 }, H, now + 30 * M + 700 - 100],
    ["Atlas' 7 days", { expiresAt: now, maxExpiresAt: now + 30 * D }, 7 * D + H, now - 400 + 7 * D],
  ])('capped by %s', (_case, lease, ttlMs, target) => {
    expect(renewalTarget(lease, ttlMs, now)).toBe(target);
  });
});

describe('renewMargin: max(TTL / 3, min(TTL / 2, 5m)) before expiry', () => {
  it.each([
    [6 * S, 3 * S],
    [M, 30 * S],
    [5 * M, 2.5 * M],
    [12 * M, 5 * M],
    [H, 20 * M],
    [7 * D, (7 * D) / 3],
  ])('TTL %s: %s ahead', (ttlMs, margin) => {
    expect(renewMargin(ttlMs)).toBe(margin);
  });
});

describe('renewalDue: renewMargin(TTL) before expiry, unless that would not extend it', () => {
  it.each([
    ['1m TTL: 30s ahead', { expiresAt: 60 * S, maxExpiresAt: 120 * S }, M, 30 * S],
    ['1h TTL: 20m ahead', { expiresAt: H, maxExpiresAt: D }, H, 40 * M],
    ['at its max TTL: never', { expiresAt: 120 * S, maxExpiresAt: 120 * S }, M, undefined],
    ['less than a second below its max: never', { expiresAt: 120 * S, maxExpiresAt: 120 * S + 500 }, M, undefined],
    ['one second below its max: still worth it', { expiresAt: 119 * S, maxExpiresAt: 120 * S }, M, 89 * S],
  ])('%s', (_case, lease, ttlMs, due) => {
    expect(renewalDue(lease, ttlMs)).toBe(due);
  });
});

describe('graceEnd: the grace after the hand-over, or the old expiry if sooner', () => {
  it.each([
    ['the grace', 100 * S, 2 * M, { expiresAt: 10 * M, maxExpiresAt: 10 * M }, 220 * S],
    ['the old expiry', 100 * S, 2 * M, { expiresAt: 120 * S, maxExpiresAt: 120 * S }, 120 * S],
    ['no grace', 100 * S, 0, { expiresAt: 120 * S, maxExpiresAt: 120 * S }, 100 * S],
  ])('%s', (_case, at, graceMs, old, end) => {
    expect(graceEnd(at, graceMs, old)).toBe(end);
  });
});

describe('retryDelay: 5s doubling to 60s; at most half the time left, at least 0.5s', () => {
  it.each([
    [1, 0, H, 5 * S],
    [2, 0, H, 10 * S],
    [3, 0, H, 20 * S],
    [5, 0, H, 60 * S],
    [9, 0, H, 60 * S],
    [0, 0, H, 5 * S],
    [3, 0, 16 * S, 8 * S],
    [1, 0, 600, 500],
    [4, 100 * S, 100 * S, 40 * S],
    [3, 100 * S, 116 * S, 8 * S],
    [7, 200 * S, 100 * S, 60 * S],
  ])('failure %s at %s, user ends %s: %s', (failures, now, deadline, delay) => {
    expect(retryDelay(failures, now, deadline)).toBe(delay);
  });
});

describe('nextStep', () => {
  const base: RotationPlan = {
    current: { expiresAt: 60 * S, maxExpiresAt: 120 * S, renewable: true },
    renewing: true,
    ttlMs: M,
    lifeSpanMs: 2 * M,
    lastPrepMs: 0,
    handoverMs: 10 * S,
    grace: [],
  };
  it.each<[string, Partial<RotationPlan>, RotationStep]>([
    ['a renewal before the max TTL is near', {}, { kind: 'renew', at: 30 * S }],
    [
      'at its max: the rotation, a lead ahead of the max',
      { current: { expiresAt: 120 * S, maxExpiresAt: 120 * S, renewable: true } },
      { kind: 'rotate', at: 100 * S, reason: 'max-ttl' },
    ],
    ['without renewing: the rotation a lead ahead of expiry', { renewing: false }, { kind: 'rotate', at: 40 * S, reason: 'expiry' }],
    [
      'a renewal refused for good: rotation ahead of its expiry',
      { current: { expiresAt: 60 * S, maxExpiresAt: 120 * S, renewable: false } },
      { kind: 'rotate', at: 40 * S, reason: 'expiry' },
    ],
    [
      'a failing renewal is retried while the rotation is further away',
      { current: { expiresAt: 60 * S, maxExpiresAt: 120 * S, renewable: true, renewRetryAt: 35 * S } },
      { kind: 'renew', at: 35 * S },
    ],
    [
      'a failing renewal whose retry comes after the rotation: the rotation, aimed at the expiry',
      { current: { expiresAt: 60 * S, maxExpiresAt: 120 * S, renewable: true, renewRetryAt: 45 * S } },
      { kind: 'rotate', at: 40 * S, reason: 'expiry' },
    ],
    [
      'a failed rotation is retried when its backoff says',
      { current: { expiresAt: 120 * S, maxExpiresAt: 120 * S, renewable: true }, rotateRetryAt: 105 * S },
      { kind: 'rotate', at: 105 * S, reason: 'max-ttl' },
    ],
    [
      'the earliest grace end first',
      {
        grace: [
          { leaseId: 'b', endsAt: 25 * S },
          { leaseId: 'a', endsAt: 20 * S },
          { leaseId: 'c', endsAt: 28 * S },
        ],
      },
      { kind: 'end-grace', at: 20 * S, leaseId: 'a' },
    ],
    ['a tie: the grace ends first', { grace: [{ leaseId: 'a', endsAt: 30 * S }] }, { kind: 'end-grace', at: 30 * S, leaseId: 'a' }],
    [
      'a tie between renewal and rotation: the renewal',
      { current: { expiresAt: 119 * S, maxExpiresAt: 120 * S, renewable: true }, lastPrepMs: 5.5 * S, handoverMs: 20 * S },
      { kind: 'renew', at: 89 * S },
    ],
    ['a grace after the next step waits', { grace: [{ leaseId: 'a', endsAt: 31 * S }] }, { kind: 'renew', at: 30 * S }],
  ])('%s', (_case, overrides, step) => {
    expect(nextStep({ ...base, ...overrides })).toEqual(step);
  });
});
