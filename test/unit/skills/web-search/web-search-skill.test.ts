import { readFileSync } from "node:fs";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import type { WebProvider } from "../../../../src/skills/web-search/types.js";
import { WebSearchSkill, type WebSearchSkillOptions } from "../../../../src/skills/web-search/web-search-skill.js";
import { closedOrigin, NockProvider } from "../nock-provider.js";

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), "utf8");
const ddgPage = fixture("duckduckgo-results.html");
const tavilyAnswer = JSON.parse(fixture("tavily-search.json")) as Record<string, unknown>;
const log = pino({ level: "silent" });
const API_KEY = "tvly-dev-0123456789abcdefghijKLMNOP";

// Tavily, DuckDuckGo and web pages, played by nock at one made-up origin.
let server: NockProvider;

beforeAll(() => {
  server = NockProvider.start();
});
afterAll(() => {
  server.stop();
});
beforeEach(() => {
  server.reset();
  server.on("GET", "/html/", { body: ddgPage });
});

function skill(options: Partial<WebSearchSkillOptions> = {}): WebSearchSkill {
  // Page reads check the host's addresses (see page-address.test.ts); the made-up origin has none.
  const anyHost = () => Promise.resolve();
  return new WebSearchSkill({ tavilyBaseUrl: server.origin, ddgUrl: `${server.origin}/html/`, log, checkPageHost: anyHost, ...options });
}

describe("WebSearchSkill.search with Tavily", () => {
  it("asks Tavily for an answer and 5 results and reports tavily as the source", async () => {
    server.on("POST", "/search", { body: tavilyAnswer });

    const response = await skill({ tavilyApiKey: API_KEY }).search("  vitest   mock fetch ");

    const [request] = server.requestsTo("/search");
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers["content-type"]).toMatch(/application\/json/);
    expect(JSON.parse(request?.body ?? "")).toEqual({ query: "vitest mock fetch", max_results: 5, include_answer: true });
    expect(response.source).toBe("tavily");
    expect(response.answer).toMatch(/^In Vitest, replace the global fetch/);
    expect(response.fallbackReason).toBeUndefined();
    expect(response.results).toHaveLength(3);
    expect(response.results[0]).toEqual({
      title: "Mocking | Guide | Vitest",
      url: "https://vitest.dev/guide/mocking",
      snippet: expect.stringMatching(/^When writing tests it's only a matter of time/),
      source: "tavily",
    });
    expect(server.requestsTo("/html/")).toHaveLength(0);
  });

  it.each([
    [500, { detail: { error: "Internal Server Error" } }, /Tavily failed: Tavily answered 500: Internal Server Error/],
    [401, { detail: { error: "Unauthorized: missing or invalid API key." } }, /Tavily failed: Tavily answered 401: Unauthorized: missing or invalid API key\./],
    [432, { detail: { error: "This request exceeds your plan's set usage limit." } }, /Tavily answered 432/],
  ])("falls back to DuckDuckGo when Tavily answers %i", async (status, body, reason) => {
    server.on("POST", "/search", { status, body });

    const response = await skill({ tavilyApiKey: API_KEY }).search("vitest mock fetch");

    expect(response.source).toBe("duckduckgo");
    expect(response.fallbackReason).toMatch(reason);
    expect(response.answer).toBeUndefined();
    expect(response.results.map((result) => result.source)).toEqual(Array(5).fill("duckduckgo"));
    expect(server.requestsTo("/html/")[0]?.query.get("q")).toBe("vitest mock fetch");
  });

  it("falls back when Tavily is unreachable or answers with a body it cannot use", async () => {
    const unreachable = await skill({ tavilyApiKey: API_KEY, tavilyBaseUrl: await closedOrigin() }).search("vitest");
    expect(unreachable.source).toBe("duckduckgo");
    expect(unreachable.fallbackReason).toMatch(/^Tavily failed: Tavily request failed: fetch failed: .*ECONNREFUSED/);

    server.on("POST", "/search", { body: "<html>gateway</html>" });
    const garbled = await skill({ tavilyApiKey: API_KEY }).search("vitest");
    expect(garbled.source).toBe("duckduckgo");
    expect(garbled.fallbackReason).toMatch(/unexpected body/);
  });

  it("never lets the API key into the fallback reason", async () => {
    server.on("POST", "/search", { status: 401, body: { detail: { error: `Invalid API key: ${API_KEY}` } } });
    const response = await skill({ tavilyApiKey: API_KEY }).search("vitest");
    expect(response.fallbackReason).not.toContain(API_KEY);
    expect(response.fallbackReason).toContain("tvly...MNOP");
  });

  it("throws one error naming both failures when DuckDuckGo fails too", async () => {
    server.on("POST", "/search", { status: 500, body: { detail: { error: "down" } } });
    server.on("GET", "/html/", { status: 503, body: "Service Unavailable" });

    const error = await skill({ tavilyApiKey: API_KEY })
      .search("vitest")
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("transient");
    expect((error as Error).message).toBe("DuckDuckGo answered 503 (Tavily failed: Tavily answered 500: down)");
  });
});

