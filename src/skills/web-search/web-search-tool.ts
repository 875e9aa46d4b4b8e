// The `web_search {query}` tool for the Architect: a short numbered list that says which source served it.
import { z } from "zod";
import { errorMessage } from "../../errors.js";
import { defineTool, type Tool } from "../../llm/tool.js";
import type { SearchResponse } from "./types.js";
import type { WebSearchSkill } from "./web-search-skill.js";

const SNIPPET_CHARS = 300;
const QUERY_PROBLEM = '"query" must be a non-empty string, e.g. {"query": "vitest mock fetch"}';

const webSearchSchema = z.object(
  {
    query: z.string(QUERY_PROBLEM).trim().min(1, QUERY_PROBLEM).describe("What to search for, as you would type it into a search engine."),
  },
  { error: QUERY_PROBLEM },
);

export function webSearchTool(skill: Pick<WebSearchSkill, "search">): Tool {
  return defineTool({
    name: "web_search",
    description:
      "Search the web (Tavily, or DuckDuckGo without a key) for documentation, error messages or library usage. " +
      "Answers with up to 5 results: title, URL and snippet.",
    schema: webSearchSchema,
    readOnly: true,
    example: '{"query": "what to search for"}',
    async run({ query }) {
      try {
        return formatSearchResponse(query, await skill.search(query));
      } catch (error) {
        return `Error: web search failed: ${errorMessage(error)}. Try again later or go on without it.`;
      }
    },
  });
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

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
