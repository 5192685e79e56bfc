// Turns the bench's measurements into the target verdicts and a Markdown table (printed, and kept in
// bench/README.md between markers so the last run's table is always there).
import { readFileSync, writeFileSync } from 'node:fs';
import { TARGET_MAJOR } from './nodes.mjs';
import { BARE } from './startup.mjs';

/** Start-up targets: ratios to bare Node 24 running an empty file, in a clean environment. */
export const STARTUP_TARGETS = {
  '--version': 1.2,
  '--help': 1.4,
  list: 1.8,
  'lease bench --format json': 5,
  'run bench --no-wait -- true': 6,
};
/** The wait's overshoot target: about a second (one poll interval) and the request that sees APPLIED. */
export const TARGETS = { bulkSpeedup: 4, waitOvershootMs: 1500 };

export function verdicts(results) {
  const { startup, commands, bulk } = results;
  const checks = [];
  if (startup) {
    const { version, commands: measured } = startup[TARGET_MAJOR];
    for (const [name, target] of Object.entries(STARTUP_TARGETS)) {
      const { ratio } = measured[name];
      checks.push([`${name} ≤ ${target}× bare Node ${version} in a clean environment (${ratio.toFixed(2)}×)`, ratio <= target]);
    }
  }
  for (const [name, c] of Object.entries(commands ?? {})) {
    checks.push([`${name}: requests = floor (${c.floor})`, c.requests.min === c.floor && c.requests.max === c.floor]);
  }
  if (results.relay) {
    const { ratio } = results.relay;
    checks.push([`masking relay ≥ 1/3 of cat \\| cat (${ratio.toFixed(2)}×)`, ratio >= 1 / 3]);
  }
  if (results.wait) {
    for (const run of results.wait.runs) {
      checks.push([
        `lease --wait hands over within ~1 s of Atlas applying after ${run.applyDelayMs / 1000} s (${run.overshootMs} ms)`,
        run.overshootMs <= TARGETS.waitOvershootMs,
      ]);
    }
  }
  if (bulk) {
    checks.push([`bulk revoke of ${bulk.leases} ≥ 4× sequential (${bulk.speedup}×)`, bulk.speedup >= TARGETS.bulkSpeedup]);
    checks.push(['bulk revoke: no 429', bulk.bulk.rateLimited === 0]);
    checks.push([`bulk revoke: requests = floor (${bulk.floor})`, bulk.bulk.requests.max === bulk.floor]);
  }
  return checks.map(([target, ok]) => ({ target, ok }));
}

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (headers, rows) => [row(headers), row(headers.map(() => '---')), ...rows.map(row)].join('\n');
const ms = (s) => `${s.median.toFixed(0)} ms`;
const requests = (r) => (r.min === r.max ? String(r.min) : `${r.min}–${r.max}`);
const kib = (bytes) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);
const mark = (ok) => (ok ? 'yes' : '**NO**');

export function markdown(results) {
  const { machine } = results;
  const out = [
    `Run ${results.finishedAt} on ${machine.cpus}× ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; load average ${machine.loadBefore.join(' ')} before, ${machine.loadAfter.join(' ')} after.`,
    '',
  ];
  for (const render of [startupTable, commandsTable, unlockTable, scaleTable, bulkTable, waitTable, relayTable])
    out.push(...render(results));
  out.push(
    '**Targets**',
    '',
    table(
      ['target', 'met'],
      results.verdicts.map((v) => [v.target, mark(v.ok)]),
    ),
  );
  return out.join('\n');
}

function waitTable({ wait }) {
  if (!wait) return [];
  return [
    '**lease --wait** (the emulator applies the user after the delay; overshoot = hand-over − delay)',
    '',
    table(
      ['apply delay', 'handed over after', 'overshoot', 'requests', 'status polls'],
      wait.runs.map((r) => [`${r.applyDelayMs / 1000} s`, `${r.handedOverAfterMs} ms`, `${r.overshootMs} ms`, r.requests, r.statusPolls]),
    ),
    '',
  ];
}

function relayTable({ relay }) {
  if (!relay) return [];
  return [
    `**run's masking relay** (${relay.bytes / 1e6} MB of random bytes, median of ${relay.runs})`,
    '',
    table(
      ['pipeline', 'MB/s'],
      [
        ['cat FILE \\| cat', relay.catCatMBps],
        ['dynsecret run … -- cat FILE (masked)', relay.maskedRunMBps],
        ['dynsecret run --no-mask … -- cat FILE', relay.noMaskRunMBps],
        ['cat FILE \\| node (a plain pipe)', relay.nodePipeMBps],
      ],
    ),
    '',
    `Masked relay / cat \\| cat: ${relay.ratio.toFixed(2)}× (target ≥ 0.33×).`,
    '',
  ];
}

