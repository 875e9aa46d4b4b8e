// Which skill tools the Architect gets: web_search and hf_search only when the operator turned them on.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../../src/config/env.js";
import { createSkills, integrationTools } from "../../../src/skills/registry.js";

// No request is made: building the skills and listing their tools never reaches the network.
const refuse: typeof fetch = () => Promise.reject(new Error("not in this test"));
const names = async (env: Record<string, string>) =>
  (await integrationTools(Object.values(createSkills({ config: readConfig(env, "/tmp"), fetch: () => refuse, log: pino({ level: "silent" }) })))).map((tool) => tool.name);

describe("integrationTools", () => {
  it("offers nothing by default: issue text never leaves the host for a search engine or the Hub", async () => {
    expect(await names({})).toEqual([]);
    // Base-URL overrides alone turn nothing on.
    expect(await names({ VENOM_DDG_URL: "http://127.0.0.1:9/html/", HF_ENDPOINT: "http://127.0.0.1:9" })).toEqual([]);
    expect(await names({ VENOM_WEB_SEARCH: "false", VENOM_HF_SEARCH: "no" })).toEqual([]);
  });

  it("offers web_search with VENOM_WEB_SEARCH=true or a TAVILY_API_KEY", async () => {
    expect(await names({ VENOM_WEB_SEARCH: "true" })).toEqual(["web_search"]);
    expect(await names({ TAVILY_API_KEY: "tvly-dev-0123456789abcdef" })).toEqual(["web_search"]);
  });

  it("offers hf_search with VENOM_HF_SEARCH=true or an HF_TOKEN", async () => {
    expect(await names({ VENOM_HF_SEARCH: "1" })).toEqual(["hf_search"]);
    expect(await names({ HF_TOKEN: "hf_abcdefghijklmnopqrstuvwxyz0123456789" })).toEqual(["hf_search"]);
    expect(await names({ VENOM_WEB_SEARCH: "on", HF_TOKEN: "hf_abcdefghijklmnopqrstuvwxyz0123456789" })).toEqual(["web_search", "hf_search"]);
  });

  it("refuses a switch that is neither true nor false, naming it", async () => {
    expect(() => readConfig({ VENOM_WEB_SEARCH: "maybe" }, "/tmp")).toThrow(/^VENOM_WEB_SEARCH must be true or false, got "maybe"/);
    expect(() => readConfig({ VENOM_HF_SEARCH: "sometimes" }, "/tmp")).toThrow(/^VENOM_HF_SEARCH must be true or false, got "sometimes"/);
  });
});
