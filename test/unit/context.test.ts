import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../src/atlas/index.js';
import { firstCallAlone } from '../../src/context.js';

/** A client whose calls stay pending until released, recording when each started. */
function fakeClient() {
  const started: string[] = [];
  const pending: { name: string; settle: (ok: boolean) => void }[] = [];
  const call = (name: string) => () => new Promise((resolve, reject) => {
    started.push(name);
    pending.push({ name, settle: (ok) => (ok ? resolve(name) : reject(new Error(`${name} failed`))) });
  });
  const client = {
    getProject: call('getProject'),
    deleteDatabaseUser: call('deleteDatabaseUser'),
    listClusters: call('listClusters'),
    requestCount: 7,
    close: async () => {
      started.push('close');
    },
  } as unknown as AtlasClient;
  const settle = async (ok: boolean) => {
    pending.shift()!.settle(ok);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { client, started, settle };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('firstCallAlone', () => {
  it.each([
    ['answered', true],
    ['failed', false],
  ])('holds later calls until the first is %s, then lets them run together', async (_what, ok) => {
    const { client, started, settle } = fakeClient();
    const gated = firstCallAlone(client);
    const first = gated.deleteDatabaseUser('a').catch((e: Error) => e.message);
    const second = gated.deleteDatabaseUser('b');
    const third = gated.listClusters();
    await tick();
    expect(started).toEqual(['deleteDatabaseUser']);
    await settle(ok);
    expect(started).toEqual(['deleteDatabaseUser', 'deleteDatabaseUser', 'listClusters']);
    expect(await first).toBe(ok ? 'deleteDatabaseUser' : 'deleteDatabaseUser failed');
    await settle(true);
    await settle(true);
    expect(await Promise.all([second, third])).toEqual(['deleteDatabaseUser', 'listClusters']);
  });

  it('passes values and close through without waiting', async () => {
    const { client, started } = fakeClient();
    const gated = firstCallAlone(client);
    void gated.getProject();
    expect(gated.requestCount).toBe(7);
    await gated.close();
    expect(started).toEqual(['getProject', 'close']);
  });
});