describe("WebSearchSkill.search with DuckDuckGo", () => {
  it("is used without a key, with the query in q and Tavily never asked", async () => {
    const response = await skill().search("vitest mock fetch");

    expect(server.requestsTo("/search")).toHaveLength(0);
    const [request] = server.requestsTo("/html/");
    expect(request?.method).toBe("GET");
    expect(request?.query.get("q")).toBe("vitest mock fetch");
    expect(request?.headers["user-agent"]).toMatch(/^Mozilla\/5\.0/);
    expect(response).toMatchObject({ source: "duckduckgo" });
    expect(response.fallbackReason).toBeUndefined();
    expect(response.results.map((result) => result.url)).toEqual([
      "https://vitest.dev/guide/mocking",
      "https://stackoverflow.com/questions/72162098/how-to-mock-fetch-in-vitest",
      "https://mswjs.io/docs/integrations/node?utm_source=ddg&ref=search",
      "https://github.com/nock/nock",
      "https://developer.mozilla.org/en-US/docs/Web/API/Fetch_API",
    ]);
  });

  it("takes a bare origin as VENOM_DDG_URL and asks its /html/ page", async () => {
    await skill({ ddgUrl: server.origin }).search("vitest");
    expect(server.requestsTo("/html/")).toHaveLength(1);
  });

  it("honours maxResults", async () => {
    const response = await skill({ maxResults: 2 }).search("vitest");
    expect(response.results).toHaveLength(2);
  });

  it("answers an empty list when DuckDuckGo finds nothing", async () => {
    server.on("GET", "/html/", { body: fixture("duckduckgo-no-results.html") });
    expect(await skill().search("qzxv9 nonexistent venom term")).toEqual({ source: "duckduckgo", results: [] });
  });

  it("says so when DuckDuckGo answers with its bot check", async () => {
    server.on("GET", "/html/", { status: 202, body: fixture("duckduckgo-anomaly.html") });
    const error = await skill()
      .search("vitest")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("transient");
    expect((error as Error).message).toMatch(/^DuckDuckGo answered with a bot check/);
  });

  it("refuses an empty query as the user's mistake, without a request", async () => {
    await expect(skill().search("   ")).rejects.toMatchObject({ kind: "user", message: expect.stringMatching(/query is empty/) });
    expect(server.requests).toHaveLength(0);
  });

  it("gives up after the timeout", async () => {
    server.on("GET", "/html/", () => new Promise(() => undefined));
    await expect(skill({ timeoutMs: 200 }).search("vitest")).rejects.toThrow("DuckDuckGo timed out after 0.2 s");
  });
});

