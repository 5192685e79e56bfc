import type { ApiResponse } from './responses.js';
import { errors } from './responses.js';

/** Atlas list paging: `pageNum` ≥ 1, `itemsPerPage` 1–500 (default 100), `includeCount` (default true). */
interface Paging {
  pageNum: number;
  itemsPerPage: number;
  includeCount: boolean;
}

export function parsePaging(query: URLSearchParams): Paging | ApiResponse {
  const pageNum = wholeNumber(query.get('pageNum'), 1);
  if (pageNum === undefined || pageNum < 1) return errors.invalidQueryParameter('pageNum');
  const itemsPerPage = wholeNumber(query.get('itemsPerPage'), 100);
  if (itemsPerPage === undefined || itemsPerPage < 1 || itemsPerPage > 500) {
    return errors.invalidQueryParameter('itemsPerPage');
  }
  const includeCount = flag(query.get('includeCount'), true);
  if (includeCount === undefined) return errors.invalidQueryParameter('includeCount');
  return { pageNum, itemsPerPage, includeCount };
}

function wholeNumber(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

function flag(raw: string | null, fallback: boolean): boolean | undefined {
  if (raw === null) return fallback;
  const lower = raw.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

interface Link {
  href: string;
  rel: string;
}

/**
 * One page of `items` in Atlas' envelope `{links, results, totalCount}`. The self link repeats the request
 * as sent; `previous` / `next` appear when there is such a page.
 */
export function page<T>(items: T[], paging: Paging, baseUrl: string, requestTarget: string): object {
  const start = (paging.pageNum - 1) * paging.itemsPerPage;
  const results = items.slice(start, start + paging.itemsPerPage);
  const links: Link[] = [{ href: baseUrl + requestTarget, rel: 'self' }];
  const at = (pageNum: number): string => {
    const url = new URL(requestTarget, 'http://placeholder');
    url.searchParams.set('pageNum', String(pageNum));
    url.searchParams.set('itemsPerPage', String(paging.itemsPerPage));
    return baseUrl + url.pathname + url.search;
  };
  if (paging.pageNum > 1) links.push({ href: at(paging.pageNum - 1), rel: 'previous' });
  if (start + paging.itemsPerPage < items.length) links.push({ href: at(paging.pageNum + 1), rel: 'next' });
  return { links, results, totalCount: paging.includeCount ? items.length : undefined };
}
