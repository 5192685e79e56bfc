import { mkdirSync, rmdirSync } from 'node:fs';
import { chmod, lchown, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError, UsageError } from '../../../src/errors.js';
import { removeFromEnvFile, rewriteEnvFile, upsertEnvFile } from '../../../src/output/env-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dynsecret-envfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VARS: [string, string][] = [
  ['DB_USERNAME', 'ds-app-abc'],
  ['DB_PASSWORD', 'Zq7-._~secret'],
];
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('upsertEnvFile', () => {
  it.each([
    ['dotenv', "DB_USERNAME='ds-app-abc'\nDB_PASSWORD='Zq7-._~secret'\n"],
    ['shell', "export DB_USERNAME='ds-app-abc'\nexport DB_PASSWORD='Zq7-._~secret'\n"],
  ] as const)('creates a missing file, 0600 (%s)', async (format, expected) => {
    const path = join(dir, '.env');
    const { target } = await upsertEnvFile(path, VARS, format);
    expect(target).toBe(join(dir, '.env'));
    expect(await readFile(path, 'utf8')).toBe(expected);
    expect(await mode(path)).toBe(0o600);
  });

  it.each([[0o644], [0o666], [0o600], [0o400]])('leaves a 0%s file at 0600 with the keys replaced', async (before) => {
    const path = join(dir, '.env');
    await writeFile(path, '# keep\nDB_PASSWORD=old\nPORT=1\n');
    await chmod(path, before);
    await upsertEnvFile(path, VARS);
    expect(await mode(path)).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe("# keep\nDB_PASSWORD='Zq7-._~secret'\nPORT=1\nDB_USERNAME='ds-app-abc'\n");
  });

  it.each([
    ['LF', 'A=1\nDB_USERNAME=x\n', "A=1\nDB_USERNAME='ds-app-abc'\nDB_PASSWORD='Zq7-._~secret'\n"],
    ['CRLF', 'A=1\r\nDB_USERNAME=x\r\n', "A=1\r\nDB_USERNAME='ds-app-abc'\r\nDB_PASSWORD='Zq7-._~secret'\r\n"],
    ['no final newline', 'A=1', "A=1\nDB_USERNAME='ds-app-abc'\nDB_PASSWORD='Zq7-._~secret'"],
  ])('keeps the line endings (%s)', async (_name, before, after) => {
    const path = join(dir, '.env');
    await writeFile(path, before);
    await upsertEnvFile(path, VARS);
    expect(await readFile(path, 'utf8')).toBe(after);
  });

  it.each([
    ['an absolute link', (target: string) => target],
    ['a relative link', () => 'real.env'],
  ])('follows %s and leaves the link a link', async (_name, linkTo) => {
    const real = join(dir, 'real.env');
    const link = join(dir, '.env');
    await writeFile(real, 'A=1\n', { mode: 0o644 });
    await symlink(linkTo(real), link);
    const { target } = await upsertEnvFile(link, VARS);
    expect(target).toBe(real);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe("A=1\nDB_USERNAME='ds-app-abc'\nDB_PASSWORD='Zq7-._~secret'\n");
    expect(await mode(real)).toBe(0o600);
  });

  it('follows a chain of links through another folder, writing the temp file beside the target', async () => {
    await mkdir(join(dir, 'secrets'));
    const real = join(dir, 'secrets', 'app.env');
    await writeFile(real, 'A=1\n');
    await symlink('secrets/app.env', join(dir, 'second'));
    await symlink('second', join(dir, '.env'));
    await upsertEnvFile(join(dir, '.env'), VARS);
    expect(await readFile(real, 'utf8')).toContain('DB_PASSWORD');
    expect((await readdir(join(dir, 'secrets'))).sort()).toEqual(['app.env']);
    expect((await readdir(dir)).sort()).toEqual(['.env', 'second', 'secrets']);
  });

  it('creates the target of a dangling link', async () => {
    const link = join(dir, '.env');
    await symlink('later.env', link);
    await upsertEnvFile(link, VARS);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'later.env'), 'utf8')).toContain('DB_USERNAME');
  });

  it.each([
    ['a link to itself', async (link: string) => symlink(link, link)],
    [
      'a loop of two links',
      async (link: string) => {
        await symlink(join(dir, 'b'), link);
        await symlink(link, join(dir, 'b'));
      },
    ],
  ])('refuses %s', async (_name, make) => {
    const link = join(dir, '.env');
    await make(link);
    await expect(upsertEnvFile(link, VARS)).rejects.toThrow(UsageError);
    await expect(upsertEnvFile(link, VARS)).rejects.toThrow(/symlink loop/);
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x41, 0x3d, 0xc3, 0x28, 0x0a]), /not valid UTF-8/],
    ['a NUL byte', Buffer.from('A=1\0\n'), /NUL/],
  ])('refuses a file with %s and leaves it untouched', async (_name, bytes, message) => {
    const path = join(dir, '.env');
    await writeFile(path, bytes, { mode: 0o644 });
    await chmod(path, 0o644);
    await expect(upsertEnvFile(path, VARS)).rejects.toThrow(message);
    await expect(upsertEnvFile(path, VARS)).rejects.toBeInstanceOf(UsageError);
    expect(await readFile(path)).toEqual(bytes);
    expect(await mode(path)).toBe(0o644);
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it.each([
    [
      'a folder',
      async () => {
        await mkdir(join(dir, '.env'));
        return join(dir, '.env');
      },
      /not a regular file/,
    ],
    ['a path in a missing folder', async () => join(dir, 'missing', '.env'), /folder .* does not exist/],
  ])('refuses %s', async (_name, make, message) => {
    const path = await make();
    await expect(upsertEnvFile(path, VARS)).rejects.toThrow(message);
    await expect(upsertEnvFile(path, VARS)).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses bad variables before touching the disk', async () => {
    const path = join(dir, '.env');
    await expect(upsertEnvFile(path, [['BAD-NAME', 'x']])).rejects.toThrow(UsageError);
    await expect(upsertEnvFile(path, [['K', 'a\0b']])).rejects.toThrow(UsageError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets concurrent writers each add their key', async () => {
    const path = join(dir, '.env');
    await writeFile(path, '# shared\n');
    const keys = ['K_A', 'K_B', 'K_C', 'K_D', 'K_E'];
    await Promise.all(keys.map((key) => upsertEnvFile(path, [[key, `value-${key}`]])));
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('# shared\n')).toBe(true);
    for (const key of keys) expect(text).toContain(`${key}='value-${key}'\n`);
    expect(text.split('\n')).toHaveLength(keys.length + 2);
    expect(await readdir(dir)).toEqual(['.env']);
  });

  it('gives up with a clear error when another process holds the lock', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    const release = await lockfile.lock(path, { realpath: false });
    try {
      const attempt = upsertEnvFile(path, VARS, 'dotenv', { lockWaitMs: 200 });
      await expect(attempt).rejects.toBeInstanceOf(TransientError);
      await expect(upsertEnvFile(path, VARS, 'dotenv', { lockWaitMs: 200 })).rejects.toThrow(/Another process is writing .*\.env/);
      expect(await readFile(path, 'utf8')).toBe('A=1\n');
    } finally {
      await release();
    }
  });
});

