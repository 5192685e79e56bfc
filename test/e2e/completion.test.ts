import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET, dynsecret, tempHome } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { mustSucceed, startEmulator, workspace, type Workspace } from '../helpers/emulator.js';

/** The completion scripts, loaded by the real shells, with the built bin on PATH as `dynsecret`. */

const execFileAsync = promisify(execFile);
const has = async (shell: string) =>
  execFileAsync('sh', ['-c', `command -v ${shell}`]).then(
    () => true,
    () => false,
  );
const [hasBash, hasFish, hasZsh] = await Promise.all([has('bash'), has('fish'), has('zsh')]);
for (const [shell, present] of [
  ['bash', hasBash],
  ['fish', hasFish],
  ['zsh', hasZsh],
] as const) {
  if (!present) console.warn(`completion tests for ${shell} skipped: no ${shell} binary on PATH`);
}

let bin: string;
let scripts: Record<'bash' | 'zsh' | 'fish' | 'powershell', string>;
let ws: Workspace;

beforeAll(async () => {
  // `dynsecret` on PATH, as an installed package puts it.
  bin = mkdtempSync(join(tmpdir(), 'dynsecret-bin-'));
  writeFileSync(join(bin, 'dynsecret'), `#!/bin/sh\nexec '${process.execPath}' -- '${DYNSECRET}' "$@"\n`);
  chmodSync(join(bin, 'dynsecret'), 0o755);
  const dir = mkdtempSync(join(tmpdir(), 'dynsecret-completion-'));
  scripts = { bash: '', zsh: '', fish: '', powershell: '' };
  // The scripts are printed in this process: what the shells then load is what the bin prints (checked below).
  for (const shell of ['bash', 'zsh', 'fish', 'powershell'] as const) {
    const { stdout } = await mustSucceed(cli(['completion', shell]));
    scripts[shell] = join(dir, `dynsecret.${shell}`);
    writeFileSync(scripts[shell], stdout);
  }
  const em = await startEmulator();
  ws = await workspace(em, [{ name: 'app-db' }, { name: 'reports' }]);
});

/** The shell's environment: the bin on PATH, and the workspace's store and session unless `env` says otherwise. */
const shellEnv = (env: Record<string, string> = ws.env) => ({
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  HOME: process.env.HOME ?? '/tmp',
  ...env,
});

/**
 * `bash --norc`: bash whose stdin is a socket (as a pipe from Node is) takes itself for a remote shell and
 * reads /etc/bash.bashrc and ~/.bashrc even with -c. A developer's bashrc is nothing the scripts may depend on,
 * and running one (a version manager's init, say) can cost a second per call.
 */
const BASH = ['--norc', '--noprofile', '-c'];

/** Calls bash's completion function as bash does on Tab: COMP_WORDS and COMP_CWORD set, COMPREPLY read. */
async function bashComplete(words: string[], env?: Record<string, string>): Promise<string[]> {
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _dynsecret; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execFileAsync('bash', [...BASH, script, 'bash', scripts.bash, ...words], { env: shellEnv(env) });
  return stdout.split('\n').filter(Boolean).sort();
}

async function fishComplete(line: string, env?: Record<string, string>): Promise<string[]> {
  const { stdout } = await execFileAsync('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`], {
    env: shellEnv(env),
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!)
    .sort();
}

