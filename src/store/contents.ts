import { StoreError } from '../errors.js';
import type { LeaseRecord, StoreData } from './schema.js';

/**
 * The store's contents between the file and the commands. They are checked against the schema before
 * every write, and the sealed JSON says so (`checked`). AES-GCM then guarantees that what a later read
 * decrypts is byte for byte what was checked, so it is not checked again: with 10,000 leases that check
 * would be most of what a command costs. Contents without the mark (a store written before it existed)
 * are checked when read. In memory the contents are frozen: reads share them, an update works on a copy,
 * and only the lease records the update changed or added are checked again before the write. The schemas
 * (and zod/mini with them) are loaded only then: reading a checked store loads neither.
 */
const CHECKED = 1;

const storeDataSchema = async () => (await import('./schema.js')).schemas().storeDataSchema;

export const emptyStoreData = (): StoreData => ({ configs: [], leases: [], tokens: [] });

export const damaged = () =>
  new StoreError('The store file is damaged or was modified; it was left as it is.', {
    hint: 'Restore it from a backup, or move it aside to start a new store.',
  });

/** The decrypted JSON as contents; throws `damaged` when it is not valid store contents. */
export async function decodeContents(plaintext: string): Promise<StoreData> {
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    throw damaged();
  }
  if (typeof json === 'object' && json !== null && (json as { checked?: unknown }).checked === CHECKED) {
    const { checked: _checked, ...contents } = json as StoreData & { checked: number };
    return freeze(contents);
  }
  const parsed = (await storeDataSchema()).safeParse(json);
  if (!parsed.success) throw damaged();
  return freeze(parsed.data);
}

/** The JSON to seal: contents that `checkEdited` returned, marked as checked. */
export const encodeContents = (contents: StoreData): string => JSON.stringify({ checked: CHECKED, ...contents });

/** Mutable contents for an update, remembering which stored record each lease record copies. */
interface Editable {
  data: StoreData;
  origins: WeakMap<LeaseRecord, LeaseRecord>;
}

export function editableCopy(contents: StoreData = emptyStoreData()): Editable {
  const origins = new WeakMap<LeaseRecord, LeaseRecord>();
  const leases = contents.leases.map((record) => {
    const copy = { ...record };
    origins.set(copy, record);
    return copy;
  });
  return { data: { configs: structuredClone(contents.configs), leases, tokens: contents.tokens.map((t) => ({ ...t })) }, origins };
}

/** The edited contents checked against the schema (throwing as zod does); unchanged lease records are reused. */
export async function checkEdited({ data, origins }: Editable): Promise<StoreData> {
  const kept = data.leases.map((record) => {
    const origin = origins.get(record);
    return origin !== undefined && sameFields(record, origin) ? origin : undefined;
  });
  const checked = (await storeDataSchema()).parse({ ...data, leases: data.leases.filter((_, i) => kept[i] === undefined) });
  let next = 0;
  return freeze({ ...checked, leases: kept.map((origin) => origin ?? checked.leases[next++]!) });
}

function sameFields(record: object, origin: object): boolean {
  const keys = Object.keys(record);
  const a = record as Record<string, unknown>;
  const b = origin as Record<string, unknown>;
  return keys.length === Object.keys(origin).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freeze(child);
  }
  return value;
}
