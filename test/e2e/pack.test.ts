import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as npm ships it: `npm pack` of a checkout without dist/ (its `prepack` builds), installed
 * globally into a temporary prefix, and both commands started through their shebangs with nothing but PATH
 * (this Node first) and HOME. The dependencies come from npm's cache (`npm ci` put their tarballs there);
 * npm reads the registry only for the package documents it does not have cached yet.
 */
const ROOT = resolve('.');
const nodeFolder = dirname(process.execPath);
const work = mkdtempSync(join(tmpdir(), 'dynsecret-pack-'));
const prefix = join(work, 'prefix');

const npm = (args: string[], cwd: string) =>
  spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${nodeFolder}:${process.env.PATH ?? ''}` },
  });

beforeAll(() => {
  // A checkout as a fresh clone has it: sources, no dist/; node_modules is the installed one.
  const checkout = join(work, 'checkout');
  mkdirSync(checkout);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'CHANGELOG.md', 'bin', 'scripts', 'src']) {
    cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const out = join(work, 'out');
  mkdirSync(out);
  const packed = npm(['pack', '--pack-destination', out], checkout);
  expect(packed.status, packed.stderr).toBe(0);
  const [tarball] = readdirSync(out);
  const install = (mode: string) => npm(['install', '--global', mode, '--prefix', prefix, join(out, tarball!)], work);
  let installed = install('--offline');
  if (installed.status !== 0) installed = install('--prefer-offline');
  expect(installed.status, installed.stderr).toBe(0);
});

const start = (command: string, args: string[]) =>
  spawnSync(join(prefix, 'bin', command), args, {
    encoding: 'utf8',
    env: { PATH: `${nodeFolder}:/usr/bin:/bin`, HOME: mkdtempSync(join(tmpdir(), 'dynsecret-pack-home-')), NO_COLOR: '1' },
  });

describe('the packed package, installed with npm', () => {
  it('ships the build and the bins, and no sources or tests', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'dynsecret');
    expect(existsSync(join(installed, 'dist', 'dynsecret.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'emulator.js'))).toBe(true);
    expect(readdirSync(join(installed, 'bin')).sort()).toEqual([
      'compile-cache-folder.js',
      'dynsecret-atlas-emulator.js',
      'dynsecret.js',
      'package.json',
      'secret-fd.js',
    ]);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'scripts'))).toBe(false);
  });

  it.each([
    ['dynsecret', ['--version'], /^\d+\.\d+\.\d+\n$/],
    ['dynsecret', ['--help'], /^Usage: dynsecret /],
    ['dynsecret-atlas-emulator', ['--help'], /^Usage: dynsecret-atlas-emulator/],
  ])('%s %j starts through its shebang', (command, args, stdout) => {
    const result = start(command, args);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(stdout);
    expect(result.status).toBe(0);
  });
});
