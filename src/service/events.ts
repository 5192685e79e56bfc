import type { RevokeOutcome, UndeliveredFate } from '../output/lease-messages.js';

/**
 * What the lease service tells the person at the terminal while it works, as facts: the CLI words each one
 * (src/cli/notice-text.ts) and decides where it goes. A `reason` is an error's sentence, in the words the CLI
 * gave it (`ServiceContext.words`); `fromFile` is the `--from-file` path of a store-less command, which a
 * command to run later must name.
 */
export type ServiceEvent =
  /** `--wait` began polling Atlas; `clusters` is empty when the lease is for the whole project. */
  | { type: 'wait-started'; leaseId: string; clusters: readonly string[]; timeoutMs: number }
  /** A poll found clusters still pending; `poll` counts the polls that did (from 0). */
  | { type: 'wait-pending'; leaseId: string; pending: readonly string[]; elapsedMs: number; poll: number }
  /** The wait is over, however it ended: its status line goes. */
  | { type: 'wait-ended' }
  /** Atlas applied the lease's user. */
  | { type: 'applied'; clusters: readonly string[]; elapsedMs: number }
  /** `--allow-ip`: the address is on the access list for good, and left alone. */
  | { type: 'access-permanent'; address: string }
  /** `--allow-ip`: the address's temporary entry was added (or extended) to live until `until`. */
  | { type: 'access-set'; address: string; added: boolean; until: Date }
  /** A temporary entry no live lease needs any more was removed. */
  | { type: 'access-removed'; address: string }
  /** A renewal could not extend the lease's access-list entry. */
  | { type: 'access-extend-failed'; address: string; reason: string }
  /** After revokes, the config's temporary entries could not be cleaned up. */
  | { type: 'access-cleanup-failed'; reason: string }
  /** `revoke --expired` could not ask Atlas for a config's expired leases. */
  | { type: 'stale-search-failed'; config: string; reason: string }
  /** One lease's revoke, as `dynsecret revoke` reports it. */
  | { type: 'revoked'; leaseId: string; outcome: RevokeOutcome; error?: string | undefined }
  /**
   * A lease that could not be delivered could not be undone either: `created` says whether its user was made
   * (else Atlas may or may not have it). Retried later by `revoke --expired`, or by its id when store-less.
   */
  | { type: 'abandon-failed'; leaseId: string; created: boolean; reason: string; fromFile?: string | undefined }
  /**
   * What became of a lease whose credentials nobody received, told on a line of its own when the failure that
   * ended the command is one nobody foresaw (a foreseen one carries it in its own message).
   */
  | { type: 'undelivered'; fate: UndeliveredFate }
  /** `run` keeping its lease alive: the lease is at its max TTL and cannot be renewed past `maxExpiresAt`. */
  | { type: 'keep-alive-at-max'; leaseId: string; maxExpiresAt: Date; now: Date }
  /** The lease expired before it could be renewed. */
  | { type: 'keep-alive-expired'; leaseId: string }
  /** A renewal worked again after failing. */
  | { type: 'keep-alive-recovered'; leaseId: string }
  /** Renewing stopped for good. */
  | { type: 'keep-alive-stopped'; leaseId: string; reason: string }
  /** A renewal failed and is retried in `retryInMs`, before the lease expires at `expiresAt`. */
  | { type: 'keep-alive-retry'; leaseId: string; reason: string; retryInMs: number; expiresAt: Date; now: Date };

/** Where the service's events go. */
export type Notify = (event: ServiceEvent) => void;