// The kernel's protected_symlinks rule, and stricter: a symlink or file another user owns is never followed or
// written. Only root can hand files to another user; defined only then (CI runs as root), so nothing is skipped.
if (process.getuid?.() === 0) {
  describe('files and symlinks of another user', () => {
    const OTHER = 65534;
    const plantedLink = async (folder: string, linkTo: string) => {
      const link = join(folder, '.env');
      await symlink(linkTo, link);
      await lchown(link, OTHER, OTHER);
      return link;
    };
    /** A file of this user that an attacker wants written: it must keep its bytes and mode. */
    const victim = async () => {
      const path = join(dir, 'victim', 'profile');
      await mkdir(join(dir, 'victim'));
      await writeFile(path, 'echo hello\n', { mode: 0o644 });
      await chmod(path, 0o644);
      return path;
    };
    const sticky = async () => {
      const folder = join(dir, 'shared');
      await mkdir(folder);
      await chmod(folder, 0o1777);
      return folder;
    };

    it.each([
      ['a symlink of another user in a sticky world-writable folder', async (target: string) => plantedLink(await sticky(), target)],
      ['a symlink of another user in a folder of this user', async (target: string) => plantedLink(dir, target)],
      [
        "a chain whose second link is another user's",
        async (target: string) => {
          const second = await plantedLink(await sticky(), target);
          const first = join(dir, 'mine.env');
          await symlink(second, first);
          return first;
        },
      ],
      [
        'a path through a folder symlink of another user',
        async (target: string) => {
          const folderLink = join(await sticky(), 'conf');
          await symlink(dirname(target), folderLink);
          await lchown(folderLink, OTHER, OTHER);
          return join(folderLink, basename(target));
        },
      ],
      [
        'a file of another user',
        async (target: string) => {
          await lchown(target, OTHER, OTHER);
          return target;
        },
      ],
      [
        'a file of another user behind a link of this user',
        async (target: string) => {
          await lchown(target, OTHER, OTHER);
          const link = join(dir, 'mine.env');
          await symlink(target, link);
          return link;
        },
      ],
    ])('refuses %s (exit 2), the file untouched', async (_what, plant) => {
      const target = await victim();
      const path = await plant(target);
      const before = await lstat(target);
      for (const attempt of [() => upsertEnvFile(path, VARS), () => removeFromEnvFile(path, ['A'])]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).exitCode).toBe(2);
        expect((error as UsageError).message).toMatch(/owned by another user \(uid 65534\)/);
      }
      expect(await readFile(target, 'utf8')).toBe('echo hello\n');
      const after = await lstat(target);
      expect([after.mode, after.uid, after.mtimeMs]).toEqual([before.mode, before.uid, before.mtimeMs]);
      expect(await readdir(dirname(target))).toEqual(['profile']);
    });

    it('follows a symlink of this user in a sticky world-writable folder', async () => {
      const target = join(dir, 'real.env');
      const link = join(await sticky(), '.env');
      await symlink(target, link);
      await upsertEnvFile(link, VARS);
      expect(await readFile(target, 'utf8')).toContain('DB_USERNAME');
    });
  });
}

