import { isoSeconds } from './clock.js';
import type { EmulatorContext, RouteRequest } from './context.js';
import type { Network } from './addresses.js';
import { parseCidrBlock, parseEntryValue, parseIpAddress } from './addresses.js';
import { page, parsePaging } from './paging.js';
import type { ApiResponse } from './responses.js';
import { errors, ok } from './responses.js';
import type { StoredAccessEntry } from './state.js';
import { isFailure, readDeleteAfter } from './user-validation.js';
import { isObject } from './validate.js';

/** The project IP access list: list, add (or change), get, delete, and the status of one entry. */

const MAX_COMMENT = 80;
const KNOWN_FIELDS = new Set(['awsSecurityGroup', 'cidrBlock', 'comment', 'deleteAfterDate', 'groupId', 'ipAddress', 'links']);

function entryView(entry: StoredAccessEntry, groupId: string, baseUrl: string): object {
  const self = `${baseUrl}/api/atlas/v2/groups/${groupId}/accessList/${encodeURIComponent(entry.cidrBlock)}`;
  return {
    cidrBlock: entry.cidrBlock,
    comment: entry.comment,
    deleteAfterDate: entry.deleteAfterMs === undefined ? undefined : isoSeconds(entry.deleteAfterMs),
    groupId,
    ipAddress: entry.ipAddress,
    links: [{ href: self, rel: 'self' }],
  };
}

function listPage(ctx: EmulatorContext, req: RouteRequest, status: number): ApiResponse {
  const paging = parsePaging(req.query);
  if ('status' in paging) return paging;
  const entries = [...ctx.state.accessList.values()].map((e) => entryView(e, req.groupId, ctx.baseUrl));
  return ok(status, req.version, page(entries, paging, ctx.baseUrl, req.target));
}

export function listAccessList(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  return listPage(ctx, req, 200);
}

interface EntryFields {
  network: Network;
  comment?: string;
  deleteAfterMs?: number;
}

/** One posted entry, checked on its own: exactly one address form, a short comment, a date within a week. */
function readEntry(item: unknown, groupId: string, now: number): EntryFields | ApiResponse {
  if (!isObject(item)) return errors.invalidJson();
  for (const key of Object.keys(item)) if (!KNOWN_FIELDS.has(key)) return errors.invalidAttribute(key);
  if (item.groupId !== undefined && item.groupId !== groupId) {
    return typeof item.groupId === 'string' ? errors.groupMismatch(item.groupId) : errors.invalidAttribute('groupId');
  }
  const { ipAddress, cidrBlock, awsSecurityGroup } = item;
  if (ipAddress !== undefined && cidrBlock !== undefined) return errors.addressAndCidr();
  if (awsSecurityGroup !== undefined) {
    // The emulated project has no VPC peering, so Atlas refuses every security group entry.
    return ipAddress !== undefined || cidrBlock !== undefined ? errors.addressAndCidr() : errors.awsSecurityGroupWithoutPeering();
  }
  const given = ipAddress ?? cidrBlock;
  if (given === undefined || given === null) return errors.invalidAddress(null);
  if (typeof given !== 'string') return errors.invalidAddress(JSON.stringify(given));
  const network = ipAddress !== undefined ? parseIpAddress(given) : parseCidrBlock(given);
  if (!network) return errors.invalidAddress(given);
  const fields: EntryFields = { network };
  if (item.comment !== undefined) {
    if (typeof item.comment !== 'string' || item.comment.length > MAX_COMMENT) {
      return errors.invalidAttribute('comment', [{ field: 'comment', description: `must be at most ${MAX_COMMENT} characters` }]);
    }
    fields.comment = item.comment;
  }
  if (item.deleteAfterDate !== undefined) {
    const deleteAfterMs = readDeleteAfter(item.deleteAfterDate, now);
    if (isFailure(deleteAfterMs)) return deleteAfterMs;
    fields.deleteAfterMs = deleteAfterMs;
  }
  return fields;
}

/**
 * Adds the posted entries, all or none. An entry that is already on the list (the same network, however it
 * is written) takes the posted comment and deleteAfterDate: posting it without a date makes it permanent.
 * Every added or changed entry is PENDING for `--access-list-delay`. Answers the whole list, 201.
 */
export function createAccessEntries(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const body = req.json();
  if ('error' in body) return body.error;
  if (!Array.isArray(body.value)) return errors.invalidJson();
  const now = ctx.clock.now();
  const posted: EntryFields[] = [];
  const seen = new Set<string>();
  for (const item of body.value) {
    const fields = readEntry(item, req.groupId, now);
    if (isFailure(fields)) return fields;
    if (seen.has(fields.network.cidrBlock)) return errors.duplicateAddresses();
    seen.add(fields.network.cidrBlock);
    posted.push(fields);
  }
  for (const { network, comment, deleteAfterMs } of posted) {
    const existing = ctx.state.accessList.get(network.cidrBlock);
    const entry: StoredAccessEntry = {
      cidrBlock: network.cidrBlock,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      pendingUntil: now + ctx.options.accessListDelayMs,
    };
    if (network.ipAddress !== undefined) entry.ipAddress = network.ipAddress;
    if (comment !== undefined) entry.comment = comment;
    if (deleteAfterMs !== undefined) entry.deleteAfterMs = deleteAfterMs;
    ctx.state.accessList.set(entry.cidrBlock, entry);
  }
  if (posted.length > 0) ctx.changed();
  return listPage(ctx, req, 201);
}

/** The stored entry a path names, or Atlas' 404 naming the value as it was sent. */
function findEntry(ctx: EmulatorContext, req: RouteRequest): StoredAccessEntry | ApiResponse {
  const value = req.param('entryValue');
  const network = parseEntryValue(value);
  const entry = network === undefined ? undefined : ctx.state.accessList.get(network.cidrBlock);
  return entry ?? errors.accessEntryNotFound(value, req.groupId);
}

export function getAccessEntry(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const entry = findEntry(ctx, req);
  if (isFailure(entry)) return entry;
  return ok(200, req.version, entryView(entry, req.groupId, ctx.baseUrl));
}

export function deleteAccessEntry(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const entry = findEntry(ctx, req);
  if (isFailure(entry)) return entry;
  ctx.state.accessList.delete(entry.cidrBlock);
  ctx.changed();
  return ok(204, req.version);
}

/** `{"STATUS": "PENDING" | "ACTIVE"}`: PENDING until `--access-list-delay` after the last change. */
export function getAccessEntryStatus(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const entry = findEntry(ctx, req);
  if (isFailure(entry)) return entry;
  return ok(200, req.version, { STATUS: ctx.clock.now() < entry.pendingUntil ? 'PENDING' : 'ACTIVE' });
}
