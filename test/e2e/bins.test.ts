import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, DYNSECRET, EMULATOR } from '../helpers/bin.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

/**
 * The bins as an installed command starts them: through their first line. BusyBox's `env` (Alpine) has no
 * `-S`; here it is bind-mounted over /usr/bin/env in a private mount namespace, so the kernel's shebang
 * really goes through it. That needs root (or user namespaces) and `unshare`; where both are missing the
 * suite says so and skips these tests.
 */
const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
const probe = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
const canUnshare = probe.status === 0;
if (!canUnshare)
  console.warn(
    `bins.test.ts: skipping the BusyBox env tests: \`unshare -m\` is not possible here (${probe.error?.message ?? probe.stderr.trim()}).`,
  );

/** Runs argv in a private mount namespace where /usr/bin/env is BusyBox. */
function underBusyboxEnv(argv: string[], env: Record<string, string> = {}) {
  const result = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /usr/bin/env && exec "$@"', busybox, ...argv], {
    encoding: 'utf8',
    env: cleanEnv(env),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  // A process of its own: the lease below is started synchronously, which blocks this process.
  em = await startEmulator(['--apply-delay', '0s'], 'process');
  file = configFile(em);
});

describe.skipIf(!canUnshare)('the bins under BusyBox env', () => {
  it('BusyBox is really the env there: a `#!/usr/bin/env -S node --` script does not start', () => {
    expect(busybox).not.toBe('');
    const old = join(mkdtempSync(join(tmpdir(), 'dynsecret-bins-')), 'old.js');
    writeFileSync(old, '#!/usr/bin/env -S node --\nconsole.log("started")\n');
    chmodSync(old, 0o755);
    const result = underBusyboxEnv([old]);
    expect(result.stdout).toBe('');
    expect(result.code).not.toBe(0);
    expect(underBusyboxEnv(['/usr/bin/env', '--help']).stderr).toMatch(/BusyBox/);
  });

  it.each([
    [DYNSECRET, ['--version'], /^\d+\.\d+\.\d+\n$/],
    [DYNSECRET, ['--help'], /^Usage: dynsecret/],
    [EMULATOR, ['--help'], /^Usage: dynsecret-atlas-emulator/],
  ])('%s %j starts through its shebang', (bin, args, stdout) => {
    const result = underBusyboxEnv([bin, ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(stdout);
    expect(result.code).toBe(0);
  });

  it('lease --env-file NEW-FILE works: Node does not take --env-file for itself', () => {
    const target = join(file.folder, 'new.env');
    expect(existsSync(target)).toBe(false);
    const result = underBusyboxEnv([DYNSECRET, 'lease', '--from-file', file.path, '--env-file', target], file.env);
    expect(result.stderr).toMatch(/Wrote the credentials to/);
    expect(result.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^DB_PASSWORD='[A-Za-z0-9._~-]{40}'$/m);
  });

  it("lease --env-file EXISTING-FILE works, and Node did not load that file into dynsecret's environment", () => {
    const target = join(file.folder, 'existing.env');
    const planted = join(file.folder, 'planted-audit.log');
    // Were Node to load this file as its own --env-file (as some Node 20 releases do), dynsecret would
    // append its audit trail there.
    writeFileSync(target, `DYNSECRET_AUDIT_LOG=${planted}\n`);
    const result = underBusyboxEnv([DYNSECRET, 'lease', '--from-file', file.path, '--env-file', target], file.env);
    expect(result.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^DB_PASSWORD=/m);
    expect(existsSync(planted)).toBe(false);
  });
});

describe("the bins under this system's env", () => {
  // Node 20 reads `--env-file` even after the script's path: it stops with "not found" when the file is
  // missing (so `#!/usr/bin/env node` alone fails here), and some releases load the file.
  it('lease --env-file NEW-FILE', () => {
    const target = join(file.folder, 'new-here.env');
    const result = spawnSync(DYNSECRET, ['lease', '--from-file', file.path, '--env-file', target], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...file.env },
    });
    expect(result.stderr).toMatch(/Wrote the credentials to/);
    expect(result.status).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^DB_PASSWORD=/m);
  });
});