describe("the injected fetch", () => {
  it("carries every request: Tavily, DuckDuckGo and pages", async () => {
    server.on("POST", "/search", { status: 500, body: {} });
    server.on("GET", "/page", { body: "<html><body><p>hello</p></body></html>" });
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(String(input));
      return globalThis.fetch(input, init);
    };
    const web = skill({ tavilyApiKey: API_KEY, fetch: counting });
    await web.search("vitest");
    await web.fetchPage(`${server.origin}/page`);
    expect(seen).toEqual([`${server.origin}/search`, `${server.origin}/html/?q=vitest`, `${server.origin}/page`]);
  });

  it("can be one per provider, so Tavily's troubles do not stop the fallback", async () => {
    server.on("GET", "/page", { body: "<p>hello</p>" });
    const providers: WebProvider[] = [];
    const fetchFor = (provider: WebProvider): typeof fetch =>
      provider === "tavily"
        ? () => Promise.reject(new VenomError("transient", "tavily breaker is open"))
        : (input, init) => {
            providers.push(provider);
            return globalThis.fetch(input, init);
          };
    const web = skill({ tavilyApiKey: API_KEY, fetchFor });

    const response = await web.search("vitest");
    await web.fetchPage(`${server.origin}/page`);

    expect(response.fallbackReason).toBe("Tavily failed: tavily breaker is open");
    expect(providers).toEqual(["duckduckgo", "web"]);
  });
});

describe("WebSearchSkill.fetchPage", () => {
  const article = (words: number) =>
    `<!doctype html><html><head><title>Guide</title><style>body { color: red }</style>
     <script>window.tracking = "SCRIPT_TEXT";</script></head>
     <body><header><a href="/">Home</a> <a href="/docs">Docs</a></header>
     <nav><ul><li>NAV_LINK one</li><li>NAV_LINK two</li></ul></nav>
     <main><article><header><h1>Mocking fetch</h1></header>
       <p>First paragraph &amp; more.</p>
       <p>${"word ".repeat(words)}</p>
       <noscript>NOSCRIPT_TEXT</noscript>
     </article></main>
     <aside>ASIDE_TEXT</aside><footer>FOOTER_TEXT © 2024</footer></body></html>`;

  it("answers the readable text: no scripts, styles, navigation or site chrome", async () => {
    server.on("GET", "/guide", { body: article(50) });

    const text = await skill().fetchPage(`${server.origin}/guide`);

    expect(text).toMatch(/^Mocking fetch\nFirst paragraph & more\.\nword word/);
    for (const hidden of ["SCRIPT_TEXT", "color: red", "NAV_LINK", "Home", "NOSCRIPT_TEXT", "ASIDE_TEXT", "FOOTER_TEXT"]) {
      expect(text).not.toContain(hidden);
    }
  });

  it("keeps at most 8,000 characters of a page", async () => {
    server.on("GET", "/long", { body: article(5_000) });
    const text = await skill().fetchPage(`${server.origin}/long`);
    expect(text.length).toBeLessThanOrEqual(8_000);
    expect(text.length).toBeGreaterThan(7_900);
    expect(text.endsWith("\n[truncated]")).toBe(true);
  });

  it("reads plain text and JSON as they are, decoded with the declared charset", async () => {
    server.on("GET", "/notes.txt", { headers: { "content-type": "text/plain; charset=iso-8859-1" }, body: Buffer.from("caf\xe9  au   lait\n\n\n\nend", "latin1") });
    expect(await skill().fetchPage(`${server.origin}/notes.txt`)).toBe("café au lait\n\nend");
  });

  it("refuses pages that are not text, error statuses and non-http URLs", async () => {
    server.on("GET", "/file.pdf", { headers: { "content-type": "application/pdf" }, body: Buffer.from("%PDF-1.7") });
    server.on("GET", "/gone", { status: 404, body: "<h1>Not Found</h1>" });
    const web = skill();
    await expect(web.fetchPage(`${server.origin}/file.pdf`)).rejects.toThrow(/sent application\/pdf, which is not a text page/);
    await expect(web.fetchPage(`${server.origin}/gone`)).rejects.toMatchObject({ kind: "permanent", message: expect.stringMatching(/answered 404$/) });
    await expect(web.fetchPage("file:///etc/passwd")).rejects.toMatchObject({ kind: "user" });
    await expect(web.fetchPage("not a url")).rejects.toMatchObject({ kind: "user" });
  });
});

