/** The emulator's in-memory model of one Atlas project: its users, clusters and issued OAuth tokens. */

export interface Role {
  roleName: string;
  databaseName: string;
  collectionName?: string;
}

export interface Scope {
  name: string;
  type: string;
}

export interface Label {
  key: string;
  value: string;
}

export interface StoredUser {
  username: string;
  databaseName: string;
  roles: Role[];
  scopes: Scope[];
  labels: Label[];
  description?: string;
  /** Epoch ms, whole seconds; absent for permanent users. */
  deleteAfterMs?: number;
  awsIAMType: string;
  ldapAuthType: string;
  oidcAuthType: string;
  x509Type: string;
  /** Only a hash is kept, so neither the dump nor the state file ever holds a password. */
  passwordSha256?: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredCluster {
  name: string;
  id: string;
  createdAt: number;
  /** The random label in `<name>.<hostLabel>.mongodb.net`. */
  hostLabel: string;
  replicaSetLabel: string;
  /** Epoch ms until which changeStatus is PENDING. */
  pendingUntil: number;
}

/** One project IP access list entry, keyed by its canonical CIDR block. */
export interface StoredAccessEntry {
  cidrBlock: string;
  /** Set for a single address (a /32 or /128). */
  ipAddress?: string;
  comment?: string;
  /** Epoch ms, whole seconds; absent for permanent entries. */
  deleteAfterMs?: number;
  createdAt: number;
  updatedAt: number;
  /** Epoch ms until which the entry's status is PENDING. */
  pendingUntil: number;
}

export interface StoredToken {
  clientId: string;
  expiresAt: number;
}

export interface Project {
  groupId: string;
  orgId: string;
  name: string;
  createdAt: number;
}

export interface Credentials {
  publicKey: string;
  privateKey: string;
  clientId: string;
  clientSecret: string;
}

function userKey(databaseName: string, username: string): string {
  return `${databaseName}\u0000${username}`;
}

export class EmulatorState {
  readonly users = new Map<string, StoredUser>();
  readonly clusters = new Map<string, StoredCluster>();
  readonly tokens = new Map<string, StoredToken>();
  /** The project IP access list by canonical CIDR block, in the order entries were first added. */
  readonly accessList = new Map<string, StoredAccessEntry>();

  constructor(
    readonly project: Project,
    readonly credentials: Credentials,
  ) {}

  findUser(databaseName: string, username: string): StoredUser | undefined {
    return this.users.get(userKey(databaseName, username));
  }

  putUser(user: StoredUser): void {
    this.users.set(userKey(user.databaseName, user.username), user);
  }

  deleteUser(user: StoredUser): void {
    this.users.delete(userKey(user.databaseName, user.username));
  }

  /** The clusters a user change touches: its CLUSTER scopes, or every cluster when it has no scopes. */
  concernedClusters(user: Pick<StoredUser, 'scopes'>): string[] {
    if (user.scopes.length === 0) return [...this.clusters.keys()];
    return user.scopes.filter((s) => s.type === 'CLUSTER' && this.clusters.has(s.name)).map((s) => s.name);
  }

  markPending(clusterNames: Iterable<string>, until: number): void {
    for (const name of clusterNames) {
      const cluster = this.clusters.get(name);
      if (cluster && cluster.pendingUntil < until) cluster.pendingUntil = until;
    }
  }

  /**
   * Deletes users and access list entries whose deleteAfterDate has come, as Atlas does, and marks the users'
   * clusters PENDING from that moment. Returns how many went.
   */
  sweepExpired(now: number, applyDelayMs: number): number {
    let removed = 0;
    for (const user of [...this.users.values()]) {
      if (user.deleteAfterMs !== undefined && user.deleteAfterMs <= now) {
        this.deleteUser(user);
        this.markPending(this.concernedClusters(user), user.deleteAfterMs + applyDelayMs);
        removed++;
      }
    }
    for (const [token, record] of this.tokens) {
      if (record.expiresAt <= now) this.tokens.delete(token);
    }
    for (const [key, entry] of this.accessList) {
      if (entry.deleteAfterMs !== undefined && entry.deleteAfterMs <= now) {
        this.accessList.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Back to an empty project: no users, no access list, no tokens, every cluster APPLIED. */
  reset(): void {
    this.users.clear();
    this.accessList.clear();
    this.tokens.clear();
    for (const cluster of this.clusters.values()) cluster.pendingUntil = 0;
  }
}
