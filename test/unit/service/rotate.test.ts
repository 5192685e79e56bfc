import { describe, expect, it } from 'vitest';
import { startRotation, type FailureKind, type RotatingLease, type RotationDeps, type RotationEvent } from '../../../src/service/rotate.js';

const S = 1000;
const M = 60 * S;

interface User {
  createdAt: number;
  expiresAt: number;
  maxExpiresAt: number;
  revokedAt?: number;
}

class Failure extends Error {
  constructor(
    readonly kind: string,
    readonly final = false,
  ) {
    super(kind);
  }
}

/**
 * A lease world on a virtual clock: leases made with `ttlMs` and `maxTtlMs`, each taking `prepMs` to be
 * applied; the clock moves only when the loop sleeps, and stops at `endMs` (the loop then waits for `stop`).
 * `check` runs at every sleep: the user handed over last must live through the whole sleep.
 */
function world(options: { ttlMs: number; maxTtlMs: number; prepMs?: number; endMs: number; graceMs?: number }) {
  let now = 0;
  let count = 0;
  const users = new Map<string, User>();
  const events: RotationEvent<RotatingLease>[] = [];
  const failures = { lease: [] as Failure[], renew: [] as Failure[], revoke: 0 };
  let holder: RotatingLease | undefined;
  const gaps: string[] = [];
  let reachedEnd!: () => void;
  const ended = new Promise<void>((resolve) => {
    reachedEnd = resolve;
  });
  const make = (): RotatingLease => {
    const leaseId = `user-${++count}`;
    users.set(leaseId, { createdAt: now, expiresAt: now + options.ttlMs, maxExpiresAt: now + options.maxTtlMs });
    return { leaseId, createdAt: new Date(now), expiresAt: new Date(now + options.ttlMs), maxExpiresAt: new Date(now + options.maxTtlMs) };
  };
  const alive = (leaseId: string, at: number) => {
    const user = users.get(leaseId)!;
    return at < user.expiresAt && (user.revokedAt === undefined || at < user.revokedAt);
  };
  const deps: RotationDeps<RotatingLease> = {
    now: () => now,
    sleep: async (ms, signal) => {
      if (holder && !alive(holder.leaseId, now + ms)) gaps.push(`${holder.leaseId} dead during ${now}..${now + ms}`);
      if (now + ms >= options.endMs) {
        now = Math.max(now, options.endMs);
        reachedEnd();
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return;
      }
      now += ms;
    },
    renew: async (lease) => {
      const failure = failures.renew.shift();
      if (failure) throw failure;
      const user = users.get(lease.leaseId)!;
      user.expiresAt = Math.min(now + options.ttlMs, user.maxExpiresAt);
      return new Date(user.expiresAt);
    },
    lease: async () => {
      const failure = failures.lease.shift();
      if (failure) throw failure;
      const lease = make();
      now += options.prepMs ?? 0;
      return lease;
    },
    handOver: async (next) => {
      holder = next;
      return true;
    },
    revoke: async (lease) => {
      if (failures.revoke > 0) {
        failures.revoke--;
        return { ok: false, message: 'Atlas is down.' };
      }
      users.get(lease.leaseId)!.revokedAt = now;
      return { ok: true };
    },
    classify: (error): FailureKind => ({
      class: (error as Failure).kind,
      message: (error as Failure).message,
      final: (error as Failure).final,
      gone: (error as Failure).kind === 'gone',
    }),
    onEvent: (event) => {
      events.push(event);
    },
  };
  const start = (rotation: { renewing?: boolean; handoverMs?: number } = {}) => {
    const first = make();
    holder = first;
    return startRotation(deps, first, {
      ttlMs: options.ttlMs,
      renewing: rotation.renewing ?? true,
      graceMs: options.graceMs ?? 2 * M,
      handoverMs: rotation.handoverMs ?? 10 * S,
    });
  };
  return { deps, users, events, failures, gaps, ended, start, now: () => now, alive };
}

