import { constants } from 'node:fs';
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import * as z from 'zod/mini';

/** One line of the audit trail; never a secret. */
interface AuditEntry {
  time: string;
  user: string;
  host: string;
  command: string;
  config?: string;
  leaseId?: string;
  expiresAt?: string;
  outcome: 'ok' | 'error';
  exitCode?: number;
  errorCode?: string;
  /** A rotation: the lease `leaseId` replaced, and why (`max-ttl`, `expiry`). */
  replaces?: string;
  reason?: string;
}

/** One line's schema, built on first use (only `list --audit` reads the log). Unknown fields are dropped. */
let lineSchema: z.ZodMiniType<AuditEntry> | undefined;
function auditLineSchema(): z.ZodMiniType<AuditEntry> {
  if (lineSchema === undefined) {
    const text = z.string();
    const optionalText = z.optional(text);
    const schema = z.object({
      time: text,
      user: text,
      host: text,
      command: text,
      config: optionalText,
      leaseId: optionalText,
      expiresAt: optionalText,
      outcome: z.enum(['ok', 'error']),
      exitCode: z.optional(z.int()),
      errorCode: optionalText,
      replaces: optionalText,
      reason: optionalText,
    });
    lineSchema = schema;
  }
  return lineSchema;
}

/**
 * The entries of an audit log's text, oldest first. A line that is not an entry as `AuditLog` writes them (a
 * torn write, a hand edit, a field of the wrong type) is skipped rather than trusted.
 */
export function parseAuditLines(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = auditLineSchema().safeParse(json);
    if (parsed.success) entries.push(parsed.data);
  }
  return entries;
}

export type AuditNote = Pick<AuditEntry, 'config' | 'leaseId' | 'expiresAt' | 'exitCode' | 'errorCode' | 'replaces' | 'reason'> & {
  outcome?: AuditEntry['outcome'];
};

const osUser = () => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
};

/**
 * Collects what a command did and appends it as JSON lines. Each line is one `write` to a file opened
 * with O_APPEND, so lines from concurrent processes never interleave.
 */
export class AuditLog {
  readonly path: string;
  readonly #notes: AuditNote[] = [];
  readonly #now: () => Date;

  constructor(path: string, now: () => Date = () => new Date()) {
    this.path = path;
    this.#now = now;
  }

  /** Records one thing the command did (a lease made, renewed or revoked). */
  note(note: AuditNote): void {
    this.#notes.push(note);
  }

  /** Writes the notes; when the command failed, also a line for the failure. */
  async flush(command: string, failure?: { config?: string; exitCode: number; errorCode?: string }): Promise<void> {
    const base = { time: this.#now().toISOString(), user: osUser(), host: hostname(), command };
    const entries: AuditEntry[] = this.#notes.map((note) => ({ ...base, ...note, outcome: note.outcome ?? 'ok' }));
    if (failure) {
      entries.push({
        ...base,
        ...(failure.config === undefined ? {} : { config: failure.config }),
        outcome: 'error',
        exitCode: failure.exitCode,
        ...(failure.errorCode === undefined ? {} : { errorCode: failure.errorCode }),
      });
    }
    this.#notes.length = 0;
    if (entries.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await checkFolder(dirname(this.path));
    // Never through a symlink, and only into a regular file of this user: in a folder others can write to, a
    // planted link or file would otherwise take the lines (or be created, chmod-ed and grown by them).
    // O_NONBLOCK: a FIFO planted in its place would otherwise hold the command (and a `run` lease) forever.
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    const handle = await open(this.path, flags, 0o600).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw refused('a symbolic link');
      if (code === 'ENXIO') throw refused('not a regular file');
      throw error;
    });
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw refused('not a regular file');
      const uid = process.getuid?.();
      if (uid !== undefined && stats.uid !== uid) throw refused('owned by another user');
      await handle.appendFile(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    } finally {
      await handle.close();
    }
  }
}

/** An error whose code says why the log was not written (the CLI's warning shows the code). */
const refused = (why: string) => Object.assign(new Error(`the audit log is ${why}`), { code: why });

/**
 * The folder must be the user's, or root's (a system folder such as /tmp or /var/log): a folder another user
 * owns is theirs to swap files in, so nothing is written there.
 */
async function checkFolder(folder: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  // As for env files: a symbolic link on the way that another user owns is theirs to point anywhere.
  const parts = resolve(folder).split(sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const entry = `${sep}${parts.slice(0, i).join(sep)}`;
    const info = await lstat(entry);
    if (info.isSymbolicLink() && info.uid !== uid && info.uid !== 0) throw refused('behind a symbolic link owned by another user');
  }
  const stats = await stat(folder);
  if (stats.uid !== uid && stats.uid !== 0) throw refused('in a folder owned by another user');
}