function startupTable({ startup }) {
  if (!startup) return [];
  const majors = Object.keys(startup).map(Number);
  const others = majors.filter((major) => major !== TARGET_MAJOR);
  const target = startup[TARGET_MAJOR];
  const bare = target.commands[BARE];
  const versions = majors.map((major) => `${startup[major].version} ${startup[major].commands[BARE].median.toFixed(0)} ms`);
  return [
    `**Start-up**: median of ${bare.runs} interleaved runs each, as a ratio to bare Node running an empty file in the same rounds (bare: ${versions.join(', ')}). Run as installed: the bin through its shebang with that Node first on PATH, in a clean environment (PATH, HOME and dynsecret's own variables only), compile cache warm where Node has one (22.1+). The targets apply on Node ${target.version}. \`lease\` and \`run\` are whole commands against the emulator with no added latency.`,
    '',
    table(
      [
        'command',
        `Node ${TARGET_MAJOR}: median`,
        `Node ${TARGET_MAJOR}: ratio`,
        'target',
        'met',
        ...others.map((major) => `Node ${major}: ratio`),
      ],
      Object.keys(target.commands).map((name) => {
        const limit = STARTUP_TARGETS[name];
        const { ratio } = target.commands[name];
        return [
          name === BARE ? `\`${BARE}\`` : `\`dynsecret ${name}\``,
          ms(target.commands[name]),
          `${ratio.toFixed(2)}×`,
          limit ? `≤ ${limit}×` : '',
          limit ? mark(ratio <= limit) : '',
          ...others.map((major) => `${startup[major].commands[name].ratio.toFixed(2)}×`),
        ];
      }),
    ),
    '',
  ];
}

function commandsTable({ commands, settings }) {
  if (!commands) return [];
  const out = [];
  out.push(
    `**Commands** against the emulator with ${settings.latencyMs} ms added to every request (median of ${settings.commandRounds} runs; requests counted by the emulator's request log for each run).`,
  );
  out.push('');
  out.push(
    table(
      ['command', 'median', 'HTTP requests', 'floor', 'met', 'the floor is'],
      Object.entries(commands).map(([name, c]) => [
        `\`${name}\``,
        ms(c),
        requests(c.requests),
        String(c.floor),
        mark(c.requests.min === c.floor && c.requests.max === c.floor),
        c.why,
      ]),
    ),
  );
  out.push('');
  return out;
}

function unlockTable({ unlock, settings }) {
  if (!unlock) return [];
  const out = [];
  out.push(`**Unlock** (\`dynsecret list\`, median of ${settings.unlockRounds} interleaved runs).`);
  out.push('');
  out.push(
    table(
      ['key from', 'median'],
      Object.entries(unlock).map(([name, s]) => [name, ms(s)]),
    ),
  );
  out.push('');
  return out;
}

function scaleTable({ scale, settings }) {
  if (!scale) return [];
  const out = [];
  out.push(
    `**Scale**: one config with N leases, against the emulator without added latency (so the store's cost is not hidden behind the network); store restored before each run; median of ${settings.scaleRounds} interleaved runs (Node ${process.versions.node}). A figure, not a target.`,
  );
  out.push('');
  const small = scale['10'];
  out.push(
    table(
      ['leases', 'store file', '`lease`', 'vs 10', '`list NAME`', 'vs 10'],
      Object.values(scale).map((s) => [
        s.leases.toLocaleString('en'),
        kib(s.storeBytes),
        ms(s.lease),
        `${(s.lease.median / small.lease.median).toFixed(2)}×`,
        ms(s.list),
        `${(s.list.median / small.list.median).toFixed(2)}×`,
      ]),
    ),
  );
  out.push('');
  return out;
}

function bulkTable({ bulk, settings }) {
  if (!bulk) return [];
  const out = [];
  out.push(
    `**Bulk revoke**: \`revoke --config NAME --all --yes\` of ${bulk.leases} leases, ${settings.latencyMs} ms latency, the emulator's rate limit at Atlas' documented bucket (${settings.rateCapacity} requests, ${settings.ratePerMinute} a minute); median of ${settings.bulkRounds} runs each.`,
  );
  out.push('');
  out.push(
    table(
      ['variant', 'median', 'HTTP requests', '429s'],
      [
        [
          `as shipped (${settings.revokeConcurrency} at a time)`,
          ms(bulk.bulk),
          requests(bulk.bulk.requests),
          String(bulk.bulk.rateLimited),
        ],
        [
          'sequential (same code, 1 at a time)',
          ms(bulk.sequential),
          requests(bulk.sequential.requests),
          String(bulk.sequential.rateLimited),
        ],
      ],
    ),
  );
  out.push('');
  out.push(`Speed-up: ${bulk.speedup}×.`, '');
  return out;
}

const START = '<!-- bench:last-run:start -->';
const END = '<!-- bench:last-run:end -->';

/** Replaces the last-run table in `path` between its markers; a file without them is left alone. */
export function updateReadme(path, text) {
  let readme;
  try {
    readme = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return false;
  writeFileSync(path, `${readme.slice(0, start + START.length)}\n${text}\n${readme.slice(end)}`);
  return true;
}