const rotations = (events: RotationEvent<RotatingLease>[]) =>
  events.filter((e): e is Extract<typeof e, { type: 'rotated' }> => e.type === 'rotated');

describe('the rotation loop (virtual clock)', () => {
  it('keeps a working user for 10 minutes with a 2m max TTL and a 1m TTL: renewals, >= 4 rotations, old users revoked after the grace', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, prepMs: 2 * S, endMs: 10 * M });
    const rotation = w.start();
    await w.ended;
    const last = await rotation.stop();
    expect(w.gaps).toEqual([]);
    const rotated = rotations(w.events);
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    expect(rotated.every((e) => e.reason === 'max-ttl')).toBe(true);
    expect(w.events.filter((e) => e.type === 'renewed').length).toBeGreaterThanOrEqual(2 * rotated.length);
    // Each new user was made while the old one still had at least its lead to live.
    for (const e of rotated) {
      const old = w.users.get(e.previous.leaseId)!;
      const next = w.users.get(e.next.leaseId)!;
      expect(old.expiresAt - next.createdAt).toBeGreaterThanOrEqual(15 * S);
      // Revoked at the end of its grace: at its own expiry here, as it comes before the 2 minutes.
      expect(old.revokedAt).toBe(Math.min(e.graceEndsAt.getTime(), old.expiresAt));
    }
    expect(w.events.filter((e) => e.type === 'grace-ended').length).toBe(rotated.length);
    // stop() revokes the current one: nothing is left.
    expect(last.leaseId).toBe(rotated.at(-1)!.next.leaseId);
    expect([...w.users.values()].every((u) => u.revokedAt !== undefined)).toBe(true);
  });

  it('a long grace ends at the old expiry; a short one after the hand-over', async () => {
    const short = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 5 * M, graceMs: 5 * S });
    const r = short.start({ handoverMs: 0 });
    await short.ended;
    await r.stop();
    for (const e of rotations(short.events)) {
      const handedOver = short.users.get(e.next.leaseId)!.createdAt;
      expect(short.users.get(e.previous.leaseId)!.revokedAt).toBe(handedOver + 5 * S);
    }
  });

  it('retries a failed rotation with backoff, warns once per class, and never lets the old user die first', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 4 * M });
    w.failures.lease.push(new Failure('quota'), new Failure('quota'), new Failure('5xx'));
    const rotation = w.start();
    await w.ended;
    await rotation.stop();
    const failed = w.events.filter((e) => e.type === 'rotation-failed');
    expect(failed.map((e) => [e.failure.class, e.firstOfClass])).toEqual([
      ['quota', true],
      ['quota', false],
      ['5xx', true],
    ]);
    const firstRotation = rotations(w.events)[0]!;
    const old = w.users.get(firstRotation.previous.leaseId)!;
    expect(w.users.get(firstRotation.next.leaseId)!.createdAt).toBeLessThan(old.expiresAt);
    expect(w.gaps).toEqual([]);
    // Retries come sooner than the old user's end: 5s, then no more than half the time left.
    expect(failed.map((e) => e.retryInMs)).toEqual([5 * S, 7.5 * S, 3.75 * S]);
  });

  it('keeps retrying after the old user expired, and says so once', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 6 * M });
    w.failures.lease.push(...Array.from({ length: 8 }, () => new Failure('down')));
    const rotation = w.start();
    await w.ended;
    await rotation.stop();
    expect(w.events.filter((e) => e.type === 'expired')).toHaveLength(1);
    expect(rotations(w.events).length).toBeGreaterThanOrEqual(1);
  });

  it('a user gone from Atlas is replaced at once', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 10 * M, endMs: 2 * M });
    w.failures.renew.push(new Failure('gone', true));
    const rotation = w.start();
    await w.ended;
    await rotation.stop();
    const [failed] = w.events.filter((e) => e.type === 'renew-failed');
    expect(failed).toMatchObject({ firstOfClass: true });
    expect(failed).not.toHaveProperty('retryInMs');
    expect(rotations(w.events)[0]).toMatchObject({ reason: 'expiry' });
    expect(w.users.get(rotations(w.events)[0]!.next.leaseId)!.createdAt).toBe(30 * S);
  });

  it('a failed renewal is retried; the next success is reported', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 10 * M, endMs: 3 * M });
    w.failures.renew.push(new Failure('5xx'));
    const rotation = w.start();
    await w.ended;
    await rotation.stop();
    const types = w.events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['renew-failed', 'renew-recovered', 'renewed']);
    expect(rotations(w.events)).toEqual([]);
  });

  it('without renewing, leases are replaced a lead ahead of their expiry', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 10 * M, endMs: 3 * M });
    const rotation = w.start({ renewing: false });
    await w.ended;
    await rotation.stop();
    expect(w.events.filter((e) => e.type === 'renewed')).toEqual([]);
    expect(rotations(w.events).map((e) => [w.users.get(e.next.leaseId)!.createdAt, e.reason])).toEqual([
      [40 * S, 'expiry'],
      [80 * S, 'expiry'],
      [120 * S, 'expiry'],
      [160 * S, 'expiry'],
    ]);
    expect(w.gaps).toEqual([]);
  });

  it('a failed hand-over revokes the new user and is retried as a failed rotation', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 150 * S });
    const handOver = w.deps.handOver;
    let refusals = 1;
    w.deps.handOver = async (next, previous) => {
      if (refusals-- > 0) throw new Failure('file');
      return handOver(next, previous);
    };
    const rotation = w.start();
    await w.ended;
    await rotation.stop();
    expect(w.events.find((e) => e.type === 'rotation-failed')).toMatchObject({ failure: { class: 'file' } });
    const refused = w.users.get('user-2')!;
    expect(refused.revokedAt).toBe(refused.createdAt);
    expect(rotations(w.events)[0]!.next.leaseId).toBe('user-3');
  });

  it('stop() revokes the current lease and those in grace; keepCurrent keeps the current one', async () => {
    const w = world({ ttlMs: 10 * M, maxTtlMs: 20 * M, endMs: 19 * M, graceMs: 10 * M });
    const rotation = w.start();
    await w.ended;
    const current = await rotation.stop({ keepCurrent: true });
    expect(w.users.get(current.leaseId)!.revokedAt).toBeUndefined();
    const revoked = w.events.filter((e) => e.type === 'revoked').map((e) => e.lease.leaseId);
    expect(revoked).toEqual(['user-1']);
    expect(rotation.current().leaseId).toBe(current.leaseId);
  });

  it('a lease made while stopping is revoked at once', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 10 * M });
    const lease = w.deps.lease;
    let stopping: Promise<RotatingLease> | undefined;
    const rotation = w.start();
    w.deps.lease = async () => {
      stopping = rotation.stop();
      return lease();
    };
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await stopping;
    expect(rotations(w.events)).toEqual([]);
    expect([...w.users.values()].every((u) => u.revokedAt !== undefined)).toBe(true);
    expect(w.events.filter((e) => e.type === 'revoked').map((e) => e.lease.leaseId)).toEqual(['user-2', 'user-1']);
  });

  it('a dependency failing in a way no step expects ends the loop; failure() tells it and stop() still revokes', async () => {
    const w = world({ ttlMs: M, maxTtlMs: 2 * M, endMs: 10 * M });
    const bug = new TypeError('a bug');
    w.deps.onEvent = (event) => {
      if (event.type === 'renewed') throw bug;
      w.events.push(event);
    };
    const rotation = w.start();
    await rotation.done;
    expect(rotation.failure()).toBe(bug);
    await rotation.stop();
    expect(w.users.get('user-1')!.revokedAt).toBeDefined();
  });
});
