/* global fetch */
// How soon `lease --wait` hands over a user after Atlas applies it, and how many requests the wait costs.
// Standalone: `npm run build`, then `node scripts/bench/wait.mjs`. For each apply delay, the bundled emulator
// applies new users that long after their creation; `lease --from-file … --wait` runs against it; the
// overshoot is the time from the line saying the wait started (printed right after Atlas created the user)
// to the credentials on stdout, less the apply delay. Prints one JSON document on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DYNSECRET = join(ROOT, 'bin/dynsecret.js');
const EMULATOR = join(ROOT, 'bin/dynsecret-atlas-emulator.js');
const APPLY_DELAYS_MS = [3000, 20_000];

async function startEmulator(applyDelayMs) {
  const child = spawn(process.execPath, [EMULATOR, '--port', '0', '--quiet', '--apply-delay', `${applyDelayMs}ms`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited ${code} before it printed its address`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const info = JSON.parse(line);
  const requests = async () => {
    const body = await (await fetch(`${info.url}/__emulator/requests`)).json();
    return Array.isArray(body) ? body : body.requests;
  };
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { ...info, requests, stop };
}

/** One `lease --wait` against an emulator that applies users after `applyDelayMs`. */
async function measure(applyDelayMs, folder) {
  const em = await startEmulator(applyDelayMs);
  try {
    const file = join(folder, `app-db-${applyDelayMs}.json`);
    writeFileSync(
      file,
      JSON.stringify({ name: 'app-db', groupId: em.groupId, baseUrl: em.url, roles: ['readWrite@app'], scopes: [em.clusters[0]] }),
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: folder,
      NO_COLOR: '1',
      // A store-less config's endpoint is the environment's.
      MONGODB_ATLAS_BASE_URL: em.url,
      MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey,
    };
    const child = spawn(process.execPath, ['--', DYNSECRET, 'lease', '--from-file', file, '--wait', '5m', '--format', 'json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let waitStarted;
    let delivered;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      if (waitStarted === undefined && /^Waiting up to /m.test(stderr)) waitStarted = performance.now();
    });
    child.stdout.on('data', () => {
      delivered ??= performance.now();
    });
    const code = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0 || waitStarted === undefined || delivered === undefined)
      throw new Error(`lease --wait failed (exit ${code}): ${stderr}`);
    const log = await em.requests();
    return {
      applyDelayMs,
      handedOverAfterMs: Math.round(delivered - waitStarted),
      overshootMs: Math.round(delivered - waitStarted - applyDelayMs),
      requests: log.length,
      statusPolls: log.filter((r) => r.path.endsWith('/status')).length,
    };
  } finally {
    await em.stop();
  }
}

const folder = mkdtempSync(join(tmpdir(), 'dynsecret-bench-wait-'));
try {
  const runs = [];
  for (const delay of APPLY_DELAYS_MS) runs.push(await measure(delay, folder));
  process.stdout.write(`${JSON.stringify({ bench: 'lease --wait', node: process.version, runs }, null, 2)}\n`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
