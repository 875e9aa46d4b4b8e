// The skills through the CLI, each pointed at a local server shaped like the real provider.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { ProviderServer } from "../fixtures/provider-server.js";
import { FakeGoogle, GRANTED_SCOPE } from "../unit/skills/google-calendar/fake-google.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
let provider: ProviderServer;
let google: FakeGoogle;

beforeAll(async () => {
  provider = await ProviderServer.start();
  google = await FakeGoogle.start();
});
afterAll(async () => {
  await provider.stop();
  await google.stop();
});

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "venom-skills-cli-"));
  const code = await runCli(args, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { VENOM_DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env },
    cwd: dataDir,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), dataDir };
}

describe("skills from the CLI", () => {
  it("venom search parses DuckDuckGo's results page and reports the source", async () => {
    const html = await readFile(path.join(fixtures, "duckduckgo-results.html"), "utf8");
    provider.on("GET", "/html/", () => ({ body: html }));
    provider.on("POST", "/html/", () => ({ body: html }));
    const { code, out } = await cli(["search", "probot", "throttling", "--json"], { VENOM_DDG_URL: provider.origin });
    expect(code).toBe(0);
    const response = JSON.parse(out) as { source: string; results: Array<{ url: string; source: string }> };
    expect(response.source).toBe("duckduckgo");
    expect(response.results.length).toBeGreaterThan(0);
    expect(response.results.every((result) => result.url.startsWith("http") && !result.url.includes("duckduckgo.com/l/"))).toBe(true);
    const human = await cli(["search", "probot"], { VENOM_DDG_URL: provider.origin });
    expect(human.out).toContain("source: duckduckgo");
  });

  it("venom search makes its one call without booting the app: no SQLite database appears in VENOM_DATA_DIR", async () => {
    const html = await readFile(path.join(fixtures, "duckduckgo-results.html"), "utf8");
    provider.on("POST", "/html/", () => ({ body: html }));
    const { code, dataDir } = await cli(["search", "probot", "--json"], { VENOM_DDG_URL: provider.origin });
    expect(code).toBe(0);
    expect(existsSync(path.join(dataDir, "venom.db"))).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("venom search uses Tavily's answer when keyed, and falls back to DuckDuckGo when Tavily fails", async () => {
    const tavily = JSON.parse(await readFile(path.join(fixtures, "tavily-search.json"), "utf8")) as object;
    provider.on("POST", "/search", () => ({ body: tavily }));
    const keyed = await cli(["search", "what is probot", "--json"], {
      TAVILY_API_KEY: "tvly-test-0123456789abcdef",
      TAVILY_BASE_URL: provider.origin,
      VENOM_DDG_URL: provider.origin,
    });
    expect(JSON.parse(keyed.out)).toMatchObject({ source: "tavily", answer: expect.any(String) });
    provider.on("POST", "/search", () => ({ status: 500, body: { detail: { error: "boom" } } }));
    const fallback = await cli(["search", "what is probot", "--json"], {
      TAVILY_API_KEY: "tvly-test-0123456789abcdef",
      TAVILY_BASE_URL: provider.origin,
      VENOM_DDG_URL: provider.origin,
    });
    expect(JSON.parse(fallback.out)).toMatchObject({ source: "duckduckgo" });
  });

  it("venom hf models lists models by downloads; venom hf model shows details; a missing id is a clear message", async () => {
    const models = JSON.parse(await readFile(path.join(fixtures, "huggingface/models-search.json"), "utf8")) as object;
    provider.on("GET", "/api/models", () => ({ body: models }));
    const list = await cli(["hf", "models", "sentiment", "--task", "text-classification"], { HF_ENDPOINT: provider.origin });
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/most downloaded first/);
    const search = provider.requests.filter((request) => request.path === "/api/models").at(-1);
    expect(search?.query.get("sort")).toBe("downloads");
    expect(search?.query.get("pipeline_tag")).toBe("text-classification");
    const missing = await cli(["hf", "model", "nobody/nothing"], { HF_ENDPOINT: provider.origin });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/not found/);
  });

  it("venom calendar agenda reads the calendars; schedule writes only to the Venom calendar", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "venom-calendar-cli-"));
    const credentialsPath = path.join(dir, "config", "credentials.json");
    const tokenPath = path.join(dir, "config", "token.json");
    await mkdir(path.dirname(credentialsPath), { recursive: true });
    await writeFile(credentialsPath, google.credentials());
    google.accessTokens.add("ya29.cli");
    await writeFile(tokenPath, JSON.stringify({ access_token: "ya29.cli", expiry_date: Date.now() + 3_600_000, token_type: "Bearer", scope: GRANTED_SCOPE }), { mode: 0o600 });
    const env = {
      ENABLE_GOOGLE_CALENDAR: "true",
      GOOGLE_CALENDAR_CREDENTIALS_PATH: credentialsPath,
      GOOGLE_CALENDAR_TOKEN_PATH: tokenPath,
      VENOM_GOOGLE_API_URL: google.rootUrl,
    };
    const agenda = await cli(["calendar", "agenda", "--json"], env);
    expect(agenda.code).toBe(0);
    expect(Array.isArray(JSON.parse(agenda.out))).toBe(true);
    const scheduled = await cli(["calendar", "schedule", "Review PR #7", "--start", "2030-01-07T10:00:00Z", "--json"], env);
    expect(scheduled.code).toBe(0);
    const event = JSON.parse(scheduled.out) as { calendar: string; title: string };
    expect(event).toMatchObject({ calendar: "Venom Work", title: "Review PR #7" });
    const inserted = google.requestsTo("POST", /\/calendar\/v3\/calendars\/[^/]+\/events$/);
    expect(inserted.every((request) => !request.path.includes("/primary/"))).toBe(true);
  });
});