describe.skipIf(!hasBash)('bash', () => {
  it('takes config names literally: a name holding $(…) completes as text and runs nothing', async () => {
    const hostile = mkdtempSync(join(tmpdir(), 'dynsecret-hostile-'));
    const marker = join(hostile, 'PWNED');
    // What a store re-sealed with a leaked session key could have listed before names were checked on read.
    writeFileSync(join(hostile, 'dynsecret'), `#!/bin/sh\nprintf '%s\\n' 'x$(touch\${IFS}${marker})' 'x\`touch ${marker}\`' app-db\n`);
    chmodSync(join(hostile, 'dynsecret'), 0o755);
    const env = { ...ws.env, PATH: `${hostile}:${process.env.PATH ?? ''}` };
    expect(await bashComplete(['dynsecret', 'lease', 'x'], env)).toEqual([`x$(touch\${IFS}${marker})`, `x\`touch ${marker}\``]);
    expect(await bashComplete(['dynsecret', 'lease', ''], env)).toHaveLength(3);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    [['dynsecret', 'le'], ['lease']],
    [
      ['dynsecret', 'l'],
      ['lease', 'list'],
    ],
    [['dynsecret', 'comp'], ['completion']],
    [['dynsecret', 'lease', 'app-db', '--form'], ['--format']],
    [['dynsecret', 'lease', 'app-db', '--format', 'j'], ['json']],
    [
      ['dynsecret', 'lease', 'app-db', '--format', ''],
      ['dotenv', 'env', 'fish', 'json', 'powershell', 'shell', 'table'],
    ],
    [['dynsecret', 'completion', 'z'], ['zsh']],
    [['dynsecret', '--no-co'], ['--no-color']],
    [['dynsecret', 'revoke', '--ex'], ['--expired']],
    [['dynsecret', 'help', 'up'], ['update']],
    [['dynsecret', 'pa'], ['passwd']],
  ])('%j → %j', async (words, expected) => {
    expect(await bashComplete(words)).toEqual(expected);
  });

  it('completes config names from the store when DYNSECRET_SESSION opens it', async () => {
    expect(await bashComplete(['dynsecret', 'lease', ''])).toEqual(['app-db', 'reports']);
    expect(await bashComplete(['dynsecret', 'lease', 'r'])).toEqual(['reports']);
    expect(await bashComplete(['dynsecret', '--debug', 'list', 'a'])).toEqual(['app-db']);
    expect(await bashComplete(['dynsecret', 'renew', 'ds-x', '--config', ''])).toEqual(['app-db', 'reports']);
  });

  it('offers no config names (and does not prompt) without a session key', async () => {
    expect(await bashComplete(['dynsecret', 'lease', 'a'], { DYNSECRET_HOME: ws.home })).toEqual([]);
  });

  it("turns bash's fallback to file names off where a config name goes, and only there", async () => {
    // compopt works only inside a real completion: a function of the same name records what the script asks.
    const compopt = async (words: string[]) => {
      const script = `compopt() { echo "compopt $*"; }; source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dynsecret`;
      const { stdout } = await execFileAsync('bash', [...BASH, script, 'bash', scripts.bash, ...words], {
        env: shellEnv({ DYNSECRET_HOME: ws.home }),
      });
      return stdout.split('\n').filter((l) => l.startsWith('compopt'));
    };
    expect(await compopt(['dynsecret', 'lease', ''])).toEqual(['compopt +o default']);
    expect(await compopt(['dynsecret', 'renew', 'ds-x', '--config', ''])).toEqual(['compopt +o default']);
    expect(await compopt(['dynsecret', 'lease', 'app-db', '--env-file', ''])).toEqual([]);
  });
});

describe.skipIf(!hasFish)('fish', () => {
  it('complete -C "dynsecret le" lists lease', async () => {
    expect(await fishComplete('dynsecret le')).toEqual(['lease']);
  });

  it.each([
    ['dynsecret lease app-db --format j', ['json']],
    ['dynsecret lease app-db --for', ['--format']],
    ['dynsecret completion f', ['fish']],
  ])('%s → %j', async (line, expected) => {
    expect(await fishComplete(line)).toEqual(expected);
  });

  it('completes config names with a session key, none without', async () => {
    expect(await fishComplete('dynsecret lease ')).toEqual(['app-db', 'reports']);
    expect(await fishComplete('dynsecret lease ', { DYNSECRET_HOME: ws.home })).toEqual([]);
  });
});

/**
 * zsh completes only inside its line editor: an interactive zsh on a pseudo-terminal (zsh/zpty) loads the
 * script under compinit, the line is typed with a Tab, and compadd (wrapped) prints every candidate offered.
 */
const ZSH_CAPTURE = `# zsh -f capture.zsh SCRIPT LINE
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''; autoload -Uz compinit; compinit -u -d \\"\\$TMPDIR/zcompdump\\"; source \${(q)1}"
zpty -w z 'compadd () { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; for a in $__hits; do print -r -- "<<""$a>>"; done; }'
zpty -w z "zstyle ':completion:*' list-grouped false"
# Waits until the shell printed \`mark\` (typed with quotes inside, so the echo of the typing does not match).
wait_for() {
  local mark=$1 text='' line
  integer i=0
  while (( i++ < 600 )); do
    zpty -r -t z line && text+=$line || sleep 0.05
    [[ $text == *$mark* ]] && { REPLY=$text; return 0; }
  done
  REPLY=$text
  return 1
}
zpty -w z 'print ZZ"R"EADY'
wait_for ZZREADY || { print -u2 "zsh did not start"; exit 1; }
zpty -w -n z "$2"$'\\t'
zpty -w z $'\\x15print ZZ"E"ND'
wait_for ZZEND || { print -u2 "no completion answer"; exit 1; }
zpty -d z
print -r -- $REPLY | grep -o '<<[^>]*>>' | grep -v '<<""' | sed 's/^<<//; s/>>$//' | sort -u
`;

