import { UsageError } from '../errors.js';
import { CONFIG_NAME } from '../rules/config-name.js';
import { scopeTypes, type Role, type Scope } from './schema.js';

/** Validation rules for a config's fields, one message per field; every function is pure. */

const GROUP_ID = /^[a-f0-9]{24}$/;
const SCOPE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;
// MongoDB database names: no `/\. "$*<>:|?` and at most 64 bytes; custom role names are plain identifiers.
const DATABASE_NAME = /^[^/\\. "$*<>:|?]{1,64}$/;
const CUSTOM_ROLE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const BUILT_IN_ROLES = [
  'atlasAdmin',
  'backup',
  'clusterMonitor',
  'dbAdmin',
  'dbAdminAnyDatabase',
  'enableSharding',
  'read',
  'readAnyDatabase',
  'readWrite',
  'readWriteAnyDatabase',
] as const;
/** Roles that exist only on the `admin` database (Atlas answers ATLAS_INVALID_ROLE_DATABASE otherwise). */
const ADMIN_ONLY_ROLES = new Set<string>([
  'atlasAdmin',
  'backup',
  'clusterMonitor',
  'dbAdminAnyDatabase',
  'enableSharding',
  'readAnyDatabase',
  'readWriteAnyDatabase',
]);
/** Built-in roles that may be narrowed to one collection. */
const COLLECTION_ROLES = new Set<string>(['read', 'readWrite']);
const isBuiltIn = (name: string) => (BUILT_IN_ROLES as readonly string[]).includes(name);

export function validateConfigName(name: string): string {
  if (!CONFIG_NAME.test(name)) {
    throw new UsageError(`Invalid config name ${JSON.stringify(name)}: use 1 to 64 letters, digits, ".", "_" or "-".`, {
      hint: 'e.g. dynsecret create app-db …',
    });
  }
  return name;
}

/** `label` names the value as the user gave it: a flag (`--group-id`), a file's field or a variable. */
export function validateGroupId(groupId: string, label = '--group-id'): string {
  if (!GROUP_ID.test(groupId)) {
    throw new UsageError(`Invalid ${label} ${JSON.stringify(groupId)}: an Atlas project ID is 24 lowercase hex characters.`, {
      hint: 'Find it in Atlas under Project Settings, or with `atlas projects list`.',
    });
  }
  return groupId;
}

// A WHATWG URL writes every IPv4 form (127.1, 0x7f.0.0.1) as four decimal parts, and a host name whose
// last label is a number is no valid URL, so this matches IP literals only, never a name like 127.x.example.
const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Plain http is allowed only to a host that cannot be anywhere else: an IPv4 literal in 127.0.0.0/8, the
 * IPv6 literal [::1], or the name `localhost` exactly. `hostname` is a parsed URL's (lower case, normalized).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || LOOPBACK_V4.test(hostname);
}

