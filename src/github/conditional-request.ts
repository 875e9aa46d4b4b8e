// GET with If-None-Match: an unchanged answer is a 304, which GitHub does not count against the rate limit.
import { LRUCache } from "lru-cache";

/** The subset of Octokit's `request` this needs. */
export type GitHubRequest = (
  route: string,
  parameters?: Record<string, unknown>,
) => Promise<{ status: number; data: unknown; headers: Record<string, string | number | undefined> }>;

export interface ConditionalResult<T> {
  data: T;
  /** True when GitHub answered 304 and the cached data was reused. */
  notModified: boolean;
  /** The next page's URL (`Link: rel="next"`), from the answer or, on a 304 without one, from the cached page. */
  next?: string | undefined;
  /** True when `next` comes from the cache (a 304 that carried no Link header), so the list may have grown since. */
  nextFromCache?: boolean;
}

export interface PagedResult<T> {
  items: T[];
  /** Requests sent: one per page. */
  requests: number;
  /** Pages GitHub answered 304 (free of rate limit). */
  notModified: number;
}

interface Entry {
  etag: string;
  data: unknown;
  next: string | undefined;
}

/** A list longer than this many pages is cut there (10,000 items at 100 a page): a guard, not a limit to reach. */
const MAX_PAGES = 100;

/** Remembers the ETag and data of each GET (each page of a list apart), keyed by route, parameters and credential scope. */
export class EtagCache {
  readonly #entries: LRUCache<string, Entry>;

  /** Sized for a few requests per repository over thousands of repositories; each entry holds one page. */
  constructor(maxEntries = 50_000) {
    this.#entries = new LRUCache({ max: maxEntries });
  }

  async get<T>(
    request: GitHubRequest,
    route: string,
    parameters: Record<string, unknown> = {},
    scope = "",
  ): Promise<ConditionalResult<T>> {
    const key = `${scope} ${route} ${JSON.stringify(parameters)}`;
    const cached = this.#entries.get(key);
    try {
      const response = await request(route, {
        ...parameters,
        headers: cached ? { "if-none-match": cached.etag } : {},
      });
      const next = nextPageUrl(response.headers.link);
      const etag = response.headers.etag;
      if (typeof etag === "string") this.#remember(key, { etag, data: response.data, next });
      return { data: response.data as T, notModified: false, next };
    } catch (error) {
      if ((error as { status?: number }).status === 304 && cached) {
        // Recently used: an entry every cycle asks about must not be the one evicted.
        this.#remember(key, cached);
        const linkHeader = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers?.link;
        if (linkHeader === undefined) return { data: cached.data as T, notModified: true, next: cached.next, nextFromCache: true };
        return { data: cached.data as T, notModified: true, next: nextPageUrl(linkHeader) };
      }
      throw error;
    }
  }

  /**
   * Every page of a list, each asked for with its own If-None-Match, so an unchanged list costs only 304s.
   * Follows `Link: rel="next"`. A 304 that carries no Link header leaves only the cached one, which may be stale: a full
   * page then asks for the page after it too, so a list that grew behind an unchanged page is still read to its end.
   */
  async getPages<T>(
    request: GitHubRequest,
    route: string,
    parameters: Record<string, unknown>,
    scope: string,
    items: (data: unknown) => T[],
  ): Promise<PagedResult<T>> {
    const perPage = Number(parameters.per_page ?? 30);
    const result: PagedResult<T> = { items: [], requests: 0, notModified: 0 };
    let target: { route: string; parameters: Record<string, unknown> } = { route, parameters };
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.get<unknown>(request, target.route, target.parameters, scope);
      result.requests += 1;
      if (answer.notModified) result.notModified += 1;
      const pageItems = items(answer.data);
      result.items.push(...pageItems);
      if (answer.next) target = { route: `GET ${answer.next}`, parameters: {} };
      else if (answer.nextFromCache && pageItems.length >= perPage) target = { route, parameters: { ...parameters, page: page + 1 } };
      else break;
    }
    return result;
  }

  #remember(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
  }
}

/** The `rel="next"` target of a Link header, by a pattern that cannot backtrack (no nested or overlapping repeats). */
export function nextPageUrl(link: unknown): string | undefined {
  if (typeof link !== "string") return undefined;
  return /<([^<>]*)>\s*;\s*rel="next"/.exec(link)?.[1];
}
