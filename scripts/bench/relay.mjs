// The masking relay of `dynsecret run`, against a plain relay through a pipe. Standalone, after `npm run build`:
//
//   node scripts/bench/relay.mjs [--mb 100] [--runs 3]
//
// Prints one JSON object: the throughput (MB/s, 10^6 bytes) of `cat FILE | cat` (the baseline), of
// `dynsecret run … -- cat FILE` with its output masked, with --no-mask (no relay at all), and of
// `cat FILE | node` piping stdin to stdout (a naive Node relay, for scale), each the median of the runs, and
// the ratio masked / baseline. FILE holds random bytes (binary, so every byte value goes through the masker);
// it is read from the page cache, so the producer is as fast for each. Every pipeline writes into a FIFO that
// this process reads with large blocking reads, timing from the first byte to the end: dynsecret's own start
// (leasing a user from the emulator) is not counted, only the stream.
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DYNSECRET = join(ROOT, 'bin/dynsecret.js');
const EMULATOR = join(ROOT, 'bin/dynsecret-atlas-emulator.js');

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } } });
const BYTES = Math.round(Number(values.mb) * 1e6);
const RUNS = Number(values.runs);

const tmp = mkdtempSync(join(tmpdir(), 'dynsecret-relay-bench-'));
const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

function writeRandomFile(path, size) {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1 << 20);
  for (let written = 0; written < size; written += block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, size - written));
  }
  closeSync(fd);
}

async function startEmulator() {
  const child = spawn(process.execPath, [EMULATOR, '--port', '0', '--quiet', '--apply-delay', '0s'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited ${code} before it printed its address`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { ...JSON.parse(line), stop: () => child.kill('SIGTERM') };
}

/**
 * Runs `script` (sh) with its output going into `fifo`, reads the FIFO here to the end, and returns MB/s from
 * the first byte to the last. The blocking reads keep this process out of the way of the pipeline it measures.
 */
async function measure(script, fifo, env) {
  const child = spawn('sh', ['-c', `${script} > ${quote(fifo)}`], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const fd = openSync(fifo, 'r');
  const buffer = Buffer.alloc(4 << 20);
  let total = 0;
  let first;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    first ??= process.hrtime.bigint();
    total += n;
  }
  const last = process.hrtime.bigint();
  closeSync(fd);
  const code = await exited;
  if (code !== 0 || total !== BYTES) throw new Error(`${script}: exit ${code}, ${total} of ${BYTES} bytes\n${stderr}`);
  return BYTES / 1e6 / (Number(last - first) / 1e9);
}

const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];

const file = join(tmp, 'random.bin');
const fifo = join(tmp, 'out.fifo');
writeRandomFile(file, BYTES);
execFileSync('mkfifo', [fifo]);
const emulator = await startEmulator();
try {
  const config = join(tmp, 'bench.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'bench',
      groupId: emulator.groupId,
      baseUrl: emulator.url,
      roles: ['readWrite@app'],
      scopes: [emulator.clusters[0]],
    }),
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    NO_COLOR: '1',
    DYNSECRET_HOME: join(tmp, 'home'),
    // A store-less config's endpoint is the environment's.
    MONGODB_ATLAS_BASE_URL: emulator.url,
    MONGODB_ATLAS_PUBLIC_API_KEY: emulator.publicKey,
    MONGODB_ATLAS_PRIVATE_API_KEY: emulator.privateKey,
  };
  const run = (flags) =>
    `${quote(process.execPath)} ${quote(DYNSECRET)} run --from-file ${quote(config)} --no-wait ${flags}-- cat ${quote(file)}`;
  const pipelines = {
    catCat: `cat ${quote(file)} | cat`,
    masked: run(''),
    noMask: run('--no-mask '),
    nodePipe: `cat ${quote(file)} | ${quote(process.execPath)} -e 'process.stdin.pipe(process.stdout)'`,
  };
  const rates = Object.fromEntries(Object.keys(pipelines).map((name) => [name, []]));
  // Interleaved, so that a change in the machine's load touches every pipeline alike.
  for (let i = 0; i < RUNS; i++) {
    for (const [name, script] of Object.entries(pipelines)) rates[name].push(await measure(script, fifo, env));
  }
  const mbps = Object.fromEntries(Object.entries(rates).map(([name, list]) => [name, Math.round(median(list))]));
  console.log(
    JSON.stringify(
      {
        bytes: BYTES,
        runs: RUNS,
        catCatMBps: mbps.catCat,
        maskedRunMBps: mbps.masked,
        ratio: Math.round((median(rates.masked) / median(rates.catCat)) * 100) / 100,
        noMaskRunMBps: mbps.noMask,
        nodePipeMBps: mbps.nodePipe,
        samplesMBps: Object.fromEntries(Object.entries(rates).map(([name, list]) => [name, list.map(Math.round)])),
      },
      null,
      2,
    ),
  );
} finally {
  emulator.stop();
  rmSync(tmp, { recursive: true, force: true });
}
