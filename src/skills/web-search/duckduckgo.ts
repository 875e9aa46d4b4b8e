// DuckDuckGo's keyless HTML results page: fetched over the injected fetch and parsed with a real HTML parser.
import { parseHtml } from "./html-parser.js";
import { transientError } from "../../errors.js";
import { httpError, oneLine, requestText } from "./fetch-text.js";
import type { SearchResult } from "./types.js";

export const DUCKDUCKGO_HTML_URL = "https://html.duckduckgo.com/html/";

// The HTML endpoint turns some clients away; a browser-like agent is what it expects.
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

export interface DuckDuckGoSearchOptions {
  /** The results page endpoint (default {@link DUCKDUCKGO_HTML_URL}); a bare origin gets `/html/`. */
  url?: string;
  fetch: typeof fetch;
  maxResults: number;
  timeoutMs: number;
}

export async function duckDuckGoSearch(query: string, options: DuckDuckGoSearchOptions): Promise<SearchResult[]> {
  const response = await requestText({
    fetch: options.fetch,
    url: duckDuckGoSearchUrl(query, options.url),
    init: { headers: { "user-agent": USER_AGENT, accept: "text/html", "accept-language": "en-US,en;q=0.8" } },
    service: "DuckDuckGo",
    timeoutMs: options.timeoutMs,
    maxBytes: 3_000_000,
  });
  if (isBotCheck(response.text)) {
    throw transientError("DuckDuckGo answered with a bot check (too many searches from this address); try again later");
  }
  if (!response.ok) throw httpError("DuckDuckGo", response.status);
  return parseDuckDuckGoResults(response.text, options.maxResults);
}

export function duckDuckGoSearchUrl(query: string, endpoint: string = DUCKDUCKGO_HTML_URL): string {
  const url = new URL(endpoint);
  if (url.pathname === "/") url.pathname = "/html/";
  url.searchParams.set("q", query);
  return url.href;
}

/** Organic results in page order, ads and duplicates left out, DuckDuckGo's redirect links unwrapped. */
export function parseDuckDuckGoResults(html: string, maxResults: number = Number.POSITIVE_INFINITY): SearchResult[] {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  for (const block of parseHtml(html).querySelectorAll("div.result")) {
    if (results.length >= maxResults) break;
    if (block.classList.contains("result--ad")) continue;
    const link = block.querySelector("a.result__a");
    const url = unwrapDuckDuckGoUrl(link?.getAttribute("href"));
    if (!link || !url || seen.has(url)) continue;
    seen.add(url);
    results.push({
      title: oneLine(link.text, 300) || url,
      url,
      snippet: oneLine(block.querySelector(".result__snippet")?.text ?? "", 500),
      source: "duckduckgo",
    });
  }
  return results;
}

/**
 * The page a result link leads to: `//duckduckgo.com/l/?uddg=<encoded>&rut=…` gives its `uddg`, a direct http(s)
 * link is kept, anything else on duckduckgo.com (ads go through `/y.js`) is not a result.
 */
export function unwrapDuckDuckGoUrl(href: string | undefined): string | undefined {
  if (!href) return undefined;
  let url: URL;
  try {
    url = new URL(href, DUCKDUCKGO_HTML_URL);
  } catch {
    return undefined;
  }
  if (url.hostname === "duckduckgo.com" || url.hostname.endsWith(".duckduckgo.com")) {
    const target = url.pathname === "/l/" ? url.searchParams.get("uddg") : null;
    return target && isWebUrl(target) ? target : undefined;
  }
  return isWebUrl(url.href) ? url.href : undefined;
}

function isWebUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

// The "anomaly" page DuckDuckGo serves (often with 202) instead of results when it suspects a bot.
function isBotCheck(html: string): boolean {
  return html.includes("anomaly-modal") || html.includes('id="challenge-form"');
}
