/** The largest page Atlas serves (`itemsPerPage` 1–500). */
export const PAGE_SIZE = 500;
/** A guard against a server that never says it is done: 100,000 items is far beyond any project. */
const MAX_PAGES = 200;

export interface PageQuery {
  pageNum: number;
  itemsPerPage: number;
  includeCount: true;
  [key: string]: string | number | boolean;
}

/** Reads pages until a short page or `totalCount` says there is nothing more. */
export async function paginate<T>(fetchPage: (query: PageQuery) => Promise<{ results: T[]; totalCount?: number | undefined }>): Promise<T[]> {
  const all: T[] = [];
  for (let pageNum = 1; pageNum <= MAX_PAGES; pageNum += 1) {
    const page = await fetchPage({ pageNum, itemsPerPage: PAGE_SIZE, includeCount: true });
    all.push(...page.results);
    const done = page.results.length < PAGE_SIZE || (page.totalCount !== undefined && all.length >= page.totalCount);
    if (done) break;
  }
  return all;
}
