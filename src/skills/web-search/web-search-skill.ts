// Web search for the Architect and the CLI: Tavily when keyed, DuckDuckGo otherwise or when Tavily fails, and
// page reading with the text capped per page and per search. Every request goes through the injected fetch.
import type { Logger } from "pino";
import { VenomError, errorMessage, permanentError } from "../../errors.js";
import { createMasker } from "../../log.js";
import { DUCKDUCKGO_HTML_URL, duckDuckGoSearch } from "./duckduckgo.js";
import { httpError, requestText, type TextResponse } from "./fetch-text.js";
import { assertPublicHost } from "./public-address.js";
import { PAGE_TEXT_LIMIT, SEARCH_TEXT_LIMIT, capText, readableText, tidy } from "./readable-text.js";
import { TAVILY_API_BASE, tavilySearch } from "./tavily.js";
import type { ConnectionStatus } from "../integration.js";
import type { PageText, SearchResponse, WebProvider } from "./types.js";

export interface WebSearchSkillOptions {
  /** `TAVILY_API_KEY`: Tavily serves searches when set. */
  tavilyApiKey?: string;
  /** `TAVILY_BASE_URL`: Tavily's API base (default https://api.tavily.com). */
  tavilyBaseUrl?: string;
  /** `VENOM_DDG_URL`: DuckDuckGo's HTML endpoint (default https://html.duckduckgo.com/html/). */
  ddgUrl?: string;
  /** Every request goes through it (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /**
   * A fetch per provider, e.g. `(provider) => traffic.fetchFor(provider)`, so Tavily, DuckDuckGo and page reads
   * are limited and counted apart (one open breaker must not stop the fallback). Wins over `fetch`.
   */
  fetchFor?: (provider: WebProvider) => typeof fetch;
  log: Logger;
  /** Results per search (default 5, at most 20). */
  maxResults?: number;
  /** Milliseconds before one search request gives up (default 20 s). */
  timeoutMs?: number;
  /**
   * Throws when a page's host may not be read, checked before the first request and every redirect
   * (default: public internet addresses only, resolved with the system resolver).
   */
  checkPageHost?: (url: URL) => Promise<void>;
}

export interface SearchWithPages extends SearchResponse {
  /** Readable text of the top results, in result order; pages that failed or had no text are left out. */
  pages: PageText[];
}

