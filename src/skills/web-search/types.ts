// The shapes web search answers with, shared by the providers, the skill and its tool.

/** Who served a search: Tavily when keyed and healthy, DuckDuckGo otherwise. */
export type SearchSource = "tavily" | "duckduckgo";

/** What a request goes to, so a traffic layer can limit and count each apart (`web` is any page read). */
export type WebProvider = SearchSource | "web";

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
  source: SearchSource;
}

export interface SearchResponse {
  source: SearchSource;
  /** Tavily's generated answer, when it gave one. */
  answer?: string;
  results: SearchResult[];
  /** Why DuckDuckGo served a search although Tavily is configured. */
  fallbackReason?: string;
}

export interface PageText {
  url: string;
  title: string;
  text: string;
}
