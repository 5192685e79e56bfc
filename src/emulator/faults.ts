import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiResponse } from './responses.js';
import { apiError, errors, versionedType } from './responses.js';
import type { JsonObject } from './validate.js';
import { field, isObject, isString, optionalField } from './validate.js';

/** Injected failures for the next N matching `/api/…` requests (test control `POST /__emulator/faults`). */

type BodyFault = 'malformed' | 'huge' | 'wrong-types';

export interface FaultSpec {
  /** `path`: a substring of the request target; `exactPath`: the whole path, query aside. */
  match: { method?: string; path?: string; exactPath?: string };
  count: number;
  status?: number;
  errorCode?: string;
  retryAfter?: number;
  latencyMs?: number;
  reset?: boolean;
  afterApply?: boolean;
  body?: BodyFault;
  beforeAuth?: boolean;
}

export type Outcome = { kind: 'respond'; response: ApiResponse } | { kind: 'reset' };

const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isBodyFault = (value: unknown): value is BodyFault => value === 'malformed' || value === 'huge' || value === 'wrong-types';

/** What a fault's error body may name: the caller's address and the project's user limit. */
export interface FaultFacts {
  clientIp: string;
  maxUsers: number;
}

const CREATE_FAULT_KINDS = ['quota', '5xx'] as const;
type CreateFaultKind = (typeof CREATE_FAULT_KINDS)[number];
const isCreateFaultKind = (value: unknown): value is CreateFaultKind => CREATE_FAULT_KINDS.includes(value as CreateFaultKind);

/**
 * `{"failCreates": N, "kind": "quota" | "5xx"}`: the next N user creations (`POST …/databaseUsers`) fail with
 * Atlas' GROUP_USERS_LIMIT_EXCEEDED (the default) or a 500, after authentication, without creating the user.
 */
function parseFailCreates(value: JsonObject, groupId: string): FaultSpec {
  for (const key of Object.keys(value)) {
    if (key !== 'failCreates' && key !== 'kind') throw new TypeError(`"${key}" does not go with "failCreates"`);
  }
  const count = field(value, 'failCreates', isWhole, 'a whole number');
  const kind = optionalField(value, 'kind', isCreateFaultKind, '"quota" or "5xx"') ?? 'quota';
  return {
    match: { method: 'POST', exactPath: `/api/atlas/v2/groups/${groupId}/databaseUsers` },
    count,
    ...(kind === 'quota' ? { status: 403, errorCode: QUOTA_CODE } : { status: 500 }),
  };
}

const QUOTA_CODE = 'GROUP_USERS_LIMIT_EXCEEDED';

/** Reads a fault from a control request body; throws a TypeError naming the bad field. */
export function parseFaultSpec(value: unknown, groupId: string): FaultSpec {
  if (!isObject(value)) throw new TypeError('the body must be a JSON object');
  if (value.failCreates !== undefined) {
    const spec = parseFailCreates(value, groupId);
    if (spec.count < 1) throw new TypeError('"failCreates" must be at least 1');
    return spec;
  }
  const match: JsonObject = value.match === undefined ? {} : field(value, 'match', isObject, 'an object');
  const spec: FaultSpec = {
    match: {
      method: optionalField(match, 'method', isString, 'a string')?.toUpperCase(),
      path: optionalField(match, 'path', isString, 'a string'),
    },
    count: field(value, 'count', isWhole, 'a whole number'),
    status: optionalField(value, 'status', isWhole, 'a whole number'),
    errorCode: optionalField(value, 'errorCode', isString, 'a string'),
    retryAfter: optionalField(value, 'retryAfter', isWhole, 'a whole number of seconds'),
    latencyMs: optionalField(value, 'latencyMs', isWhole, 'a whole number'),
    reset: optionalField(value, 'reset', isBoolean, 'a boolean'),
    afterApply: optionalField(value, 'afterApply', isBoolean, 'a boolean'),
    body: optionalField(value, 'body', isBodyFault, '"malformed", "huge" or "wrong-types"'),
    beforeAuth: optionalField(value, 'beforeAuth', isBoolean, 'a boolean'),
  };
  if (spec.count < 1) throw new TypeError('"count" must be at least 1');
  if (spec.status !== undefined && (spec.status < 100 || spec.status > 599)) {
    throw new TypeError('"status" must be an HTTP status code');
  }
  if ((spec.latencyMs ?? 0) < 0 || (spec.retryAfter ?? 0) < 0) throw new TypeError('durations cannot be negative');
  return spec;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultStore {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.count });
  }

  /** The first registered fault of this stage that matches, counted down; faults that ran out are dropped. */
  take(method: string, target: string, beforeAuth: boolean): FaultSpec | undefined {
    const found = this.faults.find(
      ({ spec }) =>
        (spec.beforeAuth ?? false) === beforeAuth &&
        (spec.match.method === undefined || spec.match.method === method) &&
        (spec.match.path === undefined || target.includes(spec.match.path)) &&
        (spec.match.exactPath === undefined || target.split('?')[0] === spec.match.exactPath),
    );
    if (!found) return undefined;
    found.remaining--;
    if (found.remaining <= 0) this.faults = this.faults.filter((f) => f !== found);
    return found.spec;
  }

  clear(): void {
    this.faults = [];
  }

  /** The faults still waiting for a request, in the order they are taken, each with how many requests it has left. */
  list(): (FaultSpec & { remaining: number })[] {
    return this.faults.map(({ spec, remaining }) => ({ ...spec, remaining }));
  }
}

