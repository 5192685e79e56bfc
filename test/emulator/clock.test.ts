import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/emulator/clock.js';
import { OptionError, parseArgv } from '../../src/emulator/options.js';
import { atlas, control, newUser, send, start, until, V1, serviceAccountToken } from './helpers.js';

/** A clock over a real time the test moves by hand. */
function manualClock(offsetMs = 0, speed = 1) {
  let real = 1_000_000;
  const clock = createClock(() => real, offsetMs, speed);
  return {
    clock,
    pass: (ms: number) => {
      real += ms;
    },
    real: () => real,
  };
}

describe('the emulator clock', () => {
  it.each([
    [1, 1000, 1000],
    [10, 1000, 10_000],
    [0.5, 1000, 500],
    [0, 1000, 0],
    [3600, 1000, 3_600_000],
  ])('at speed %d, %d real ms are %d emulator ms', (speed, realMs, emulatorMs) => {
    const { clock, pass } = manualClock(0, speed);
    const before = clock.now();
    pass(realMs);
    expect(clock.now() - before).toBe(emulatorMs);
  });

  it('never jumps when the speed changes, and keeps the time gained so far', () => {
    const { clock, pass, real } = manualClock(5000);
    pass(1000);
    clock.setSpeed(100);
    expect(clock.now()).toBe(real() + 5000);
    pass(10);
    expect(clock.now()).toBe(real() + 5000 + 990);
    const before = clock.now();
    clock.setSpeed(1);
    expect(clock.now()).toBe(before);
    pass(10);
    expect(clock.now()).toBe(before + 10);
    expect(clock.offsetMs).toBe(5990);
  });

  it('adds advances on top of the speed, and nonces age with the advances only', () => {
    const { clock, pass, real } = manualClock(0, 1000);
    clock.advance(60_000);
    pass(1);
    expect(clock.now()).toBe(real() + 60_000 + 999);
    expect(clock.nonceNow()).toBe(real() + 60_000);
  });

  it('setOffset starts again from that offset at the same speed', () => {
    const { clock, pass, real } = manualClock(0, 10);
    pass(100);
    clock.setOffset(0);
    expect(clock.now()).toBe(real());
    pass(1);
    expect(clock.now()).toBe(real() + 9);
  });

  it.each([
    [['--clock-speed', '60'], 60],
    [['--clock-speed', '0'], 0],
    [['--clock-speed', '2.5'], 2.5],
    [['--clock-speed', '1000000'], 1_000_000],
  ])('reads %j', (argv, speed) => {
    expect(parseArgv(argv).options.clockSpeed).toBe(speed);
  });

  it.each([[['--clock-speed', '-1']], [['--clock-speed', 'fast']], [['--clock-speed', '1000001']], [['--clock-speed', '1e3']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseArgv(argv)).toThrow(OptionError);
      expect(() => parseArgv(argv)).toThrow('--clock-speed');
    },
  );

  it('sets the speed at run time without a jump and reports it with now', async () => {
    const em = await start();
    const before = Date.parse((await control(em, 'GET', 'state')).json().now);
    const reply = await control(em, 'POST', 'clock', { speed: 0 });
    expect(reply.status).toBe(200);
    const { now, offsetMs, speed } = reply.json();
    expect(speed).toBe(0);
    // Stopped, so the offset only lags real time by the few ms of the round trip.
    expect(Date.parse(now)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(now) - before).toBeLessThan(5_000);
    const state = (await control(em, 'GET', 'state')).json();
    expect(state.now).toBe(now);
    expect(state.clock).toEqual({ offsetMs: state.clock.offsetMs, speed: 0 });
    expect(offsetMs).toBeLessThanOrEqual(0);
  });

  it('takes a speed and an advance together', async () => {
    const em = await start();
    await control(em, 'POST', 'clock', { speed: 0 });
    const { now } = (await control(em, 'GET', 'state')).json();
    const reply = (await control(em, 'POST', 'clock', { speed: 0, advanceMs: 86_400_000 })).json();
    expect(Date.parse(reply.now) - Date.parse(now)).toBe(86_400_000);
  });

  it.each([[{}], [{ speed: -1 }], [{ speed: 1_000_001 }], [{ speed: 'fast' }], [{ speed: 2, later: true }]])(
    'refuses the clock body %j',
    async (body) => {
      const em = await start();
      expect((await control(em, 'POST', 'clock', body)).status).toBe(400);
    },
  );

  it('starts at --clock-speed and goes back to it on reset', async () => {
    const em = await start({ clockSpeed: 0 });
    expect((await control(em, 'GET', 'state')).json().clock.speed).toBe(0);
    await control(em, 'POST', 'clock', { speed: 50 });
    await control(em, 'POST', 'reset');
    expect((await control(em, 'GET', 'state')).json().clock.speed).toBe(0);
  });

  it('expires a user at its deleteAfterDate under a sped-up clock', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    expect((await api.post(`${api.group}/databaseUsers`, body)).status).toBe(201);
    await control(em, 'POST', 'clock', { speed: 360_000 });
    await until(async () => (await control(em, 'GET', 'state')).json().users.length === 0, 'the user to expire');
    expect((await api.get(`${api.group}/databaseUsers/admin/${String(body.username)}`)).status).toBe(404);
  });

  it('keeps a cluster PENDING for the apply delay in emulator time', async () => {
    const em = await start({ applyDelayMs: 3_600_000 });
    const api = atlas(em);
    await api.post(`${api.group}/databaseUsers`, newUser(em, { deleteAfterDate: undefined }));
    const status = async () => (await api.get(`${api.group}/clusters/Cluster0/status`)).json().changeStatus;
    expect(await status()).toBe('PENDING');
    await control(em, 'POST', 'clock', { speed: 360_000 });
    await until(async () => (await status()) === 'APPLIED', 'the change to apply');
  });

  it('ends token lifetimes in emulator time, while digest still works at full speed', async () => {
    const em = await start();
    const api = atlas(em);
    const token = await serviceAccountToken(em);
    const withToken = () => send(em.url, { path: `${api.group}/databaseUsers`, headers: { Accept: V1, Authorization: `Bearer ${token}` } });
    expect((await withToken()).status).toBe(200);
    await control(em, 'POST', 'clock', { speed: 1_000_000 });
    await until(async () => (await withToken()).status === 401, 'the token to expire');
    // A nonce lives 5 minutes of real time: the digest client is not sent round in stale challenges.
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
  });
});
