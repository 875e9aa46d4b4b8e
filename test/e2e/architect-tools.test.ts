// What the Architect is offered, as the model sees it: web_search and hf_search only when the operator turned them on.
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom } from "../../src/venom.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";

const repo = "octo/architect-tools";
let github: FakeGitHub;
let llm: FakeLlm;
/** A closed local port: were a search ever sent, it would go nowhere. */
let closed: string;

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  // Plan-only runs: the Architect is all this test needs.
  await github.createRepo(repo, { files: { "calc.js": "exports.add = (a, b) => a - b;\n", ".github/venom.yml": "require_plan_approval: true\n" } });
  llm.whenExhausted(policy({ tools: { file: "calc.js", coder: [] } }));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  closed = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await Promise.all([github.stop(), llm.stop()]);
});

/** Runs one issue through the Architect with this environment; answers the tool names of its model requests and the skills' status. */
async function architectWith(env: Record<string, string>, options: { status?: boolean } = {}) {
  const config = readConfig(
    {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      GITHUB_TOKEN: github.token,
      GITHUB_REPO_NAME: repo,
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-architect-tools-")),
      OPENAI_BASE_URL: llm.baseUrl,
      VENOM_SANDBOX: "none",
      VENOM_DDG_URL: `${closed}/html/`,
      TAVILY_BASE_URL: closed,
      HF_ENDPOINT: closed,
      ...env,
    },
    "/tmp",
  );
  const venom = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
  try {
    const issue = github.addIssue(repo, { title: "[tools] add() subtracts", body: "Private: our billing total is off." });
    const from = llm.requests.length;
    const result = await venom.orchestrator.handleRemoteIssue({ issueNumber: issue.number });
    expect(result).toMatchObject({ success: true });
    const architect = llm.requests.slice(from).filter((request) => JSON.stringify(request.messages[0]?.content ?? "").includes("Architect"));
    expect(architect.length).toBeGreaterThan(0);
    const statuses = options.status === false ? [] : await venom.checkConnections();
    return {
      tools: [...new Set(architect.flatMap((request) => request.tools.map((tool) => tool.function.name)))],
      status: (name: string) => statuses.find((status) => status.name === name),
    };
  } finally {
    await venom.stop();
  }
}

describe("the Architect's tools", () => {
  it("has no web_search or hf_search unless the operator turned them on, and the status says how", async () => {
    const { tools, status } = await architectWith({});
    expect(tools).toEqual(expect.arrayContaining(["list_files", "read_file", "search_code", "submit_plan"]));
    expect(tools).not.toContain("web_search");
    expect(tools).not.toContain("hf_search");
    expect(status("web-search")).toEqual({ name: "web-search", configured: false, detail: "off (set VENOM_WEB_SEARCH=true or TAVILY_API_KEY)" });
    expect(status("huggingface")).toEqual({ name: "huggingface", configured: false, detail: "off (set VENOM_HF_SEARCH=true or HF_TOKEN)" });
  });

  it("offers them with VENOM_WEB_SEARCH=true and VENOM_HF_SEARCH=true", async () => {
    const { tools, status } = await architectWith({ VENOM_WEB_SEARCH: "true", VENOM_HF_SEARCH: "true" });
    expect(tools).toEqual(expect.arrayContaining(["web_search", "hf_search"]));
    // Turned on, they are probed like any configured integration (here: a closed port, so not connected).
    expect(status("web-search")).toMatchObject({ configured: true, connected: false });
    expect(status("huggingface")).toMatchObject({ configured: true, connected: false });
  });

  it("offers them with a TAVILY_API_KEY and an HF_TOKEN", async () => {
    const { tools } = await architectWith({ TAVILY_API_KEY: "tvly-dev-0123456789abcdefghij", HF_TOKEN: "hf_abcdefghijklmnopqrstuvwxyz0123456789" }, { status: false });
    expect(tools).toEqual(expect.arrayContaining(["web_search", "hf_search"]));
  });
});