const SEARCH_TIMEOUT_MS = 20_000;
const PAGE_TIMEOUT_MS = 15_000;
const PAGE_MAX_BYTES = 2_000_000;
// Longer queries are not searches; Tavily refuses them past 400 characters.
const MAX_QUERY_CHARS = 400;
const PROBE_QUERY = "venom integrator";
const PAGE_USER_AGENT = "Mozilla/5.0 (compatible; VenomIntegrator/0.1; +https://github.com/apps)";
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class WebSearchSkill {
  readonly #tavilyApiKey: string | undefined;
  readonly #tavilyBaseUrl: string;
  readonly #ddgUrl: string;
  readonly #fetchFor: (provider: WebProvider) => typeof fetch;
  readonly #log: Logger;
  readonly #maxResults: number;
  readonly #timeoutMs: number;
  readonly #mask: (text: string) => string;
  readonly #checkPageHost: (url: URL) => Promise<void>;

  constructor(options: WebSearchSkillOptions) {
    this.#tavilyApiKey = options.tavilyApiKey || undefined;
    this.#tavilyBaseUrl = options.tavilyBaseUrl ?? TAVILY_API_BASE;
    this.#ddgUrl = options.ddgUrl ?? DUCKDUCKGO_HTML_URL;
    const shared = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#fetchFor = options.fetchFor ?? (() => shared);
    this.#log = options.log.child({ skill: "web-search" });
    this.#maxResults = Math.min(20, Math.max(1, Math.floor(options.maxResults ?? 5)));
    this.#timeoutMs = options.timeoutMs ?? SEARCH_TIMEOUT_MS;
    this.#mask = createMasker(this.#tavilyApiKey ? [this.#tavilyApiKey] : []);
    this.#checkPageHost = options.checkPageHost ?? ((url) => assertPublicHost(url));
  }

  /** Whether searches go to Tavily first. */
  get tavilyConfigured(): boolean {
    return this.#tavilyApiKey !== undefined;
  }

  /** Top results for `query`, saying which source served them; throws a VenomError when no source could. */
  async search(query: string): Promise<SearchResponse> {
    const text = searchQuery(query);
    let fallbackReason: string | undefined;
    if (this.#tavilyApiKey) {
      try {
        const { answer, results } = await tavilySearch(text, this.#tavilyOptions(this.#tavilyApiKey, this.#maxResults, true));
        this.#log.debug({ source: "tavily", results: results.length }, "web search served");
        return { source: "tavily", ...(answer ? { answer } : {}), results };
      } catch (error) {
        fallbackReason = `Tavily failed: ${this.#mask(errorMessage(error))}`;
        this.#log.warn({ reason: fallbackReason }, "web search: Tavily failed, falling back to DuckDuckGo");
      }
    }
    try {
      const results = await duckDuckGoSearch(text, this.#duckDuckGoOptions(this.#maxResults));
      this.#log.debug({ source: "duckduckgo", results: results.length }, "web search served");
      return { source: "duckduckgo", results, ...(fallbackReason ? { fallbackReason } : {}) };
    } catch (error) {
      if (!fallbackReason) throw error;
      throw new VenomError(error instanceof VenomError ? error.kind : "transient", `${errorMessage(error)} (${fallbackReason})`, {
        cause: error,
        ...(error instanceof VenomError && error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      });
    }
  }

  /** A page's readable text (scripts, styles and navigation stripped), at most 8,000 characters. */
  async fetchPage(url: string): Promise<string> {
    return (await this.#readPage(url, PAGE_TEXT_LIMIT)).text;
  }

  /** A search plus the readable text of its top `pages` results: 8,000 characters a page, 20,000 in all. */
  async searchAndRead(query: string, options: { pages?: number } = {}): Promise<SearchWithPages> {
    const response = await this.search(query);
    const targets = response.results.slice(0, Math.max(0, options.pages ?? 3));
    const read = await Promise.all(
      targets.map((result) =>
        this.#readPage(result.url, PAGE_TEXT_LIMIT).then(
          (page) => ({ ...page, title: page.title || result.title }),
          (error: unknown) => {
            this.#log.debug({ url: result.url, reason: errorMessage(error) }, "web search: page not read");
            return undefined;
          },
        ),
      ),
    );
    const pages: PageText[] = [];
    let budget = SEARCH_TEXT_LIMIT;
    for (const page of read) {
      if (!page?.text || budget <= 0) continue;
      const text = capText(page.text, Math.min(PAGE_TEXT_LIMIT, budget));
      budget -= text.length;
      pages.push({ ...page, text });
    }
    return { ...response, pages };
  }

  /** A one-result live search on each configured source; never throws. */
  async checkConnection(): Promise<ConnectionStatus> {
    let tavilyProblem: string | undefined;
    if (this.#tavilyApiKey) {
      try {
        await tavilySearch(PROBE_QUERY, this.#tavilyOptions(this.#tavilyApiKey, 1, false));
        return { configured: true, connected: true, detail: "Tavily answered; DuckDuckGo is the fallback" };
      } catch (error) {
        tavilyProblem = `Tavily failed: ${this.#mask(errorMessage(error))}`;
      }
    }
    try {
      await duckDuckGoSearch(PROBE_QUERY, this.#duckDuckGoOptions(1));
      const detail = tavilyProblem
        ? `${tavilyProblem}; searches fall back to DuckDuckGo, which answered`
        : "DuckDuckGo answered (no TAVILY_API_KEY, so Tavily is not used)";
      return { configured: true, connected: true, detail };
    } catch (error) {
      const duckDuckGoProblem = `DuckDuckGo failed: ${this.#mask(errorMessage(error))}`;
      return { configured: true, connected: false, detail: tavilyProblem ? `${tavilyProblem}; ${duckDuckGoProblem}` : duckDuckGoProblem };
    }
  }

  async #readPage(url: string, maxChars: number): Promise<PageText> {
    const { response, site } = await this.#requestPage(webUrl(url));
    if (!response.ok) throw httpError(site, response.status);
    const type = response.contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
    if (type === "text/html" || type === "application/xhtml+xml" || (type === "" && /<html[\s>]/i.test(response.text))) {
      const { title, text } = readableText(response.text);
      return { url: response.url, title, text: capText(text, maxChars) };
    }
    if (type === "" || type.startsWith("text/") || /[/+](json|xml)$/.test(type)) {
      return { url: response.url, title: "", text: capText(tidy(response.text), maxChars) };
    }
    throw permanentError(`${site} sent ${type}, which is not a text page`);
  }

  /** Requests a page, following redirects by hand so each hop's host is checked before it is contacted. */
  async #requestPage(first: URL): Promise<{ response: TextResponse; site: string }> {
    let target = first;
    for (let hop = 0; ; hop += 1) {
      await this.#checkPageHost(target);
      const site = target.host;
      const response = await requestText({
        fetch: this.#fetchFor("web"),
        url: target.href,
        init: {
          headers: { "user-agent": PAGE_USER_AGENT, accept: "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5" },
          redirect: "manual",
        },
        service: site,
        timeoutMs: PAGE_TIMEOUT_MS,
        maxBytes: PAGE_MAX_BYTES,
      });
      if (!REDIRECT_STATUSES.has(response.status) || !response.location) return { response, site };
      if (hop >= MAX_REDIRECTS) throw permanentError(`${site} redirected more than ${MAX_REDIRECTS} times; read the final page's URL directly.`);
      target = webUrl(new URL(response.location, target).href);
    }
  }

  #tavilyOptions(apiKey: string, maxResults: number, includeAnswer: boolean) {
    return { apiKey, baseUrl: this.#tavilyBaseUrl, fetch: this.#fetchFor("tavily"), maxResults, includeAnswer, timeoutMs: this.#timeoutMs };
  }

  #duckDuckGoOptions(maxResults: number) {
    return { url: this.#ddgUrl, fetch: this.#fetchFor("duckduckgo"), maxResults, timeoutMs: this.#timeoutMs };
  }
}

function searchQuery(query: string): string {
  const text = query.replace(/\s+/g, " ").trim();
  if (!text) throw new VenomError("user", "The search query is empty: say what to search for.");
  return text.slice(0, MAX_QUERY_CHARS);
}

function webUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new VenomError("user", `Not a URL: ${JSON.stringify(raw)} (expected an absolute http(s) URL).`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new VenomError("user", `Only http(s) pages can be read, not ${url.protocol} URLs.`);
  }
  return url;
}
