import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from './clock.js';
import type { NonceStore } from './digest.js';
import type { FaultStore } from './faults.js';
import type { EmulatorOptions } from './options.js';
import type { RateLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import type { ApiResponse } from './responses.js';
import type { EmulatorState } from './state.js';

/** Everything a route may use; built once per server in server.ts. */
export interface EmulatorContext {
  readonly options: EmulatorOptions;
  readonly clock: Clock;
  readonly state: EmulatorState;
  readonly nonces: NonceStore;
  readonly rateLimiter: RateLimiter;
  readonly faults: FaultStore;
  readonly requests: RequestLog;
  /** Limits a test may change while the emulator runs (`POST /__emulator/limits`). */
  readonly limits: { maxUsers: number };
  /** `http(s)://host:port`, used in `links`. */
  readonly baseUrl: string;
  /** Call after every change of `state` so the state file follows. */
  changed(): void;
  log(line: string): void;
}

/** A request under `/api/`, body read in full. */
export interface ApiRequest {
  method: string;
  /** The request-target as received: raw path plus query. */
  target: string;
  pathname: string;
  /** Path segments, URL-decoded (a username may contain an encoded `/`). */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client's address as this server saw it (what Atlas reports in access-list errors). */
  clientIp: string;
}

/** A request matched to a project route, after auth, version negotiation and the project check. */
export interface RouteRequest extends ApiRequest {
  groupId: string;
  /** The negotiated resource version, e.g. `2023-01-01`. */
  version: string;
  param(name: string): string;
  /** The JSON body, or the 400 Atlas answers when it is not JSON. */
  json(): { value: unknown } | { error: ApiResponse };
}
