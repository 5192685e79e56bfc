/** The largest page Atlas serves (`itemsPerPage` 1–500). */
const PAGE_SIZE = 500;
/** A guard against a server that never says it is done: 100,000 items is far beyond any project. */
const MAX_PAGES = 200;

interface PageQuery {
  pageNum: number;
  itemsPerPage: number;
  includeCount: true;
  [key: string]: string | number | boolean;
}

/**
 * Reads pages until a short page or `totalCount` says there is nothing more. `select` keeps what the caller
 * needs of each item (undefined drops it) as each page arrives, so memory follows what is kept, not what a
 * server sends: 200 pages of 5 MB are read one at a time.
 */
export async function paginate<T, K = T>(
  fetchPage: (query: PageQuery) => Promise<{ results: T[]; totalCount?: number | undefined }>,
  select: (item: T) => K | undefined = (item) => item as unknown as K,
): Promise<K[]> {
  const kept: K[] = [];
  let seen = 0;
  for (let pageNum = 1; pageNum <= MAX_PAGES; pageNum += 1) {
    const page = await fetchPage({ pageNum, itemsPerPage: PAGE_SIZE, includeCount: true });
    seen += page.results.length;
    for (const item of page.results) {
      const selected = select(item);
      if (selected !== undefined) kept.push(selected);
    }
    const done = page.results.length < PAGE_SIZE || (page.totalCount !== undefined && seen >= page.totalCount);
    if (done) break;
  }
  return kept;
}