/**
 * Runs a fault: wait, optionally perform the real request (`afterApply`, and `wrong-types` which needs its
 * answer), then reset the connection, send a broken body or an error, or pass the real answer through when
 * the fault only adds latency.
 */
export async function applyFault(fault: FaultSpec, run: () => Promise<ApiResponse>, facts: FaultFacts): Promise<Outcome> {
  if (fault.latencyMs) await sleep(fault.latencyMs);
  const latencyOnly =
    fault.latencyMs !== undefined &&
    !fault.reset &&
    !fault.afterApply &&
    fault.body === undefined &&
    fault.status === undefined &&
    fault.errorCode === undefined &&
    fault.retryAfter === undefined;
  if (latencyOnly) return { kind: 'respond', response: await run() };
  const real = fault.afterApply || fault.body === 'wrong-types' ? await run() : undefined;
  if (fault.reset) return { kind: 'reset' };
  if (fault.body !== undefined) return { kind: 'respond', response: brokenBody(fault.body, real) };
  return { kind: 'respond', response: faultError(fault, facts) };
}

function faultError(fault: FaultSpec, { clientIp, maxUsers }: FaultFacts): ApiResponse {
  const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : fault.errorCode === QUOTA_CODE ? 403 : 500);
  let response: ApiResponse;
  if (status === 429 && fault.errorCode === undefined) response = errors.rateLimited(fault.retryAfter ?? 1);
  else if (status === 503 && fault.errorCode === undefined) {
    response = apiError(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable.');
  } else if (status === 500 && fault.errorCode === undefined) response = errors.unexpected();
  else if (fault.errorCode === 'IP_ADDRESS_NOT_ON_ACCESS_LIST' || fault.errorCode === 'ORG_REQUIRES_ACCESS_LIST') {
    // Atlas names the address it saw, the one the user must add to the API key's access list.
    response = apiError(status, fault.errorCode, `IP address ${clientIp} is not allowed to access this resource.`, [clientIp]);
  } else if (fault.errorCode === QUOTA_CODE) {
    // The project's real answer when it is full, with the limit in force.
    response = errors.usersLimitExceeded(maxUsers);
    response.status = status;
    (response.json as { error: number }).error = status;
  } else response = apiError(status, fault.errorCode ?? 'UNEXPECTED_ERROR', 'Unexpected error.');
  if (fault.retryAfter !== undefined) response.headers['Retry-After'] = String(fault.retryAfter);
  return response;
}

const HUGE_BYTES = 20 * 1024 * 1024;

function brokenBody(kind: BodyFault, real: ApiResponse | undefined): ApiResponse {
  const headers = { 'Content-Type': versionedType('2023-01-01') };
  if (kind === 'malformed') return { status: 200, headers, raw: '{"awsIAMType":"NONE","databaseName":"adm' };
  if (kind === 'huge') return { status: 200, headers, raw: `{"padding":"${'x'.repeat(HUGE_BYTES)}"}` };
  const type = real?.headers['Content-Type'] ?? headers['Content-Type'];
  return { status: 200, headers: { 'Content-Type': type }, json: wrongTypes(real?.json ?? { results: 'none' }) };
}

/** Same keys, wrong types: strings become numbers, numbers and booleans become strings. */
export function wrongTypes(value: unknown): unknown {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(wrongTypes);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrongTypes(v)]));
  return value;
}
