// The `web_search {query}` tool for the Architect: a short numbered list that says which source served it.
import { errorMessage } from "../../errors.js";
import type { LoopTool } from "../../llm/tool-loop.js";
import type { SearchResponse } from "./types.js";
import type { WebSearchSkill } from "./web-search-skill.js";

const SNIPPET_CHARS = 300;

export function webSearchTool(skill: Pick<WebSearchSkill, "search">): LoopTool {
  return {
    name: "web_search",
    description:
      "Search the web (Tavily, or DuckDuckGo without a key) for documentation, error messages or library usage. " +
      "Answers with up to 5 results: title, URL and snippet.",
    parameters: {
      type: "object",
      properties: { query: { type: "string", description: "What to search for, as you would type it into a search engine." } },
      required: ["query"],
      additionalProperties: false,
    },
    async run(rawArguments: string): Promise<string> {
      const query = parseQuery(rawArguments);
      if (query instanceof Error) return `Error: ${query.message}`;
      try {
        return formatSearchResponse(query, await skill.search(query));
      } catch (error) {
        return `Error: web search failed: ${errorMessage(error)}. Try again later or go on without it.`;
      }
    },
  };
}

export function formatSearchResponse(query: string, response: SearchResponse): string {
  const source = `source: ${response.source}${response.fallbackReason ? ` (${response.fallbackReason})` : ""}`;
  if (response.results.length === 0 && !response.answer) return `No results for ${JSON.stringify(query)}.\n${source}`;
  const lines: string[] = [];
  if (response.answer) lines.push(`Answer: ${response.answer}`, "");
  if (response.results.length === 0) lines.push(`No results for ${JSON.stringify(query)}.`);
  response.results.forEach((result, index) => {
    lines.push(`${index + 1}. ${result.title}`, `   ${result.url}`);
    if (result.snippet) lines.push(`   ${clip(result.snippet, SNIPPET_CHARS)}`);
  });
  lines.push(source);
  return lines.join("\n");
}

function parseQuery(rawArguments: string): string | Error {
  let value: unknown;
  try {
    value = JSON.parse(rawArguments || "{}");
  } catch {
    return new Error('arguments are not JSON; call web_search with {"query": "what to search for"}');
  }
  const query = typeof value === "object" && value !== null ? (value as { query?: unknown }).query : undefined;
  if (typeof query !== "string" || !query.trim()) {
    return new Error('"query" must be a non-empty string, e.g. {"query": "vitest mock fetch"}');
  }
  return query.trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