async function zshComplete(line: string, env?: Record<string, string>): Promise<string[]> {
  const capture = join(bin, 'capture.zsh');
  writeFileSync(capture, ZSH_CAPTURE);
  const { stdout } = await execFileAsync('zsh', ['-f', capture, scripts.zsh, line], { env: { ...shellEnv(env), TMPDIR: bin } });
  return stdout.split('\n').filter(Boolean).sort();
}

describe.skipIf(!hasZsh)('zsh', () => {
  it.each([
    ['dynsecret le', ['lease']],
    ['dynsecret l', ['lease', 'list']],
    ['dynsecret lease app-db --format j', ['json']],
    ['dynsecret completion f', ['fish']],
    ['dynsecret --no-co', ['--no-color']],
  ])('%s → %j', async (line, expected) => {
    expect(await zshComplete(line)).toEqual(expected);
  });

  it('completes config names with a session key, none without', async () => {
    expect(await zshComplete('dynsecret lease ')).toEqual(['app-db', 'reports']);
    expect(await zshComplete('dynsecret lease ', { DYNSECRET_HOME: ws.home })).toEqual([]);
  });

  it('zsh -n parses the script', async () => {
    await expect(execFileAsync('zsh', ['-n', scripts.zsh])).resolves.toBeDefined();
  });

  it('the script loads under compinit and registers its function', async () => {
    // The dump the completion runs above made (compinit before the script is sourced): building one costs seconds.
    const script = `autoload -Uz compinit && compinit -u -d "$2" && source "$1" && print -r -- $_comps[dynsecret]`;
    const { stdout } = await execFileAsync('zsh', ['-f', '-c', script, 'zsh', scripts.zsh, join(bin, 'zcompdump')], { env: shellEnv() });
    expect(stdout.trim()).toBe('_dynsecret');
  });
});

// What `completion` decides and prints runs in this process; a success and a refusal go through the bin as well
// (and every shell above runs the bin for the config names).
describe('completion --list-configs', () => {
  it('prints the names with a session key', async () => {
    const result = await ws.cli(['completion', '--list-configs']);
    expect(result).toMatchObject({ code: 0, stdout: 'app-db\nreports\n', stderr: '' });
  });

  it('prints the names with a session key, through the bin', async () => {
    const result = await ws.run(['completion', '--list-configs']);
    expect(result).toMatchObject({ code: 0, stdout: 'app-db\nreports\n', stderr: '' });
  });

  it.each([
    ['no key', () => ({ DYNSECRET_HOME: ws.home })],
    [
      'a passphrase only (its key derivation is too slow for a Tab)',
      () => ({ DYNSECRET_HOME: ws.home, DYNSECRET_PASSPHRASE: 'test passphrase 0123' }),
    ],
    [
      'a session key of another store',
      () => ({ DYNSECRET_HOME: ws.home, DYNSECRET_SESSION: `ds1_${Buffer.alloc(32, 7).toString('base64url')}` }),
    ],
    ['a malformed session key', () => ({ DYNSECRET_HOME: ws.home, DYNSECRET_SESSION: 'nonsense' })],
    ['no store at all', () => ({ DYNSECRET_HOME: tempHome() })],
  ])('prints nothing and exits 0 with %s', async (_case, env) => {
    const result = await cli(['completion', '--list-configs'], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('completion SHELL', () => {
  it('refuses an unknown shell with exit 2', async () => {
    const result = await cli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dynsecret: Unknown shell "tcsh": use one of bash, zsh, fish, powershell\./);
  });

  it('refuses an unknown shell with exit 2, through the bin', async () => {
    const result = await dynsecret(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^dynsecret: Unknown shell "tcsh": use one of bash, zsh, fish, powershell\./);
  });

  it('prints the script the shells above loaded, through the bin', async () => {
    const { stdout } = await mustSucceed(dynsecret(['completion', 'bash']));
    expect(stdout).toBe(readFileSync(scripts.bash, 'utf8'));
  });

  it('asks for a shell when none is named', async () => {
    expect((await cli(['completion'])).code).toBe(2);
  });

  it('the PowerShell script registers a native completer naming every command', async () => {
    const { stdout } = await mustSucceed(cli(['completion', 'powershell']));
    expect(stdout).toContain("Register-ArgumentCompleter -Native -CommandName 'dynsecret'");
    for (const command of ['create', 'lease', 'run', 'renew', 'revoke', 'list', 'delete', 'unlock', 'completion']) {
      expect(stdout).toContain(`'${command}' = @{`);
    }
    expect(stdout).toContain("'--format' = @('shell', 'fish', 'powershell', 'dotenv', 'json', 'table', 'env')");
  });
});
