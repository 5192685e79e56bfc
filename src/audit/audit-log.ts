import { appendFile, mkdir } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';

/** One line of the audit trail; never a secret. */
export interface AuditEntry {
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
}

export type AuditNote = Pick<AuditEntry, 'config' | 'leaseId' | 'expiresAt' | 'exitCode' | 'errorCode'> & { outcome?: AuditEntry['outcome'] };

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
    await appendFile(this.path, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600, flag: 'a' });
  }
}
