// `npm run bench`: dynsecret's start-up (on Node 24, the targets, and beside it Node 20, 22 and 26),
// requests per command, unlock cost, scale and bulk revoke, all measured in one run as ratios and counts
// (absolute times on a shared machine are noise). Prints a
// Markdown table, writes bench/results.json and refreshes the last-run table in bench/README.md.
// `--quick` runs fewer rounds, for trying a change; its results are marked as such. `--only SECTIONS` runs
// some sections; `--nodes 20,22` measures start-up on those Node versions beside 24 (default: 20, 22, 26).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { bundleHelpers } from './bench/bundle.mjs';
import { measureBulk } from './bench/bulk.mjs';
import { measureCommands } from './bench/commands.mjs';
import { startEmulator } from './bench/emulator.mjs';
import { CONFIG, makeHome } from './bench/fixtures.mjs';
import { ROOT, RESULTS, TMP, buildPrivateCopy } from './bench/paths.mjs';
import { markdown, updateReadme, verdicts } from './bench/report.mjs';
import { measureScale, measureUnlock } from './bench/store-scale.mjs';
import { benchNodes } from './bench/nodes.mjs';
import { measureStartup } from './bench/startup.mjs';

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? undefined : new Set(process.argv[onlyAt + 1].split(','));
const wanted = (section) => only === undefined || only.has(section);
const concurrency = Number(/REVOKE_CONCURRENCY = (\d+)/.exec(readFileSync(`${ROOT}src/service/revoke.ts`, 'utf8'))?.[1]);
const settings = {
  quick,
  latencyMs: 50,
  startupRounds: quick ? 7 : 21,
  commandRounds: quick ? 3 : 9,
  unlockRounds: quick ? 3 : 9,
  scaleRounds: quick ? 3 : 9,
  bulkRounds: quick ? 1 : 3,
  bulkLeases: 200,
  rateCapacity: 10_000,
  ratePerMinute: 5_000,
  revokeConcurrency: concurrency,
};

const log = (line) => process.stderr.write(`${line}\n`);

/** Runs `node scripts/bench/NAME` (which prints one JSON document) and returns what it printed. */
async function standalone(name) {
  const { spawnSync } = await import('node:child_process');
  const script = `${ROOT}scripts/bench/${name}`;
  const { status, stdout } = spawnSync(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (status !== 0) throw new Error(`${script} exited ${status}`);
  return JSON.parse(stdout);
}
const progress = (what) => (done, total, detail) =>
  process.stderr.write(`\r  ${what}${detail ? ` (${detail})` : ''}: round ${done}/${total}${done === total ? '\n' : ''}`);
const load = () => os.loadavg().map((l) => l.toFixed(2));

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.versions.node,
  loadBefore: load(),
};

const nodesAt = process.argv.indexOf('--nodes');
const majors = nodesAt < 0 ? undefined : [...new Set([24, ...process.argv[nodesAt + 1].split(',').map(Number)])];
const nodes = wanted('startup') ? benchNodes(log, majors) : [];
await buildPrivateCopy();
const emulatorArgs = [
  '--apply-delay',
  '0s',
  '--max-users',
  '5000',
  '--rate-capacity',
  String(settings.rateCapacity),
  '--rate-per-minute',
  String(settings.ratePerMinute),
];
const slow = await startEmulator([...emulatorArgs, '--latency', `${settings.latencyMs}ms`]);
const fast = await startEmulator(emulatorArgs);
try {
  log('Preparing fixtures (bundles, stores of 10, 1,000 and 10,000 leases)…');
  const { seed, sequentialBin } = await bundleHelpers(TMP);
  // Start-up lists a store with exactly one config; the command section needs two. Whole-command start-up
  // (lease, run) talks to the emulator without added latency.
  const one = await makeHome('one-config', slow);
  const local = await makeHome('local', fast);
  const small = await makeHome('small', slow, { serviceAccount: true });
  const sized = {};
  for (const count of [10, 1000, 10000]) {
    sized[count] = await makeHome(`leases-${count}`, fast);
    await seed.seedLeases({ home: sized[count].home, session: sized[count].session, config: CONFIG, count });
  }
  const bulkHome = await makeHome('bulk', slow);

  const section = async (name, title, measure) => {
    if (!wanted(name)) return undefined;
    log(title);
    return measure(progress(name));
  };
  const startup = await section('startup', 'Start-up', (p) =>
    measureStartup({ small: one, large: sized[1000], local, rounds: settings.startupRounds, nodes, progress: p }),
  );
  const commands = await section('commands', 'Commands against the emulator', (p) =>
    measureCommands({ emulator: slow, home: small, rounds: settings.commandRounds, progress: p }),
  );
  const unlock = await section('unlock', 'Unlock', (p) => measureUnlock({ home: sized[10], rounds: settings.unlockRounds, progress: p }));
  const scale = await section('scale', 'Scale', (p) => measureScale({ homes: sized, rounds: settings.scaleRounds, progress: p }));
  const bulk = await section('bulk', 'Bulk revoke', (p) =>
    measureBulk({
      emulator: slow,
      home: bulkHome,
      seed,
      sequentialBin,
      count: settings.bulkLeases,
      rounds: settings.bulkRounds,
      progress: p,
    }),
  );

  // Each a standalone script of its own (it starts what it needs), run here so that its figures are part of the run.
  const wait = await section('wait', 'lease --wait: hand-over after Atlas applies the user', () => standalone('wait.mjs'));
  const relay = await section('relay', "run's masking relay against cat | cat (100 MB)", () => standalone('relay.mjs'));

  const results = {
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAfter: load() },
    settings,
    startup,
    commands,
    unlock,
    scale,
    bulk,
    wait,
    relay,
  };
  results.verdicts = verdicts(results);
  const text = markdown(results);
  console.log(text);
  if (quick || only) {
    log('\n--quick or --only: results not saved.');
  } else {
    writeFileSync(RESULTS, `${JSON.stringify(results, undefined, 2)}\n`);
    updateReadme(`${ROOT}bench/README.md`, text);
    log(`\nWrote ${RESULTS} and the last-run table in bench/README.md.`);
  }
  const missed = results.verdicts.filter((v) => !v.ok);
  if (missed.length > 0) {
    log(`Missed: ${missed.map((v) => v.target).join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await Promise.all([slow.stop(), fast.stop()]);
  rmSync(TMP, { recursive: true, force: true });
}