describe("WebSearchSkill.searchAndRead", () => {
  it("reads the top pages: 8,000 characters a page and 20,000 in all", async () => {
    const pages = ["a", "b", "c", "d"];
    server.on("POST", "/search", {
      body: {
        query: "q",
        answer: null,
        results: pages.map((name) => ({ title: `Page ${name}`, url: `${server.origin}/p/${name}`, content: name, score: 0.5, raw_content: null })),
        response_time: 0.4,
      },
    });
    for (const name of pages) server.on("GET", `/p/${name}`, { body: `<html><body><p>${`${name}${name} `.repeat(5_000)}</p></body></html>` });

    const response = await skill({ tavilyApiKey: API_KEY }).searchAndRead("q", { pages: 4 });

    expect(response.source).toBe("tavily");
    const lengths = response.pages.map((page) => page.text.length);
    expect(lengths).toEqual([8_000, 8_000, 4_000]);
    expect(lengths.reduce((sum, length) => sum + length, 0)).toBeLessThanOrEqual(20_000);
    expect(response.pages.map((page) => page.title)).toEqual(["Page a", "Page b", "Page c"]);
  });

  it("leaves out pages that cannot be read", async () => {
    server.on("GET", "/html/", {
      body: `<div class="result"><a class="result__a" href="${server.origin}/ok">OK</a></div>
             <div class="result"><a class="result__a" href="${server.origin}/missing">Missing</a></div>`,
    });
    server.on("GET", "/ok", { body: "<title>Fine</title><p>readable</p>" });
    const response = await skill().searchAndRead("q");
    expect(response.pages).toEqual([{ url: `${server.origin}/ok`, title: "Fine", text: "readable" }]);
  });
});

describe("WebSearchSkill.checkConnection", () => {
  it("probes Tavily with a one-result query when keyed", async () => {
    server.on("POST", "/search", { body: { ...tavilyAnswer, answer: null } });
    expect(await skill({ tavilyApiKey: API_KEY }).checkConnection()).toEqual({
      configured: true,
      connected: true,
      detail: "Tavily answered; DuckDuckGo is the fallback",
    });
    expect(JSON.parse(server.requestsTo("/search")[0]?.body ?? "")).toMatchObject({ max_results: 1, include_answer: false });
  });

  it("stays connected through the fallback and says why", async () => {
    server.on("POST", "/search", { status: 401, body: { detail: { error: "Unauthorized: missing or invalid API key." } } });
    const status = await skill({ tavilyApiKey: API_KEY }).checkConnection();
    expect(status).toEqual({
      configured: true,
      connected: true,
      detail: "Tavily failed: Tavily answered 401: Unauthorized: missing or invalid API key.; searches fall back to DuckDuckGo, which answered",
    });
  });

  it("probes DuckDuckGo without a key", async () => {
    expect(await skill().checkConnection()).toEqual({
      configured: true,
      connected: true,
      detail: "DuckDuckGo answered (no TAVILY_API_KEY, so Tavily is not used)",
    });
  });

  it("reports every failure and never throws", async () => {
    server.on("POST", "/search", { status: 500, body: {} });
    server.on("GET", "/html/", { status: 202, body: fixture("duckduckgo-anomaly.html") });
    const status = await skill({ tavilyApiKey: API_KEY }).checkConnection();
    expect(status.connected).toBe(false);
    expect(status.detail).toMatch(/^Tavily failed: Tavily answered 500.*; DuckDuckGo failed: DuckDuckGo answered with a bot check/);

    const throwing = skill({ fetch: () => Promise.reject(new Error("boom")) });
    expect(await throwing.checkConnection()).toMatchObject({ connected: false, detail: "DuckDuckGo failed: DuckDuckGo request failed: boom" });
  });
});
