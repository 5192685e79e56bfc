import { AtlasNetworkError } from './error-types.js';
import type { HttpResponse } from './transport.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we honour; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000, maxRetryAfterMs: 30_000 };

export interface RetryDeps {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  return { ...policy, maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)) };
}

/** Exponential backoff with full jitter: a uniform wait in [0, min(max, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names a weekday and a month; anything else Date.parse might guess at is refused.
  const date = /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * How long to wait before trying again after this response, or undefined to stop. A 429 was not applied,
 * so any method may repeat it; a 5xx may have been applied, so only idempotent calls repeat it here.
 */
export function retryDelay(
  status: number,
  retryAfter: string | null,
  attempt: number,
  idempotent: boolean,
  deps: RetryDeps,
): number | undefined {
  if (attempt >= deps.policy.maxAttempts) return undefined;
  const retryable = status === 429 || (status >= 500 && idempotent);
  if (!retryable) return undefined;
  const jitter = backoffDelay(attempt, deps.policy, deps.random);
  const asked = parseRetryAfter(retryAfter, deps.now());
  // Retry-After plus jitter, not just Retry-After: parallel CI jobs told the same wait would otherwise
  // come back in the same instant and be limited again.
  return asked === undefined ? jitter : Math.min(asked, deps.policy.maxRetryAfterMs) + jitter;
}

/**
 * Runs `attempt` until it yields a response that should not be retried (returned, whatever its status) or
 * the attempts run out. Network errors are retried for idempotent calls and rethrown otherwise.
 */
export async function withRetries(
  attempt: (n: number) => Promise<HttpResponse>,
  idempotent: boolean,
  deps: RetryDeps,
): Promise<HttpResponse> {
  for (let n = 1; ; n += 1) {
    let response: HttpResponse;
    try {
      response = await attempt(n);
    } catch (err) {
      if (!(err instanceof AtlasNetworkError) || !err.transient || !idempotent || n >= deps.policy.maxAttempts) throw err;
      await deps.sleep(backoffDelay(n, deps.policy, deps.random));
      continue;
    }
    const delay = retryDelay(response.status, response.headers.get('retry-after'), n, idempotent, deps);
    if (delay === undefined) return response;
    await deps.sleep(delay);
  }
}
