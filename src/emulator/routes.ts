import { createAccessEntries, deleteAccessEntry, getAccessEntry, getAccessEntryStatus, listAccessList } from './access-list.js';
import { getCluster, getClusterStatus, listClusters } from './clusters.js';
import type { EmulatorContext, RouteRequest } from './context.js';
import { getIpInfo } from './ipinfo.js';
import { getProject } from './project.js';
import type { ApiResponse } from './responses.js';
import { createUser, deleteUser, getUser, listUsers, updateUser } from './users.js';

/** The Atlas Admin API v2 resources the emulator serves, with the resource versions each one exists in. */

type Handler = (ctx: EmulatorContext, req: RouteRequest) => ApiResponse;

/** Which token bucket a resource draws from (Atlas limits projects separately from users and clusters). */
type RateFamily = 'resources' | 'projects';

export interface Route {
  method: string;
  /** Path segments; `:name` captures one decoded segment. */
  pattern: string[];
  /** Resource versions; none for a private, unversioned resource outside any project. */
  versions: string[];
  family: RateFamily;
  handle: Handler;
}

const USERS = ['2023-01-01'];
const ACCESS_LIST = ['2023-01-01'];
const CLUSTERS = ['2023-01-01', '2023-02-01', '2024-08-05'];
const path = (template: string): string[] => template.split('/').filter(Boolean);

const GROUP = 'api/atlas/v2/groups/:groupId';
const ROUTES: Route[] = [
  { method: 'GET', pattern: path(`${GROUP}/databaseUsers`), versions: USERS, family: 'resources', handle: listUsers },
  { method: 'POST', pattern: path(`${GROUP}/databaseUsers`), versions: USERS, family: 'resources', handle: createUser },
  ...(['GET', 'PATCH', 'DELETE'] as const).map((method) => ({
    method,
    pattern: path(`${GROUP}/databaseUsers/:databaseName/:username`),
    versions: USERS,
    family: 'resources' as const,
    handle: method === 'GET' ? getUser : method === 'PATCH' ? updateUser : deleteUser,
  })),
  { method: 'GET', pattern: path(`${GROUP}/clusters`), versions: CLUSTERS, family: 'resources', handle: listClusters },
  {
    method: 'GET',
    pattern: path(`${GROUP}/clusters/:clusterName`),
    versions: CLUSTERS,
    family: 'resources',
    handle: getCluster,
  },
  {
    method: 'GET',
    pattern: path(`${GROUP}/clusters/:clusterName/status`),
    versions: USERS,
    family: 'resources',
    handle: getClusterStatus,
  },
  { method: 'GET', pattern: path(GROUP), versions: USERS, family: 'projects', handle: getProject },
  { method: 'GET', pattern: path(`${GROUP}/accessList`), versions: ACCESS_LIST, family: 'resources', handle: listAccessList },
  {
    method: 'POST',
    pattern: path(`${GROUP}/accessList`),
    versions: ACCESS_LIST,
    family: 'resources',
    handle: createAccessEntries,
  },
  ...(['GET', 'DELETE'] as const).map((method) => ({
    method,
    pattern: path(`${GROUP}/accessList/:entryValue`),
    versions: ACCESS_LIST,
    family: 'resources' as const,
    handle: method === 'GET' ? getAccessEntry : deleteAccessEntry,
  })),
  {
    method: 'GET',
    pattern: path(`${GROUP}/accessList/:entryValue/status`),
    versions: ACCESS_LIST,
    family: 'resources',
    handle: getAccessEntryStatus,
  },
  { method: 'GET', pattern: path('api/private/ipinfo'), versions: [], family: 'resources', handle: getIpInfo },
];

type RouteMatch = { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'wrong-method' } | { kind: 'none' };

export function matchRoute(method: string, segments: string[]): RouteMatch {
  let pathMatched = false;
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    pathMatched = true;
  }
  return pathMatched ? { kind: 'wrong-method' } : { kind: 'none' };
}

function matchPattern(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

/**
 * The version an `Accept` header asks for, if this resource has it. Atlas wants the exact date of a resource
 * version (`application/vnd.atlas.2023-01-01+json`); anything else, or nothing, is a 406.
 */
export function negotiateVersion(accept: string | undefined, versions: string[]): string | undefined {
  if (!accept) return undefined;
  for (const range of accept.split(',')) {
    const match = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/i.exec(range.split(';')[0]?.trim() ?? '');
    if (match?.[1] && versions.includes(match[1])) return match[1];
  }
  return undefined;
}
