import { UsageError } from '../errors.js';
import { formatDurationShort, parseDuration } from '../rules/duration.js';

/** How long the Atlas client waits and how often it tries, from the environment (README, Environment variables). */
interface NetworkSettings {
  connectMs: number;
  requestMs: number;
  /** Attempts in all: DYNSECRET_RETRIES + 1. */
  maxAttempts: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const TIMEOUTS = {
  DYNSECRET_CONNECT_TIMEOUT: { fallback: 10 * SECOND, min: SECOND, max: 5 * MINUTE },
  DYNSECRET_REQUEST_TIMEOUT: { fallback: 30 * SECOND, min: SECOND, max: 30 * MINUTE },
} as const;
const DEFAULT_RETRIES = 4;
const MAX_RETRIES = 10;

/** Reads the settings; a set variable that is not valid is exit 2 naming it. Empty counts as unset. */
export function networkSettings(env: Record<string, string | undefined>): NetworkSettings {
  return {
    connectMs: timeout(env, 'DYNSECRET_CONNECT_TIMEOUT'),
    requestMs: timeout(env, 'DYNSECRET_REQUEST_TIMEOUT'),
    maxAttempts: retries(env) + 1,
  };
}

function timeout(env: Record<string, string | undefined>, name: keyof typeof TIMEOUTS): number {
  const raw = env[name];
  const { fallback, min, max } = TIMEOUTS[name];
  if (raw === undefined || raw === '') return fallback;
  const value = parseDuration(raw, name);
  if (value < min || value > max) {
    throw new UsageError(`Invalid ${name} ${JSON.stringify(raw)}: use ${formatDurationShort(min)} to ${formatDurationShort(max)}`, {
      hint: `e.g. ${name}=${formatDurationShort(fallback)}`,
    });
  }
  return value;
}

function retries(env: Record<string, string | undefined>): number {
  const raw = env.DYNSECRET_RETRIES;
  if (raw === undefined || raw === '') return DEFAULT_RETRIES;
  const value = /^[0-9]{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (!(value <= MAX_RETRIES)) {
    const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
    throw new UsageError(`Invalid DYNSECRET_RETRIES ${JSON.stringify(shown)}: use a whole number from 0 to ${MAX_RETRIES}`, {
      hint: `retries after the first attempt; the default is ${DEFAULT_RETRIES}`,
    });
  }
  return value;
}