/** An https URL, or http on loopback only (the emulator); no path, query or embedded credentials. */
export function validateBaseUrl(raw: string, label = '--base-url'): string {
  // A URL with a password in it must not be repeated in a message (nor in a CI log).
  const shown = JSON.stringify(raw.replace(/\/\/[^/?#]*@/, '//***@'));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Invalid ${label} ${shown}: not a URL.`, { hint: 'e.g. https://cloud.mongodb.com' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new UsageError(`Invalid ${label} ${shown}: use https (plain http is accepted only on 127.0.0.0/8, [::1] or localhost).`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new UsageError(`Invalid ${label} ${shown}: give only the scheme, host and port.`, { hint: 'e.g. https://cloud.mongodb.com' });
  }
  return url.origin;
}

/** Parses `role@database[.collection]`, e.g. `readWrite@app`, `read@app.orders`. */
export function parseRole(spec: string): Role {
  return roleFrom(spec, '--role');
}

/** `parseRole` for a role given as `label` (a file's field). */
export function roleFrom(spec: string, label: string): Role {
  const at = spec.indexOf('@');
  const example = {
    hint: label === '--role' ? 'e.g. --role readWrite@app or --role read@app.orders' : 'e.g. "readWrite@app" or "read@app.orders"',
  };
  if (at <= 0 || at === spec.length - 1) {
    throw new UsageError(`Invalid ${label} ${JSON.stringify(spec)}: expected ROLE@DATABASE[.COLLECTION].`, example);
  }
  const roleName = spec.slice(0, at);
  const target = spec.slice(at + 1);
  const dot = target.indexOf('.');
  const databaseName = dot === -1 ? target : target.slice(0, dot);
  const collectionName = dot === -1 ? undefined : target.slice(dot + 1);
  return collectionName === undefined ? { roleName, databaseName } : { roleName, databaseName, collectionName };
}

const describeRole = (r: Role) => `${r.roleName}@${r.databaseName}${r.collectionName === undefined ? '' : `.${r.collectionName}`}`;

/** The role rules Atlas enforces, checked before any request so the message can say why. */
export function validateRoles(roles: readonly Role[], label = '--role'): Role[] {
  if (roles.length === 0) {
    throw new UsageError(`At least one ${label} is required.`, {
      hint: label === '--role' ? 'e.g. --role readWrite@app' : 'e.g. "roles": ["readWrite@app"]',
    });
  }
  const seen = new Set<string>();
  for (const role of roles) {
    const label = describeRole(role);
    const custom = !isBuiltIn(role.roleName);
    if (custom && !CUSTOM_ROLE_NAME.test(role.roleName)) {
      throw new UsageError(
        `Invalid role ${JSON.stringify(label)}: ${JSON.stringify(role.roleName)} is neither a built-in role (${BUILT_IN_ROLES.join(', ')}) nor a valid custom role name.`,
      );
    }
    // `readwrite@app` is a custom role only by its case: the built-in one it differs from is meant.
    const builtIn = BUILT_IN_ROLES.find((name) => name.toLowerCase() === role.roleName.toLowerCase());
    if (custom && builtIn !== undefined && role.databaseName !== 'admin') {
      const meant = describeRole({ ...role, roleName: builtIn });
      throw new UsageError(`Invalid role ${JSON.stringify(label)}: role names are case-sensitive (use ${meant}).`);
    }
    if (!DATABASE_NAME.test(role.databaseName)) {
      throw new UsageError(`Invalid role ${JSON.stringify(label)}: ${JSON.stringify(role.databaseName)} is not a valid database name.`);
    }
    if (role.collectionName !== undefined) {
      if (!COLLECTION_ROLES.has(role.roleName)) {
        throw new UsageError(`Invalid role ${JSON.stringify(label)}: only read and readWrite can be limited to a collection.`);
      }
      if (
        role.collectionName === '' ||
        role.collectionName.includes('$') ||
        role.collectionName.startsWith('system.') ||
        role.collectionName.length > 255
      ) {
        throw new UsageError(
          `Invalid role ${JSON.stringify(label)}: ${JSON.stringify(role.collectionName)} is not a valid collection name.`,
        );
      }
    }
    if ((ADMIN_ONLY_ROLES.has(role.roleName) || custom) && role.databaseName !== 'admin') {
      throw new UsageError(
        `Invalid role ${JSON.stringify(label)}: ${custom ? 'custom roles' : role.roleName} can only be granted on the admin database (use ${role.roleName}@admin).`,
      );
    }
    const key = label;
    if (seen.has(key)) throw new UsageError(`Duplicate role ${JSON.stringify(label)}: give each role once.`);
    seen.add(key);
  }
  const customRoles = roles.filter((r) => !isBuiltIn(r.roleName));
  if (customRoles.length > 0 && roles.length > 1) {
    throw new UsageError('A custom role cannot be combined with other roles: Atlas grants a custom role alone.');
  }
  return [...roles];
}

/** Parses `name[:TYPE]`, e.g. `Cluster0`, `lake1:DATA_LAKE`; the type defaults to CLUSTER. */
export function parseScope(spec: string): Scope {
  return scopeFrom(spec, '--scope');
}

/** `parseScope` for a scope given as `label` (a file's field). */
export function scopeFrom(spec: string, label: string): Scope {
  const colon = spec.lastIndexOf(':');
  const name = colon === -1 ? spec : spec.slice(0, colon);
  const type = colon === -1 ? 'CLUSTER' : spec.slice(colon + 1).toUpperCase();
  if (!SCOPE_NAME.test(name) || name.length > 64) {
    throw new UsageError(
      `Invalid ${label} ${JSON.stringify(spec)}: the name must start with a letter or digit and contain only letters, digits and "-".`,
      {
        hint: label === '--scope' ? 'e.g. --scope Cluster0 or --scope lake1:DATA_LAKE' : 'e.g. "Cluster0" or "lake1:DATA_LAKE"',
      },
    );
  }
  if (!(scopeTypes as readonly string[]).includes(type)) {
    throw new UsageError(`Invalid ${label} ${JSON.stringify(spec)}: the type must be one of ${scopeTypes.join(', ')}.`);
  }
  return { name, type: type as Scope['type'] };
}

export function validateScopes(scopes: readonly Scope[]): Scope[] {
  const seen = new Set<string>();
  for (const scope of scopes) {
    const parsed = parseScope(`${scope.name}:${scope.type}`);
    const key = `${parsed.type}:${parsed.name}`;
    if (seen.has(key)) throw new UsageError(`Duplicate scope ${JSON.stringify(scope.name)}: give each scope once.`);
    seen.add(key);
  }
  return [...scopes];
}

/** API key and client identifiers: printable, no whitespace, bounded. */
export function validateIdentifier(value: string, what: string): string {
  if (!/^[\x21-\x7e]{1,256}$/.test(value)) {
    throw new UsageError(`Invalid ${what}: expected 1 to 256 printable characters without spaces.`);
  }
  return value;
}

/** Secrets are checked the same way, but the message never repeats the value. */
export function validateSecret(value: string, what: string): string {
  const trimmed = value.replace(/\r?\n$/, '');
  if (!/^[\x21-\x7e]{1,512}$/.test(trimmed)) {
    throw new UsageError(`Invalid ${what}: expected 1 to 512 printable characters without spaces.`);
  }
  return trimmed;
}
