import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { duckDuckGoSearchUrl, parseDuckDuckGoResults, unwrapDuckDuckGoUrl } from "../../../../src/skills/web-search/duckduckgo.js";

const page = readFileSync(new URL("../../../fixtures/duckduckgo-results.html", import.meta.url), "utf8");

describe("parseDuckDuckGoResults", () => {
  it("reads title, unwrapped URL and snippet of each organic result, in page order", () => {
    const results = parseDuckDuckGoResults(page);

    expect(results).toHaveLength(6);
    expect(results[0]).toEqual({
      title: "Mocking | Guide | Vitest",
      url: "https://vitest.dev/guide/mocking",
      snippet:
        'When writing tests it\'s only a matter of time before you need to create a "fake" version of an internal — or external — service. ' +
        "This is commonly referred to as mocking. Vitest provides utility functions to help you out through its vi helper.",
      source: "duckduckgo",
    });
    expect(results[1]).toMatchObject({
      title: "How to mock fetch in Vitest? - Stack Overflow",
      snippet: "I'm trying to mock the global fetch with vi.spyOn(global, 'fetch') & mockResolvedValue, but my component still calls the real API.",
    });
    expect(results.map((result) => result.url)).toEqual([
      "https://vitest.dev/guide/mocking",
      "https://stackoverflow.com/questions/72162098/how-to-mock-fetch-in-vitest",
      "https://mswjs.io/docs/integrations/node?utm_source=ddg&ref=search",
      "https://github.com/nock/nock",
      "https://developer.mozilla.org/en-US/docs/Web/API/Fetch_API",
      "https://blog.example.dev/vitest-fetch-mock-2024",
    ]);
  });

  it("skips ads and the same page listed twice", () => {
    const results = parseDuckDuckGoResults(page);
    expect(results.some((result) => /TestingTools|y\.js/.test(result.title + result.url))).toBe(false);
    expect(results.filter((result) => result.url === "https://vitest.dev/guide/mocking")).toHaveLength(1);
  });

  it("stops at maxResults", () => {
    expect(parseDuckDuckGoResults(page, 2)).toHaveLength(2);
  });

  it("finds nothing on a page without results, or on a page that is not DuckDuckGo's", () => {
    expect(parseDuckDuckGoResults(readFileSync(new URL("../../../fixtures/duckduckgo-no-results.html", import.meta.url), "utf8"))).toEqual([]);
    expect(parseDuckDuckGoResults("<html><body><p>maintenance</p></body></html>")).toEqual([]);
  });
});

describe("unwrapDuckDuckGoUrl", () => {
  it("decodes the uddg target of a redirect link", () => {
    expect(unwrapDuckDuckGoUrl("//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fa%3Fb%3D1%26c%3D2&rut=abc")).toBe("https://example.com/a?b=1&c=2");
    expect(unwrapDuckDuckGoUrl("https://duckduckgo.com/l/?uddg=http%3A%2F%2Fexample.org%2F")).toBe("http://example.org/");
  });

  it("keeps direct links and drops ads, internal links and non-web targets", () => {
    expect(unwrapDuckDuckGoUrl("https://github.com/nock/nock")).toBe("https://github.com/nock/nock");
    expect(unwrapDuckDuckGoUrl("https://duckduckgo.com/y.js?ad_domain=x.example&u3=https%3A%2F%2Fbing.com")).toBeUndefined();
    expect(unwrapDuckDuckGoUrl("/html/?q=more")).toBeUndefined();
    expect(unwrapDuckDuckGoUrl("//duckduckgo.com/l/?uddg=javascript%3Aalert(1)")).toBeUndefined();
    expect(unwrapDuckDuckGoUrl(undefined)).toBeUndefined();
  });
});

describe("duckDuckGoSearchUrl", () => {
  it("puts the query in q on DuckDuckGo's HTML endpoint or the one given", () => {
    expect(duckDuckGoSearchUrl("a b&c")).toBe("https://html.duckduckgo.com/html/?q=a+b%26c");
    expect(duckDuckGoSearchUrl("x", "http://127.0.0.1:4000")).toBe("http://127.0.0.1:4000/html/?q=x");
    expect(duckDuckGoSearchUrl("x", "http://127.0.0.1:4000/ddg/html")).toBe("http://127.0.0.1:4000/ddg/html?q=x");
  });
});
