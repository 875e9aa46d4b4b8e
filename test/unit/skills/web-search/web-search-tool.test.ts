import { describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import type { SearchResponse } from "../../../../src/skills/web-search/types.js";
import { webSearchTool } from "../../../../src/skills/web-search/web-search-tool.js";

function toolAnswering(answer: SearchResponse | Error) {
  const queries: string[] = [];
  const tool = webSearchTool({
    search: (query: string) => {
      queries.push(query);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  });
  return { tool, queries };
}

const tavily: SearchResponse = {
  source: "tavily",
  answer: "Use vi.stubGlobal.",
  results: [
    { title: "Mocking | Vitest", url: "https://vitest.dev/guide/mocking", snippet: "Vitest provides utility functions.", source: "tavily" },
    { title: "nock", url: "https://github.com/nock/nock", snippet: "s".repeat(400), source: "tavily" },
  ],
};

describe("webSearchTool", () => {
  it("is the web_search tool of the LLM protocol", () => {
    const { tool } = toolAnswering(tavily);
    expect(tool.name).toBe("web_search");
    expect(tool.parameters).toEqual({
      type: "object",
      properties: { query: { type: "string", description: expect.any(String) } },
      required: ["query"],
      additionalProperties: false,
    });
  });

  it("answers a short numbered list with the answer and the source", async () => {
    const { tool, queries } = toolAnswering(tavily);
    const text = await tool.run('{"query":" vitest mock fetch "}');
    expect(queries).toEqual(["vitest mock fetch"]);
    expect(text).toBe(
      [
        "Answer: Use vi.stubGlobal.",
        "",
        "1. Mocking | Vitest",
        "   https://vitest.dev/guide/mocking",
        "   Vitest provides utility functions.",
        "2. nock",
        "   https://github.com/nock/nock",
        `   ${"s".repeat(299)}…`,
        "source: tavily",
      ].join("\n"),
    );
  });

  it("says why DuckDuckGo served it, and when nothing was found", async () => {
    const { tool } = toolAnswering({ source: "duckduckgo", results: [], fallbackReason: "Tavily failed: Tavily answered 401" });
    expect(await tool.run('{"query":"qzxv9"}')).toBe('No results for "qzxv9".\nsource: duckduckgo (Tavily failed: Tavily answered 401)');
  });

  it("answers Error: text for bad arguments and failures, never throwing", async () => {
    const { tool, queries } = toolAnswering(new VenomError("transient", "DuckDuckGo answered 503"));
    expect(await tool.run("not json")).toMatch(/^Error: arguments are not JSON/);
    expect(await tool.run('{"query":""}')).toMatch(/^Error: "query" must be a non-empty string/);
    expect(await tool.run('{"q":"x"}')).toMatch(/^Error: "query" must be a non-empty string/);
    expect(await tool.run("[]")).toMatch(/^Error: "query"/);
    expect(queries).toEqual([]);
    expect(await tool.run('{"query":"x"}')).toBe("Error: web search failed: DuckDuckGo answered 503. Try again later or go on without it.");
  });
});
