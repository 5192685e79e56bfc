import { isoSeconds } from './clock.js';
import type { EmulatorContext, RouteRequest } from './context.js';
import { randomHostLabel, randomObjectId, randomReplicaSetLabel } from './ids.js';
import { page, parsePaging } from './paging.js';
import type { ApiResponse } from './responses.js';
import { errors, ok } from './responses.js';
import type { StoredCluster } from './state.js';

/** The clusters routes: list, get (with connection strings) and change status. */

export function newCluster(name: string, now: number): StoredCluster {
  return {
    name,
    id: randomObjectId(),
    createdAt: now,
    hostLabel: randomHostLabel(),
    replicaSetLabel: randomReplicaSetLabel(),
    pendingUntil: 0,
  };
}

export function connectionStrings(cluster: StoredCluster): { standard: string; standardSrv: string } {
  const host = cluster.name.toLowerCase();
  const domain = `${cluster.hostLabel}.mongodb.net`;
  const members = [0, 1, 2].map((n) => `${host}-shard-00-0${n}.${domain}:27017`).join(',');
  return {
    standard: `mongodb://${members}/?ssl=true&authSource=admin&replicaSet=atlas-${cluster.replicaSetLabel}-shard-0`,
    standardSrv: `mongodb+srv://${host}.${domain}`,
  };
}

const hardware = (nodeCount: number) => ({
  diskIOPS: 3000,
  diskSizeGB: 10,
  ebsVolumeType: 'STANDARD',
  instanceSize: 'M10',
  nodeCount,
});

/** A dedicated M10 replica set on AWS, shaped like Atlas' `getCluster` answer. */
function clusterView(cluster: StoredCluster, groupId: string, baseUrl: string): object {
  const self = `${baseUrl}/api/atlas/v2/groups/${groupId}/clusters/${encodeURIComponent(cluster.name)}`;
  const zoneId = cluster.id.slice(0, 16) + '00000001';
  return {
    advancedConfiguration: {
      customOpensslCipherConfigTls12: [],
      customOpensslCipherConfigTls13: [],
      minimumEnabledTlsProtocol: 'TLS1_2',
      tlsCipherConfigMode: 'DEFAULT',
    },
    backupEnabled: false,
    biConnector: { enabled: false, readPreference: 'secondary' },
    clusterType: 'REPLICASET',
    connectionStrings: connectionStrings(cluster),
    createDate: isoSeconds(cluster.createdAt),
    diskWarmingMode: 'FULLY_WARMED',
    encryptionAtRestProvider: 'NONE',
    featureCompatibilityVersion: '8.0',
    globalClusterSelfManagedSharding: false,
    groupId,
    id: cluster.id,
    labels: [],
    links: [{ href: self, rel: 'self' }],
    mongoDBMajorVersion: '8.0',
    mongoDBVersion: '8.0.12',
    name: cluster.name,
    paused: false,
    pitEnabled: false,
    redactClientLogData: false,
    replicationSpecs: [
      {
        id: cluster.id.slice(0, 16) + '00000002',
        regionConfigs: [
          {
            analyticsSpecs: hardware(0),
            autoScaling: { compute: { enabled: false, scaleDownEnabled: false }, diskGB: { enabled: false } },
            electableSpecs: hardware(3),
            priority: 7,
            providerName: 'AWS',
            readOnlySpecs: hardware(0),
            regionName: 'US_EAST_1',
          },
        ],
        zoneId,
        zoneName: 'Zone 1',
      },
    ],
    rootCertType: 'ISRGROOTX1',
    stateName: 'IDLE',
    tags: [],
    terminationProtectionEnabled: false,
    versionReleaseSystem: 'LTS',
  };
}

export function listClusters(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const paging = parsePaging(req.query);
  if ('status' in paging) return paging;
  const clusters = [...ctx.state.clusters.values()].map((c) => clusterView(c, req.groupId, ctx.baseUrl));
  return withDeprecation(ok(200, req.version, page(clusters, paging, ctx.baseUrl, req.target)), req.version);
}

export function getCluster(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const cluster = ctx.state.clusters.get(req.param('clusterName'));
  if (!cluster) return errors.clusterNotFound(req.param('clusterName'), req.groupId);
  return withDeprecation(ok(200, req.version, clusterView(cluster, req.groupId, ctx.baseUrl)), req.version);
}

export function getClusterStatus(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const cluster = ctx.state.clusters.get(req.param('clusterName'));
  if (!cluster) return errors.clusterNotFound(req.param('clusterName'), req.groupId);
  const pending = ctx.clock.now() < cluster.pendingUntil;
  const self = `${ctx.baseUrl}/api/atlas/v2/groups/${req.groupId}/clusters/${encodeURIComponent(cluster.name)}/status`;
  return ok(200, req.version, { changeStatus: pending ? 'PENDING' : 'APPLIED', links: [{ href: self, rel: 'self' }] });
}

/** The older cluster resource versions are deprecated at Atlas and say so in headers. */
function withDeprecation(response: ApiResponse, version: string): ApiResponse {
  if (version !== '2024-08-05') {
    response.headers['Deprecation'] = 'Mon, 5 Aug 2024 00:00:00 GMT';
    response.headers['Sunset'] = 'Thu, 1 Jul 2027 00:00:00 GMT';
  }
  return response;
}
