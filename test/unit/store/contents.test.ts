import { describe, expect, it } from 'vitest';
import { ExitCode, StoreError } from '../../../src/errors.js';
import { checkEdited, decodeContents, editableCopy, encodeContents } from '../../../src/store/contents.js';
import { schemas, type LeaseRecord, type StoreData } from '../../../src/store/schema.js';
import { sampleConfig } from '../../helpers/fixtures.js';

const config = (name: string) => sampleConfig(name, { scopes: [{ name: 'Cluster0', type: 'CLUSTER' }] });

const lease = (leaseId: string, status: LeaseRecord['status'] = 'active'): LeaseRecord => ({
  leaseId,
  config: 'app-db',
  createdAt: '2026-11-29T00:00:00Z',
  expiresAt: '2026-11-29T01:00:00Z',
  maxExpiresAt: '2026-11-30T00:00:00Z',
  status,
});

const contents = (): StoreData => ({ configs: [config('app-db')], leases: [lease('ds-app-db-1'), lease('ds-app-db-2')], tokens: [] });

async function expectDamaged(run: () => Promise<unknown>) {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).exitCode).toBe(ExitCode.store);
  expect((error as StoreError).message).toMatch(/damaged/);
}

describe('decodeContents', () => {
  // A store re-sealed by someone holding a leaked session key could hold any name; names reach shells.
  it.each([
    ['command substitution', 'x$(touch${IFS}/tmp/PWNED)'],
    ['a backquote', 'x`id`'],
    ['a space', 'app db'],
    ['a newline', 'app\ndb'],
    ['65 characters', 'a'.repeat(65)],
    ['empty', ''],
  ])('refuses a config name with %s, checked or not', async (_what, name) => {
    const bad: StoreData = { configs: [config(name)], leases: [], tokens: [] };
    await expectDamaged(() => decodeContents(encodeContents(bad)));
    await expectDamaged(() => decodeContents(JSON.stringify(bad)));
  });

  it('reads back what encodeContents wrote, without the mark', async () => {
    expect(await decodeContents(encodeContents(contents()))).toEqual(contents());
  });

  it('takes marked contents as written: they were checked before they were sealed', async () => {
    // Not valid for the schema, yet accepted: only a holder of the data key can produce a sealed mark.
    const unusual = { checked: 1, configs: [], leases: [{ leaseId: 'x', status: 'unheard-of' }], tokens: [] };
    expect((await decodeContents(JSON.stringify(unusual))).leases).toEqual([{ leaseId: 'x', status: 'unheard-of' }]);
  });

  it.each([
    ['no mark', contents()],
    ['another mark', { checked: 2, ...contents() }],
    ['a mark of another type', { checked: '1', ...contents() }],
  ])('checks contents with %s against the schema, dropping unknown fields', async (_what, json) => {
    const withExtra = { ...json, leases: json.leases.map((l) => ({ ...l, surprise: true })) };
    expect(await decodeContents(JSON.stringify(withExtra))).toEqual(contents());
  });

  it.each([
    ['not JSON', '{"configs": ['],
    ['a lease with an unknown status', JSON.stringify({ ...contents(), leases: [lease('x', 'expired' as LeaseRecord['status'])] })],
    ['a config without roles', JSON.stringify({ ...contents(), configs: [{ ...config('a'), roles: [] }] })],
    ['a negative TTL', JSON.stringify({ ...contents(), configs: [{ ...config('a'), defaultTtlMs: -1 }] })],
    ['a list where an object belongs', JSON.stringify([])],
    ['null', 'null'],
  ])('refuses unmarked contents that are %s as damaged', async (_what, text) => {
    await expectDamaged(() => decodeContents(text));
  });

  it('hands out frozen contents, nested objects included', async () => {
    const decoded = await decodeContents(encodeContents(contents()));
    for (const value of [
      decoded,
      decoded.configs,
      decoded.configs[0],
      decoded.configs[0]!.roles[0],
      decoded.configs[0]!.auth,
      decoded.leases,
      decoded.leases[0],
    ]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
  });
});

describe('editableCopy and checkEdited', () => {
  const stored = () => decodeContents(encodeContents(contents()));

  it('gives a copy that can be changed while the stored contents stay as they were', async () => {
    const before = await stored();
    const edit = editableCopy(before);
    edit.data.leases[0]!.status = 'gone';
    edit.data.configs[0]!.roles.push({ roleName: 'read', databaseName: 'other' });
    expect(before).toEqual(contents());
  });

  it('starts from empty contents when there is no store', () => {
    expect(editableCopy().data).toEqual({ configs: [], leases: [], tokens: [] });
  });

  const edits: [string, (data: StoreData) => void, (checked: StoreData, before: StoreData) => void][] = [
    [
      'nothing changed: every record is the stored one',
      () => undefined,
      (checked, before) => {
        expect(checked.leases[0]).toBe(before.leases[0]);
        expect(checked.leases[1]).toBe(before.leases[1]);
      },
    ],
    [
      'one status changed: only that record is new',
      (data) => {
        data.leases[1]!.status = 'gone';
      },
      (checked, before) => {
        expect(checked.leases[0]).toBe(before.leases[0]);
        expect(checked.leases[1]).toEqual({ ...lease('ds-app-db-2'), status: 'gone' });
      },
    ],
    [
      'a record added at the end',
      (data) => {
        data.leases.push(lease('ds-app-db-3'));
      },
      (checked) => {
        expect(checked.leases.map((l) => l.leaseId)).toEqual(['ds-app-db-1', 'ds-app-db-2', 'ds-app-db-3']);
      },
    ],
    [
      'a record removed, order kept',
      (data) => {
        data.leases = data.leases.filter((l) => l.leaseId !== 'ds-app-db-1');
      },
      (checked, before) => {
        expect(checked.leases).toEqual([before.leases[1]]);
      },
    ],
    [
      'a record changed and moved first',
      (data) => {
        const [a, b] = data.leases;
        b!.lastError = 'timeout';
        data.leases = [b!, a!];
      },
      (checked, before) => {
        expect(checked.leases[0]).toEqual({ ...lease('ds-app-db-2'), lastError: 'timeout' });
        expect(checked.leases[1]).toBe(before.leases[0]);
      },
    ],
    [
      'an unknown field added to a record: dropped as the schema does',
      (data) => {
        (data.leases[0] as unknown as Record<string, unknown>).extra = 1;
      },
      (checked) => {
        expect(checked.leases[0]).toEqual(lease('ds-app-db-1'));
      },
    ],
  ];

  it.each(edits)('after %s, the result is checked and frozen', async (_what, change, expectations) => {
    const before = await stored();
    const edit = editableCopy(before);
    change(edit.data);
    const checked = await checkEdited(edit);
    expectations(checked, before);
    expect(Object.isFrozen(checked.leases)).toBe(true);
    expect(checked.leases.every((l) => Object.isFrozen(l))).toBe(true);
  });

  it.each<[string, (data: StoreData) => void]>([
    [
      'a changed record with an unknown status',
      (data) => {
        data.leases[0]!.status = 'bogus' as LeaseRecord['status'];
      },
    ],
    [
      'a new record without an expiry',
      (data) => {
        data.leases.push({ ...lease('ds-app-db-3'), expiresAt: undefined as unknown as string });
      },
    ],
    [
      'a config with no roles',
      (data) => {
        data.configs[0]!.roles = [];
      },
    ],
    [
      'a token without its value',
      (data) => {
        data.tokens.push({ config: 'app-db', expiresAt: 'soon' } as StoreData['tokens'][number]);
      },
    ],
  ])('refuses to pass on %s', async (_what, change) => {
    const edit = editableCopy(await stored());
    change(edit.data);
    await expect(checkEdited(edit)).rejects.toThrow();
  });

  it("notices a change to any field of the schema's lease record (so it is checked, and here refused)", async () => {
    const fields = Object.keys(schemas().leaseRecordSchema.shape);
    expect(fields).toContain('lastError');
    for (const field of fields) {
      const edit = editableCopy(await stored());
      (edit.data.leases[0] as unknown as Record<string, unknown>)[field] = 42;
      await expect(checkEdited(edit), field).rejects.toThrow();
    }
  });
});
