import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { sampleConfig } from '../../helpers/fixtures.js';

const lease = {
  leaseId: 'ds-app-db-1',
  config: 'app-db',
  createdAt: '2026-12-01T10:00:00Z',
  expiresAt: '2026-12-01T11:00:00Z',
  maxExpiresAt: '2026-12-02T10:00:00Z',
  status: 'active' as const,
};

describe('MemoryStore', () => {
  it('holds the configs it was given, and nothing else', async () => {
    const store = new MemoryStore([sampleConfig('app-db')]);
    const data = await store.read();
    expect(data.configs.map((c) => c.name)).toEqual(['app-db']);
    expect(data.leases).toEqual([]);
    expect(data.tokens).toEqual([]);
    expect(Object.isFrozen(data)).toBe(true);
  });

  it('keeps updates for the life of the process, returning what the mutation returns', async () => {
    const store = new MemoryStore([sampleConfig('app-db')]);
    expect(await store.update((data) => data.leases.push(lease))).toBe(1);
    expect((await store.read()).leases).toEqual([lease]);
  });

  it('refuses an update the schema refuses, keeping the previous contents', async () => {
    const store = new MemoryStore([sampleConfig('app-db')]);
    await expect(
      store.update((data) => {
        data.leases.push({ ...lease, status: 'bogus' as 'active' });
      }),
    ).rejects.toThrow();
    expect((await store.read()).leases).toEqual([]);
  });

  it('has no session key to hand out', async () => {
    await expect(new MemoryStore().sessionKey()).rejects.toThrow(StoreError);
  });
});
