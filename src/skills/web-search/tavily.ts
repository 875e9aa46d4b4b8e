// Tavily's search API, called over the injected fetch. Not through @tavily/core: its transport is axios, which
// cannot take a custom fetch, so its calls would bypass the traffic layer (limits, breaker, counters).
import * as z from "zod/mini";
import { permanentError } from "../../errors.js";
import { httpError, oneLine, requestText } from "./fetch-text.js";
import type { SearchResult } from "./types.js";

export const TAVILY_API_BASE = "https://api.tavily.com";

export interface TavilySearchOptions {
  apiKey: string;
  /** API base without `/search` (default {@link TAVILY_API_BASE}). */
  baseUrl?: string;
  fetch: typeof fetch;
  maxResults: number;
  includeAnswer: boolean;
  timeoutMs: number;
}

// The fields of Tavily's answer we use: `{query, answer, results: [{title, url, content, score, raw_content}], response_time}`.
const tavilyResponse = z.object({
  answer: z.nullish(z.string()),
  results: z.array(
    z.object({
      title: z.nullish(z.string()),
      url: z.string(),
      content: z.nullish(z.string()),
    }),
  ),
});

// Tavily's errors: `{"detail": {"error": "..."}}`.
const tavilyError = z.object({ detail: z.object({ error: z.string() }) });

export async function tavilySearch(
  query: string,
  options: TavilySearchOptions,
): Promise<{ answer?: string; results: SearchResult[] }> {
  const response = await requestText({
    fetch: options.fetch,
    url: `${(options.baseUrl ?? TAVILY_API_BASE).replace(/\/+$/, "")}/search`,
    init: {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${options.apiKey}`,
        "x-client-source": "venom-integrator",
      },
      body: JSON.stringify({ query, max_results: options.maxResults, include_answer: options.includeAnswer }),
    },
    service: "Tavily",
    timeoutMs: options.timeoutMs,
    maxBytes: 2_000_000,
  });
  if (!response.ok) throw httpError("Tavily", response.status, errorDetail(response.text));

  const parsed = tavilyResponse.safeParse(parseJson(response.text));
  if (!parsed.success) throw permanentError("Tavily answered with an unexpected body (no results list)");
  const answer = parsed.data.answer?.trim();
  return {
    ...(answer ? { answer } : {}),
    results: parsed.data.results.slice(0, options.maxResults).map((result) => ({
      title: oneLine(result.title ?? "", 300) || result.url,
      url: result.url,
      snippet: oneLine(result.content ?? "", 500),
      source: "tavily" as const,
    })),
  };
}

function errorDetail(body: string): string {
  const parsed = tavilyError.safeParse(parseJson(body));
  return parsed.success ? parsed.data.detail.error : body;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
