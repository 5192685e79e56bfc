/** A key and value on an Atlas user (the shape Atlas' `labels` items have). */
interface Label {
  key: string;
  value: string;
}

/**
 * What a leased Atlas user carries so that any machine with the config can find, renew and revoke it:
 * the config's name, when the lease was made and the latest it may ever expire (max TTL).
 */
export const LABEL_CONFIG = 'dynsecret.config';
const LABEL_CREATED_AT = 'dynsecret.createdAt';
const LABEL_MAX_EXPIRES_AT = 'dynsecret.maxExpiresAt';

interface LeaseLabels {
  config: string;
  createdAt: string;
  maxExpiresAt: string;
}

export function leaseLabels(lease: LeaseLabels): Label[] {
  return [
    { key: LABEL_CONFIG, value: lease.config },
    { key: LABEL_CREATED_AT, value: lease.createdAt },
    { key: LABEL_MAX_EXPIRES_AT, value: lease.maxExpiresAt },
  ];
}

/** At most 100 characters, as Atlas requires. */
export const leaseDescription = (config: string) => `dynsecret lease of ${config}`.slice(0, 100);

/** The lease facts of a user made by dynsecret, or undefined for any other user. */
export function readLeaseLabels(user: { labels: readonly Partial<Label>[] }): LeaseLabels | undefined {
  const value = (key: string) => user.labels.find((label) => label.key === key)?.value;
  const config = value(LABEL_CONFIG);
  const createdAt = value(LABEL_CREATED_AT);
  const maxExpiresAt = value(LABEL_MAX_EXPIRES_AT);
  if (config === undefined || createdAt === undefined || maxExpiresAt === undefined) return undefined;
  if (Number.isNaN(Date.parse(createdAt)) || Number.isNaN(Date.parse(maxExpiresAt))) return undefined;
  return { config, createdAt, maxExpiresAt };
}
