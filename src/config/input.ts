import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ConfigDraft } from './draft.js';

/** The flags of `create` and `update` that give a config's fields (their definitions say which they are). */
export interface ConfigFlagValues {
  baseUrl?: string | undefined;
  publicKey?: string | undefined;
  privateKeyStdin?: boolean | undefined;
  clientId?: string | undefined;
  clientSecretStdin?: boolean | undefined;
  defaultTtl?: string | undefined;
  maxTtl?: string | undefined;
  role?: string[] | undefined;
  scope?: string[] | undefined;
  caFile?: string | undefined;
  usernameTemplate?: string | undefined;
}

/**
 * The draft the flags give, but the name and project (which only `create` takes); `secret` is what stdin gave
 * for whichever of --private-key-stdin and --client-secret-stdin was passed.
 */
export function draftFromFlags(options: ConfigFlagValues, secret: string | undefined): ConfigDraft {
  return {
    baseUrl: options.baseUrl,
    publicKey: options.publicKey,
    privateKey: options.privateKeyStdin ? secret : undefined,
    clientId: options.clientId,
    clientSecret: options.clientSecretStdin ? secret : undefined,
    defaultTtl: options.defaultTtl,
    maxTtl: options.maxTtl,
    roles: options.role,
    scopes: options.scope,
    caFile: options.caFile,
    usernameTemplate: options.usernameTemplate,
  };
}

/** Far above any config or CA bundle, far below what would hurt: /dev/zero must not be read to the end. */
const MAX_INPUT_BYTES = 1024 * 1024;

/** A file's text, read up to a size limit (pipes such as `<(…)` are fine; endless devices are not). */
export async function readText(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { start: 0, end: MAX_INPUT_BYTES })) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(`${path} does not exist.`, { hint: 'Check the path (it is relative to the current folder).' });
    throw new UsageError(`Cannot read ${path}: ${code ?? 'error'}.`);
  }
  if (size > MAX_INPUT_BYTES) throw new UsageError(`${path} is larger than 1 MiB; a config definition or CA file is far smaller.`);
  return Buffer.concat(chunks).toString('utf8');
}

/** The CA file must exist and hold a PEM certificate; its absolute path is what gets saved. */
export async function checkCaFile(path: string): Promise<string> {
  const text = await readText(path);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca-file ${path} does not contain a PEM certificate.`);
  }
  return resolve(path);
}
