import { resolve } from 'node:path';
import { checkCaFile, readText } from './input.js';
import { UsageError } from '../errors.js';
import { buildConfig, DEFAULT_BASE_URL, draftFromEnv, draftFromFile, fileNames, mergeDrafts, type ConfigDraft } from './draft.js';
import { validateBaseUrl } from './rules.js';
import type { DynamicSecretConfig } from './schema.js';

/**
 * A config from a `--from-file` document, for commands that run without a store: the same document,
 * sources and checks as `create --from-file` (the file's fields, then the MONGODB_ATLAS_* variables for
 * what it leaves out), but nothing is asked on a terminal and nothing is verified against Atlas first.
 * `name` is the NAME argument, if one was given: it must be the file's `name` (or supplies a missing one).
 * Where the keys go is the environment's choice, never the file's (`storeLessEndpoint`).
 */
export async function configFromFile(
  path: string,
  env: Record<string, string | undefined>,
  now: Date,
  name?: string,
): Promise<{ config: DynamicSecretConfig; warnings: string[] }> {
  const file = draftFromFile(await readText(path), path);
  if (name !== undefined && file.name !== undefined && file.name !== name) {
    throw new UsageError(`${path} defines the config ${file.name}, not ${name}.`, {
      hint: 'Leave NAME out with --from-file, or give the name the file has.',
    });
  }
  const endpoint = storeLessEndpoint(file, env, path);
  // Messages name the file's fields and the variables, never a flag: the commands that read a file have none.
  const { config, warnings } = buildConfig(mergeDrafts(draftFromEnv(env), file, { name }, endpoint), now, fileNames(path, file));
  if (config.caFile !== undefined) config.caFile = await checkCaFile(config.caFile);
  return { config, warnings };
}

/**
 * The Atlas endpoint and CA of a store-less command. A config file sits in the repository, where a pull
 * request can change it; the keys sit in the CI's secret settings, beside MONGODB_ATLAS_BASE_URL and
 * DYNSECRET_CA_FILE. So the endpoint is MONGODB_ATLAS_BASE_URL (else Atlas itself) and the CA is
 * DYNSECRET_CA_FILE (NODE_EXTRA_CA_CERTS is Node's own); the file may repeat them, never choose them. This
 * holds even when the file carries its own keys: it is one rule, and the environment's keys must not
 * depend on which fields a file fills in.
 */
export function storeLessEndpoint(file: ConfigDraft, env: Record<string, string | undefined>, path: string): ConfigDraft {
  const named = env.MONGODB_ATLAS_BASE_URL ? validateBaseUrl(env.MONGODB_ATLAS_BASE_URL) : DEFAULT_BASE_URL;
  if (file.baseUrl !== undefined) {
    const asked = validateBaseUrl(file.baseUrl);
    if (asked !== named) {
      throw new UsageError(
        `${path} names the Atlas endpoint ${asked}, but the environment names ${named}: without a store, the keys go only to the endpoint the environment names.`,
        { hint: 'Set MONGODB_ATLAS_BASE_URL in the CI settings, or remove baseUrl from the file.' },
      );
    }
  }
  const trusted = [env.DYNSECRET_CA_FILE, env.NODE_EXTRA_CA_CERTS].filter((p): p is string => !!p).map((p) => resolve(p));
  if (file.caFile !== undefined && !trusted.includes(resolve(file.caFile))) {
    throw new UsageError(
      `${path} names the CA file ${file.caFile}, which the environment does not: a CA chosen by the file alone would let another host pose as Atlas.`,
      { hint: 'Set DYNSECRET_CA_FILE (or NODE_EXTRA_CA_CERTS) to that file in the CI settings, or remove caFile from the file.' },
    );
  }
  return { baseUrl: named, caFile: env.DYNSECRET_CA_FILE || undefined };
}
