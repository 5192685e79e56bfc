import { KDF_LIMITS, type KdfPolicy } from '../../../src/store/envelope.js';

/**
 * A cheap scrypt policy for the store's unit tests: N 2^10 instead of 2^17 (a derivation takes about a
 * millisecond instead of a few hundred), and limits scaled down alike, so that a weaker or a larger header
 * is still refused or caught as it is in production. Production's limits refuse a store written under it.
 */
export const TEST_KDF: KdfPolicy = {
  cost: { N: 2 ** 10, r: 8, p: 1 },
  limits: { ...KDF_LIMITS, minN: 2 ** 10, maxN: 2 ** 13, maxMemoryBytes: 2 * 128 * 2 ** 10 * 8, maxWork: 4 * 2 ** 10 * 8 },
};
