import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { handleApi } from './api.js';
import { createClock, MAX_CLOCK_SPEED } from './clock.js';
import { newCluster } from './clusters.js';
import type { EmulatorContext } from './context.js';
import { handleControl } from './controls.js';
import { NonceStore } from './digest.js';
import type { Outcome } from './faults.js';
import { FaultStore } from './faults.js';
import { decodeSegments, readBody, writeApiResponse } from './http-io.js';
import { randomClientId, randomClientSecret, randomObjectId, randomPrivateKey, randomPublicKey } from './ids.js';
import type { EmulatorOptions } from './options.js';
import { CLUSTER_NAME_PATTERN, DEFAULTS, GROUP_ID_PATTERN } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { authKind, RequestLog } from './request-log.js';
import { errors } from './responses.js';
import type { PersistedState } from './state-file.js';
import { loadStateFile, restore, snapshot, StateWriter } from './state-file.js';
import { EmulatorState } from './state.js';

export interface RunningEmulator {
  url: string;
  publicKey: string;
  privateKey: string;
  groupId: string;
  clusters: string[];
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** Projects (GET /groups/{id}) have their own, smaller bucket at Atlas. */
const PROJECT_RATE = { capacity: 1200, perMinute: 500 };

/** Starts the emulator. Options not given come from the state file when there is one, else defaults/random. */
export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const persisted = options.stateFile === undefined ? undefined : await loadStateFile(options.stateFile);
  const resolved = resolveOptions(options, persisted);
  const clock = createClock(Date.now, persisted?.clockOffsetMs ?? 0, resolved.clockSpeed);
  const state = buildState(resolved, persisted, clock.now());

  const server = await listen(resolved);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  const baseUrl = `${resolved.tlsCert ? 'https' : 'http'}://${shownHost}:${address.port}`;
  const log = resolved.log ?? (() => undefined);

  const writer =
    resolved.stateFile === undefined
      ? undefined
      : new StateWriter(
          resolved.stateFile,
          () => snapshot(state, clock.offsetMs),
          (error) => log(`could not write the state file: ${(error as Error).message}`),
        );
  const ctx: EmulatorContext = {
    options: resolved,
    clock,
    state,
    nonces: new NonceStore(resolved.nonceLifetimeMs),
    rateLimiter: new RateLimiter({
      resources: { capacity: resolved.rateCapacity, perMinute: resolved.ratePerMinute },
      projects: PROJECT_RATE,
    }),
    faults: new FaultStore(),
    requests: new RequestLog(),
    limits: { maxUsers: resolved.maxUsers },
    baseUrl,
    changed: () => writer?.schedule(),
    log,
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    onRequest(ctx, req, res).catch((error: unknown) => {
      log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      // A bug in one request must not take the server down: answer 500 if we still can, else drop it.
      try {
        if (res.headersSent) res.destroy();
        else writeApiResponse(res, errors.unexpected(), false);
      } catch {
        res.destroy();
      }
    });
  });
  ctx.changed();
  log(`Atlas emulator listening on ${baseUrl} (project ${state.project.groupId})`);

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    publicKey: state.credentials.publicKey,
    privateKey: state.credentials.privateKey,
    groupId: state.project.groupId,
    clusters: [...state.clusters.keys()],
    clientId: state.credentials.clientId,
    clientSecret: state.credentials.clientSecret,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => writer?.flush());
      return closing;
    },
  };
}

