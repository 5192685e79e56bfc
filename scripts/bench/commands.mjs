// Each command against the emulator with injected latency: wall time, and the HTTP requests the emulator
// saw for that one run, next to the floor (the fewest requests the command can make).
import { summarize, timeRun } from './measure.mjs';
import { CONFIG, SA_CONFIG, apiKeyEnv, createArgs, dynsecret } from './fixtures.mjs';

/** The floor of each command, and why. Digest costs one 401 challenge per process; a cached token none. */
export const FLOORS = {
  create: { floor: 3, why: 'challenge + list 1 user (credentials) + get the scoped cluster (exists, connection string)' },
  lease: { floor: 2, why: 'challenge + create user (connection string recorded at create)' },
  'lease --wait': { floor: 3, why: 'challenge + create user + 1 cluster status (applied at once here)' },
  renew: { floor: 2, why: 'challenge + update user' },
  revoke: { floor: 2, why: 'challenge + delete user' },
  'run --no-wait': { floor: 3, why: 'challenge + create user + delete user at the end' },
  'lease (service account, cached token)': { floor: 1, why: 'create user with the token cached in the store' },
};

const leaseIdOf = (stdout) => JSON.parse(stdout).leaseId;

export async function measureCommands({ emulator, home, rounds, progress }) {
  const samples = Object.fromEntries(Object.keys(FLOORS).map((name) => [name, { ms: [], requests: [], statuses: [] }]));
  const counted = async (name, argv, env) => {
    await emulator.clearRequests();
    const result = await timeRun(argv, { env });
    const requests = await emulator.requests();
    samples[name].ms.push(result.ms);
    samples[name].requests.push(requests.length);
    samples[name].statuses.push(...requests.map((r) => r.status));
    return result;
  };
  const untimed = (argv) => timeRun(argv, { env: home.env });
  // The service account's token is fetched once here and cached in the store for the timed runs.
  await untimed(dynsecret(['revoke', leaseIdOf((await untimed(dynsecret(['lease', SA_CONFIG, '--format', 'json']))).stdout)]));

  for (let round = 0; round < rounds; round += 1) {
    await counted('create', dynsecret([...createArgs('bench-create', emulator), '--replace']), { ...home.env, ...apiKeyEnv(emulator) });
    const leased = leaseIdOf((await counted('lease', dynsecret(['lease', CONFIG, '--format', 'json']), home.env)).stdout);
    const waited = leaseIdOf((await counted('lease --wait', dynsecret(['lease', CONFIG, '--wait', '--format', 'json']), home.env)).stdout);
    await counted('renew', dynsecret(['renew', leased, '--ttl', '2h']), home.env);
    await counted('revoke', dynsecret(['revoke', leased]), home.env);
    await counted('run --no-wait', dynsecret(['run', CONFIG, '--no-wait', '--', 'true']), home.env);
    const sa = leaseIdOf(
      (await counted('lease (service account, cached token)', dynsecret(['lease', SA_CONFIG, '--format', 'json']), home.env)).stdout,
    );
    await untimed(dynsecret(['revoke', waited, sa]));
    progress?.(round + 1, rounds);
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      {
        ...summarize(s.ms),
        requests: { min: Math.min(...s.requests), max: Math.max(...s.requests) },
        floor: FLOORS[name].floor,
        why: FLOORS[name].why,
        rateLimited: s.statuses.filter((status) => status === 429).length,
      },
    ]),
  );
}
