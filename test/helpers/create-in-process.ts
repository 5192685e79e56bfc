import { join } from 'node:path';
import type { AtlasClient } from '../../src/atlas/index.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Context } from '../../src/cli/context.js';
import type { Io } from '../../src/cli/io.js';
import { defineCreate } from '../../src/commands/create.command.js';
import { Command, type Dispatch } from '../../src/commands/define.js';
import { atlasClientFor } from '../../src/service/atlas-client.js';
import { EncryptedStore } from '../../src/store/store.js';

/**
 * `dynsecret create …` (ARGS, from `create`) run in this process, for tests whose subject is another command: the same
 * definition parses the flags, the same handler validates the config, verifies it against Atlas (over real
 * HTTP, caching a service account's token in the store) and saves it, and the same audit line is appended
 * beside the store. Only the process start is saved. The store is opened with `env`'s session key; `input` is
 * what stdin would carry. Throws with create's messages when it fails.
 */
export async function createInProcess(env: Record<string, string>, args: string[], input: string): Promise<void> {
  const { DYNSECRET_HOME: home, DYNSECRET_SESSION: session } = env;
  if (home === undefined || session === undefined) throw new Error('createInProcess needs DYNSECRET_HOME and DYNSECRET_SESSION');
  const messages: string[] = [];
  const store = new EncryptedStore({ folder: home, keys: { session }, warn: (m) => messages.push(m) });
  const audit = new AuditLog(join(home, 'audit.log'));
  const clients: Promise<AtlasClient>[] = [];
  const unused = (what: string) => () => {
    throw new Error(`create does not use ${what}`);
  };
  const io: Io = {
    stdoutIsTty: false,
    stderrIsTty: false,
    stdinIsTty: false,
    interactive: false,
    color: false,
    painter: async () => undefined,
    error: (line) => messages.push(line),
    output: unused('stdout'),
    deliver: unused('stdout'),
    progress: () => undefined,
    step: (line) => messages.push(line),
    readStdin: async () => input,
  };
  const context: Context = {
    env: { ...env },
    io,
    prompts: { input: unused('prompts'), password: unused('prompts'), confirm: unused('prompts') },
    store,
    audit: { path: audit.path, note: (note) => audit.note(note), flush: (command, failure) => audit.flush(command, failure) },
    now: () => new Date(),
    sleep: async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    signals: { on: () => undefined, off: () => undefined },
    spawn: unused('child processes'),
    notify: () => undefined,
    words: async () => undefined,
    atlas: (config) => {
      const client = atlasClientFor({ store, env: context.env, debug: () => undefined }, config);
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.then((c) => c.close()).catch(() => undefined)));
    },
    debug: () => undefined,
  };
  const dispatch: Dispatch = async (action, trail) => {
    try {
      await action(context);
    } finally {
      await context.close();
    }
    if (trail) await context.audit.flush(trail.command);
  };
  const program = new Command('dynsecret').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  defineCreate(program, dispatch);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    throw new Error(`${args.join(' ')} failed: ${String(error)}\n${messages.join('\n')}`, { cause: error });
  }
}
