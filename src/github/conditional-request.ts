// GET with If-None-Match: an unchanged answer is a 304, which GitHub does not count against the rate limit.

/** The subset of Octokit's `request` this needs. */
export type GitHubRequest = (
  route: string,
  parameters?: Record<string, unknown>,
) => Promise<{ status: number; data: unknown; headers: Record<string, string | number | undefined> }>;

export interface ConditionalResult<T> {
  data: T;
  /** True when GitHub answered 304 and the cached data was reused. */
  notModified: boolean;
}

/** Remembers the ETag and data of each GET, keyed by route, parameters and credential scope. */
export class EtagCache {
  readonly #entries = new Map<string, { etag: string; data: unknown }>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
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
      const etag = response.headers.etag;
      if (typeof etag === "string") {
        this.#entries.delete(key);
        this.#entries.set(key, { etag, data: response.data });
        if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
      }
      return { data: response.data as T, notModified: false };
    } catch (error) {
      if ((error as { status?: number }).status === 304 && cached) {
        return { data: cached.data as T, notModified: true };
      }
      throw error;
    }
  }
}
