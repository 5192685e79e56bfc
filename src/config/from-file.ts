import { checkCaFile, readText } from './input.js';
import { UsageError } from '../errors.js';
import { buildConfig, draftFromEnv, draftFromFile, fileNames, mergeDrafts } from './draft.js';
import type { DynamicSecretConfig } from './schema.js';

/**
 * A config from a `--from-file` document, for commands that run without a store: the same document,
 * sources and checks as `create --from-file` (the file's fields, then the MONGODB_ATLAS_* variables for
 * what it leaves out), but nothing is asked on a terminal and nothing is verified against Atlas first.
 * `name` is the NAME argument, if one was given: it must be the file's `name` (or supplies a missing one).
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
  // Messages name the file's fields and the variables, never a flag: the commands that read a file have none.
  const { config, warnings } = buildConfig(mergeDrafts(draftFromEnv(env), file, { name }), now, fileNames(path, file));
  if (config.caFile !== undefined) config.caFile = await checkCaFile(config.caFile);
  return { config, warnings };
}