function resolveOptions(given: Partial<EmulatorOptions>, persisted: PersistedState | undefined): EmulatorOptions {
  const groupId = given.groupId ?? persisted?.project.groupId ?? randomObjectId();
  if (!GROUP_ID_PATTERN.test(groupId)) throw new Error(`groupId must be 24 lowercase hex characters`);
  const clusters = given.clusters ?? persisted?.clusters.map((c) => c.name) ?? [...DEFAULTS.clusters];
  const badName = clusters.find((name) => !CLUSTER_NAME_PATTERN.test(name));
  if (badName !== undefined) throw new Error(`"${badName}" is not a cluster name`);
  if ((given.tlsCert === undefined) !== (given.tlsKey === undefined)) throw new Error('tlsCert and tlsKey go together');
  const credentials = persisted?.credentials;
  const speed = given.clockSpeed ?? DEFAULTS.clockSpeed;
  if (!(speed >= 0 && speed <= MAX_CLOCK_SPEED)) throw new Error(`clockSpeed must be from 0 to ${MAX_CLOCK_SPEED}`);
  if (given.clientIp !== undefined && isIP(given.clientIp) === 0) throw new Error('clientIp must be an IP address');
  return {
    host: given.host ?? DEFAULTS.host,
    port: given.port ?? DEFAULTS.port,
    publicKey: given.publicKey ?? credentials?.publicKey ?? randomPublicKey(),
    privateKey: given.privateKey ?? credentials?.privateKey ?? randomPrivateKey(),
    groupId,
    clusters,
    applyDelayMs: given.applyDelayMs ?? DEFAULTS.applyDelayMs,
    accessListDelayMs: given.accessListDelayMs ?? DEFAULTS.accessListDelayMs,
    maxUsers: given.maxUsers ?? DEFAULTS.maxUsers,
    clockSpeed: given.clockSpeed ?? DEFAULTS.clockSpeed,
    clientIp: given.clientIp,
    nonceLifetimeMs: given.nonceLifetimeMs ?? DEFAULTS.nonceLifetimeMs,
    latencyMs: given.latencyMs ?? DEFAULTS.latencyMs,
    clientId: given.clientId ?? credentials?.clientId ?? randomClientId(),
    clientSecret: given.clientSecret ?? credentials?.clientSecret ?? randomClientSecret(),
    stateFile: given.stateFile,
    tlsCert: given.tlsCert,
    tlsKey: given.tlsKey,
    rateCapacity: given.rateCapacity ?? DEFAULTS.rateCapacity,
    ratePerMinute: given.ratePerMinute ?? DEFAULTS.ratePerMinute,
    log: given.log,
  };
}

function buildState(options: EmulatorOptions, persisted: PersistedState | undefined, now: number): EmulatorState {
  const sameProject = persisted?.project.groupId === options.groupId;
  const state = new EmulatorState(
    sameProject && persisted
      ? persisted.project
      : { groupId: options.groupId, orgId: randomObjectId(), name: 'dynsecret-emulator', createdAt: now },
    {
      publicKey: options.publicKey,
      privateKey: options.privateKey,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
    },
  );
  if (persisted && sameProject) restore(state, persisted);
  // The cluster list given now wins: keep what the file knew about those names, add the new, drop the rest.
  for (const name of [...state.clusters.keys()]) if (!options.clusters.includes(name)) state.clusters.delete(name);
  for (const name of options.clusters) if (!state.clusters.has(name)) state.clusters.set(name, newCluster(name, now));
  return state;
}

async function listen(options: EmulatorOptions): Promise<Server> {
  const server =
    options.tlsCert !== undefined && options.tlsKey !== undefined
      ? createTlsServer({ cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) })
      : createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

async function onRequest(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
  if (pathname === '/__emulator' || pathname.startsWith('/__emulator/')) return handleControl(ctx, req, res);
  const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
  if (!pathname.startsWith('/api/')) return writeApiResponse(res, errors.resourceNotFound(pathname), false);

  const body = await readBody(req);
  const segments = decodeSegments(pathname);
  let outcome: Outcome;
  if (body === undefined) outcome = { kind: 'respond', response: errors.payloadTooLarge() };
  else if (segments === undefined) outcome = { kind: 'respond', response: errors.resourceNotFound(pathname) };
  else
    outcome = await handleApi(ctx, {
      method,
      target,
      pathname,
      segments,
      query,
      headers: req.headers,
      body,
      clientIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    });

  let status = 0;
  if (outcome.kind === 'reset') req.socket.destroy();
  else {
    status = outcome.response.status;
    writeApiResponse(res, outcome.response, query.get('pretty') === 'true');
  }
  const auth = authKind(req.headers.authorization);
  ctx.requests.add({ method, path: target, status, auth });
  ctx.log(`${method} ${target} ${status === 0 ? 'reset' : status} auth=${auth} ${Date.now() - started}ms`);
}
