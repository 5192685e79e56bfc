import { describe, expect, it } from 'vitest';
import { startEmulator } from '../helpers/emulator.js';
import { DigestSession, V1 } from './helpers.js';

/** The new options and controls through the built bin and the shared test helpers other suites use. */
describe('the emulator bin with the access list, ipinfo, clock and quota options', () => {
  it('reports --client-ip, keeps entries PENDING for --access-list-delay and runs at --clock-speed', async () => {
    const em = await startEmulator(
      ['--apply-delay', '0s', '--client-ip', '198.51.100.7', '--access-list-delay', '1h', '--clock-speed', '0'],
      'process',
    );
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const ipinfo = await session.send({ path: '/api/private/ipinfo', headers: { Accept: 'application/json' } });
    expect(ipinfo.json()).toEqual({ currentIpv4Address: '198.51.100.7' });

    const group = `/api/atlas/v2/groups/${em.groupId}`;
    const posted = await session.send({
      method: 'POST',
      path: `${group}/accessList`,
      headers: { Accept: V1, 'Content-Type': V1 },
      body: JSON.stringify([{ ipAddress: '198.51.100.7', comment: 'runner' }]),
    });
    expect(posted.status).toBe(201);
    expect(await em.accessList()).toEqual([
      { cidrBlock: '198.51.100.7/32', comment: 'runner', ipAddress: '198.51.100.7', status: 'PENDING' },
    ]);

    // Stopped by --clock-speed 0: the emulator's time does not move until a test moves it.
    const stopped = await em.now();
    expect(await em.now()).toBe(stopped);
    const running = await em.setClockSpeed(360_000);
    expect(running.speed).toBe(360_000);
    expect(Date.parse(running.now)).toBeGreaterThanOrEqual(stopped);
    const deadline = Date.now() + 20_000;
    while ((await em.accessList())[0]?.status !== 'ACTIVE') {
      if (Date.now() > deadline) throw new Error('the entry never became ACTIVE');
    }
  });

  it('fills the project through setMaxUsers and failCreates', async () => {
    const em = await startEmulator(undefined, 'process');
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const create = (username: string) =>
      session.send({
        method: 'POST',
        path: `/api/atlas/v2/groups/${em.groupId}/databaseUsers`,
        headers: { Accept: V1, 'Content-Type': V1 },
        body: JSON.stringify({
          username,
          password: 'correct-horse-battery',
          databaseName: 'admin',
          roles: [{ roleName: 'read', databaseName: 'app' }],
        }),
      });
    await em.failCreates(1, '5xx');
    expect((await create('a')).status).toBe(500);
    await em.setMaxUsers(1);
    expect((await create('a')).status).toBe(201);
    const full = await create('b');
    expect(full.status).toBe(403);
    expect(full.json()).toMatchObject({ errorCode: 'GROUP_USERS_LIMIT_EXCEEDED', detail: 'Groups can contain at most 1 database users.' });
    await em.setMaxUsers(5);
    await em.failCreates(1);
    expect((await create('b')).json()).toMatchObject({ errorCode: 'GROUP_USERS_LIMIT_EXCEEDED', parameters: [5] });
    expect((await create('b')).status).toBe(201);
  });
});
