/** The largest page Atlas serves (`itemsPerPage` 1–500). */
const PAGE_SIZE = 500;
/**
 * A guard against a server that never says it is done, or sends far more than a project holds (Atlas allows
 * 100 database users per project): past this many items the list is refused, never cut short silently.
 */
export const MAX_ITEMS = 25_000;

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
  tooMany: () => Error = () => new RangeError(`more than ${MAX_ITEMS} items`),
): Promise<K[]> {
  const kept: K[] = [];
  let seen = 0;
  for (let pageNum = 1; ; pageNum += 1) {
    const page = await fetchPage({ pageNum, itemsPerPage: PAGE_SIZE, includeCount: true });
    seen += page.results.length;
    if (seen > MAX_ITEMS) throw tooMany();
    for (const item of page.results) {
      const selected = select(item);
      if (selected !== undefined) kept.push(selected);
    }
    const done = page.results.length < PAGE_SIZE || (page.totalCount !== undefined && seen >= page.totalCount);
    if (done) break;
  }
  return kept;
}
