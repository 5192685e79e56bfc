/** dynsecret's own secrets: a command it starts gets the lease, never the keys to make more. */
export const WITHHELD_FROM_CHILD = [
  'DYNSECRET_PASSPHRASE',
  'DYNSECRET_SESSION',
  'MONGODB_ATLAS_PRIVATE_API_KEY',
  'MONGODB_ATLAS_CLIENT_SECRET',
] as const;

/** The environment of a command dynsecret starts: its own, without dynsecret's secrets, plus `vars`. */
export function childEnvironment(
  env: Record<string, string | undefined>,
  vars: readonly (readonly [string, string])[],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(WITHHELD_FROM_CHILD as readonly string[]).includes(key)) result[key] = value;
  }
  for (const [key, value] of vars) result[key] = value;
  return result;
}
