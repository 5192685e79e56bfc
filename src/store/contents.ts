import { StoreError } from '../errors.js';
import { isConfigName } from '../rules/config-name.js';
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
    // Names reach shells (completion, messages): a store sealed by someone holding a leaked session key is
    // held to the rule `create` applies. A handful of configs: this costs nothing.
    if (!Array.isArray(contents.configs) || !contents.configs.every((c) => isConfigName(c?.name))) throw damaged();
    // Lease records hold strings only (they were checked before they were sealed): freezing each one freezes it
    // whole, without walking thousands of them field by field.
    for (const record of contents.leases) Object.freeze(record);
    Object.freeze(contents.leases);
    return freeze(contents);
  }
  const parsed = (await storeDataSchema()).safeParse(json);
  if (!parsed.success) throw damaged();
  if (!parsed.data.configs.every((c) => isConfigName(c.name))) throw damaged();
  return freeze(parsed.data);
}

/** The JSON to seal: contents that `checkEdited` returned, marked as checked. */
export const encodeContents = (contents: StoreData): string => JSON.stringify({ checked: CHECKED, ...contents });

/** Mutable contents for an update, remembering which stored record each lease record copies. */
interface Editable {
  data: StoreData;
  /** The copies as handed out, index by index with the stored records they were made from. */
  copies: readonly LeaseRecord[];
  origins: readonly LeaseRecord[];
}

export function editableCopy(contents: StoreData = emptyStoreData()): Editable {
  const leases = contents.leases.map((record) => ({ ...record }));
  return {
    data: { configs: structuredClone(contents.configs), leases, tokens: contents.tokens.map((t) => ({ ...t })) },
    copies: [...leases],
    origins: contents.leases,
  };
}

/**
 * The edited contents checked against the schema (throwing as zod does); unchanged lease records are reused.
 * A record is looked for at its own index first (an update that appends, or changes a record in place, moves
 * none), and through a map of all copies only when the update moved some (by removing or reordering). What is
 * reused is frozen already, so only what the schema gave back is frozen here: with 10,000 leases, every pass
 * over all of them is milliseconds of a command.
 */
export async function checkEdited({ data, copies, origins }: Editable): Promise<StoreData> {
  let originByCopy: Map<LeaseRecord, LeaseRecord> | undefined;
  const leases: LeaseRecord[] = [];
  const changed: LeaseRecord[] = [];
  const changedAt: number[] = [];
  data.leases.forEach((record, index) => {
    let origin: LeaseRecord | undefined;
    if (copies[index] === record) {
      origin = origins[index];
    } else {
      originByCopy ??= new Map(copies.map((copy, i) => [copy, origins[i]!]));
      origin = originByCopy.get(record);
    }
    if (origin !== undefined && sameFields(record, origin)) {
      leases.push(origin);
    } else {
      leases.push(record);
      changed.push(record);
      changedAt.push(index);
    }
  });
  const checked = (await storeDataSchema()).parse({ ...data, leases: changed });
  changedAt.forEach((at, i) => {
    leases[at] = freeze(checked.leases[i]!);
  });
  Object.freeze(leases);
  return Object.freeze({ ...checked, configs: freeze(checked.configs), leases, tokens: freeze(checked.tokens) });
}

/**
 * Whether a record has the values of the stored one it copies, field by field of the schema's lease record. A
 * field the schema does not have cannot make two records differ: checking drops it. Written out rather than
 * looped over: with 10,000 leases this runs 10,000 times per update, in code that is still cold.
 */
function sameFields(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.leaseId === b.leaseId &&
    a.config === b.config &&
    a.createdAt === b.createdAt &&
    a.expiresAt === b.expiresAt &&
    a.maxExpiresAt === b.maxExpiresAt &&
    a.status === b.status &&
    a.lastError === b.lastError &&
    a.allowIp === b.allowIp
  );
}

// Compile-time guard: sameFields compares every field of a lease record (test/unit/store/contents.test.ts checks
// the same against the schema at run time).
type Compared = 'leaseId' | 'config' | 'createdAt' | 'expiresAt' | 'maxExpiresAt' | 'status' | 'lastError' | 'allowIp';
const comparesEveryField: [keyof LeaseRecord] extends [Compared] ? ([Compared] extends [keyof LeaseRecord] ? true : false) : false = true;
void comparesEveryField;

/** Freezes `value` and everything in it; what is frozen already is taken as frozen through and through. */
function freeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const child of value) freeze(child);
  } else {
    for (const key in value) if (Object.hasOwn(value, key)) freeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
