import { isoSeconds } from './clock.js';
import type { EmulatorContext, RouteRequest } from './context.js';
import type { ApiResponse } from './responses.js';
import { ok } from './responses.js';

/** `GET /api/atlas/v2/groups/{groupId}`: the one project the emulator holds. */
export function getProject(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const { project } = ctx.state;
  const base = `${ctx.baseUrl}/api/atlas/v2/groups/${project.groupId}`;
  const rel = (name: string) => ({ href: `${base}/${name}`, rel: `https://cloud.mongodb.com/${name}` });
  return ok(200, req.version, {
    clusterCount: ctx.state.clusters.size,
    created: isoSeconds(project.createdAt),
    id: project.groupId,
    links: [{ href: base, rel: 'self' }, rel('clusters'), rel('databaseUsers')],
    name: project.name,
    orgId: project.orgId,
    tags: [],
    withDefaultAlertsSettings: true,
  });
}
