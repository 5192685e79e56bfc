import { AtlasApiError, AtlasNetworkError } from './error-types.js';
import { backoffDelay, type RetryDeps } from './retry.js';
import type { DatabaseUser, NewDatabaseUser } from './schemas.js';

interface CreateSteps {
  post(user: NewDatabaseUser): Promise<DatabaseUser>;
  /** The user, or undefined when Atlas has none by that name. */
  find(username: string): Promise<DatabaseUser | undefined>;
  /** The error to throw when the name belongs to someone else's user. */
  conflict(username: string): Error;
}

/**
 * Creates a user so that a lost answer never creates two or reports a false failure. After an unclear
 * failure (network error, timeout, 5xx) the POST may or may not have been applied, so the username is
 * looked up first: ours → done; absent → POST again; a 409 on such a second POST means ours arrived.
 */
export async function createDatabaseUserSafely(user: NewDatabaseUser, steps: CreateSteps, retry: RetryDeps): Promise<DatabaseUser> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await steps.post(user);
    } catch (err) {
      if (attempt > 1 && isConflict(err)) return await claim(user, steps);
      if (!isUnclear(err) || attempt >= retry.policy.maxAttempts) throw err;
    }
    await retry.sleep(backoffDelay(attempt, retry.policy, retry.random));
    const existing = await steps.find(user.username);
    if (existing !== undefined) {
      if (isOurs(existing, user)) return existing;
      throw steps.conflict(user.username);
    }
  }
}

async function claim(user: NewDatabaseUser, steps: CreateSteps): Promise<DatabaseUser> {
  const existing = await steps.find(user.username);
  if (existing !== undefined && isOurs(existing, user)) return existing;
  throw steps.conflict(user.username);
}

function isConflict(err: unknown): boolean {
  return err instanceof AtlasApiError && err.status === 409;
}

function isUnclear(err: unknown): boolean {
  return (err instanceof AtlasNetworkError && err.transient) || (err instanceof AtlasApiError && err.status >= 500);
}

/**
 * A user with our name is ours when it carries every label we sent and, if we sent one, the same expiry
 * (Atlas keeps whole seconds). With a template username this keeps us from claiming a stranger's user.
 */
export function isOurs(existing: DatabaseUser, sent: NewDatabaseUser): boolean {
  const labelsMatch = (sent.labels ?? []).every((label) => existing.labels.some((l) => l.key === label.key && l.value === label.value));
  if (!labelsMatch) return false;
  if (sent.deleteAfterDate === undefined) return true;
  if (existing.deleteAfterDate === undefined) return false;
  return Math.abs(Date.parse(existing.deleteAfterDate) - Date.parse(sent.deleteAfterDate)) < 1000;
}
