/** Small guards for untrusted JSON (the emulator takes no dependencies, so no zod here). */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Parses JSON text; undefined when it is not JSON. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Reads a typed field or throws a message naming it, for files and control bodies. */
export function field<T>(object: JsonObject, name: string, guard: (value: unknown) => value is T, what: string): T {
  const value = object[name];
  if (!guard(value)) throw new TypeError(`"${name}" must be ${what}`);
  return value;
}

export function optionalField<T>(object: JsonObject, name: string, guard: (value: unknown) => value is T, what: string): T | undefined {
  return object[name] === undefined ? undefined : field(object, name, guard, what);
}