describe('the env file lock', () => {
  const umaskBefore = process.umask();
  afterEach(() => {
    process.umask(umaskBefore);
    vi.restoreAllMocks();
  });

  it.each(['000', '022'])('is a folder created 0700 under umask %s', async (umask) => {
    const lock = lockfile.lock.bind(lockfile);
    const modes: number[] = [];
    vi.spyOn(lockfile, 'lock').mockImplementation(async (file, options) => {
      const release = await lock(file, options);
      modes.push((await stat(`${file}.lock`)).mode & 0o777);
      return release;
    });
    process.umask(Number.parseInt(umask, 8));
    const path = join(dir, '.env');
    await upsertEnvFile(path, VARS);
    await removeFromEnvFile(path, ['DB_USERNAME']);
    expect(modes.map((m) => m.toString(8))).toEqual(['700', '700']);
  });
});

describe('a writer that lost the env file lock', () => {
  it("writes nothing and fails with a network-class error (exit 6), leaving the new holder's lock", async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\n');
    let calls = 0;
    const attempt = rewriteEnvFile(path, (text) => {
      // The second call runs under the lock: do what a writer that found it stale does, take it over.
      if (++calls === 2) {
        rmdirSync(`${path}.lock`);
        mkdirSync(`${path}.lock`);
      }
      return `${text}B=2\n`;
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).exitCode).toBe(6);
    expect((error as Error).message).toMatch(/Lost the lock on .*\.env/);
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
    expect(await readdir(dir)).toEqual(['.env', '.env.lock']);
  });
});

describe('an env file written under any umask', () => {
  const umaskBefore = process.umask();
  afterEach(() => {
    process.umask(umaskBefore);
  });

  it.each(['000', '022', '077', '277'])('is 0600 under umask %s', async (umask) => {
    process.umask(Number.parseInt(umask, 8));
    const path = join(dir, '.env');
    await upsertEnvFile(path, VARS);
    expect(await mode(path)).toBe(0o600);
  });
});

describe('removeFromEnvFile', () => {
  const NAMES = ['DB_USERNAME', 'DB_PASSWORD'];

  it.each([
    ['keys removed, the rest kept', "# c\nDB_USERNAME='x'\nA=1\r\nDB_PASSWORD=y\n", '# c\nA=1\r\n', true],
    ['CRLF kept', 'A=1\r\nDB_USERNAME=x\r\nB=2\r\n', 'A=1\r\nB=2\r\n', true],
    ['nothing to remove', 'A=1\n', 'A=1\n', false],
  ])('%s', async (_name, before, after, changed) => {
    const path = join(dir, '.env');
    await writeFile(path, before);
    await chmod(path, 0o644);
    const result = await removeFromEnvFile(path, NAMES);
    expect(result).toEqual({ target: path, changed });
    expect(await readFile(path, 'utf8')).toBe(after);
    expect(await mode(path)).toBe(changed ? 0o600 : 0o644);
  });

  it('does nothing for a missing file', async () => {
    const path = join(dir, '.env');
    expect(await removeFromEnvFile(path, NAMES)).toEqual({ target: path, changed: false });
    expect(await readdir(dir)).toEqual([]);
  });

  it('edits the target of a link', async () => {
    const real = join(dir, 'real.env');
    await writeFile(real, 'DB_USERNAME=x\nA=1\n');
    await symlink('real.env', join(dir, '.env'));
    await removeFromEnvFile(join(dir, '.env'), NAMES);
    expect(await readFile(real, 'utf8')).toBe('A=1\n');
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
  });

  it('reads a shell file as the shell does', async () => {
    const path = join(dir, 'vars.sh');
    await writeFile(path, "export DB_PASSWORD='a\nb'\nA=1\n");
    await removeFromEnvFile(path, NAMES, 'shell');
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
  });
});
