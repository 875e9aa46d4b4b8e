// Instruction files end to end: the maintainers' AGENTS.md / CLAUDE.md reach both agents' prompts and the status comment lists them.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { labeledIssuePayload, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm, type LlmRequest } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "instruction-files-webhook-secret";
const calc = "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n";
const fix = { name: "str_replace", arguments: { path: "src/calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  await github.createRepo("octo/guided", {
    files: {
      "AGENTS.md": "# Rules\nRoot rule: use tabs for indentation.\n",
      "src/AGENTS.md": "Source rule: every function gets a JSDoc comment.\n",
      "docs/AGENTS.md": "Docs rule: British spelling.\n",
      "src/calc.js": calc,
    },
  });
  await github.createRepo("octo/claude", { files: { "CLAUDE.md": "Claude rule: never add dependencies.\n", "src/calc.js": calc } });
  await github.createRepo("octo/big", { files: { "AGENTS.md": `Big rule start.\n${"word ".repeat(6_000)}\nBig rule end.\n`, "src/calc.js": calc } });
  llm.whenExhausted(
    policy({
      guided: { file: "src/calc.js", coder: [fix] },
      claude: { file: "src/calc.js", coder: [fix] },
      big: { file: "src/calc.js", coder: [fix] },
    }),
  );
  venom = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-instructions-")),
    },
  });
});

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop()]);
});

function labeledPayload(repo: string, issue: number, title: string): Payload {
  return labeledIssuePayload({ repo, issue, title, body: github.issues(repo).find((item) => item.number === issue)?.body ?? null });
}

/** Runs a labelled issue to its end; returns the first Architect and Coder prompts and the status comment. */
async function run(repo: string, tag: string): Promise<{ architect: string; coder: string; status: string }> {
  const issue = github.addIssue(repo, { title: `[${tag}] add() subtracts`, body: "add(2,3) returns -1", labels: ["venom"] });
  expect((await deliver(venom.url, "issues", labeledPayload(repo, issue.number, issue.title), { secret })).status).toBe(202);
  await waitFor(
    async () => {
      const response = await fetch(`${venom.url}/venom/api/jobs`);
      const jobs = ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.repo === repo && job.issue === issue.number);
      return jobs[0] && ["succeeded", "failed", "cancelled"].includes(jobs[0].state) ? jobs[0] : undefined;
    },
    60_000,
    `job for ${repo}#${issue.number}`,
  );
  const ofTag = llm.requests.filter((request) => userText(request).includes(`[${tag}]`));
  const architect = ofTag.find((request) => systemText(request).includes("Architect"));
  const coder = ofTag.find((request) => systemText(request).includes("Coder"));
  const status = github.comments(repo, issue.number).find((comment) => comment.body?.includes("<!-- venom:status -->"));
  return { architect: architect ? userText(architect) : "", coder: coder ? userText(coder) : "", status: status?.body ?? "" };
}

function messageText(request: LlmRequest, role: string): string {
  const content = request.messages.find((message) => message.role === role)?.content;
  return typeof content === "string" ? content : JSON.stringify(content ?? "");
}
const userText = (request: LlmRequest) => messageText(request, "user");
const systemText = (request: LlmRequest) => messageText(request, "system");

describe("maintainers' instruction files", () => {
  it("puts the root and the nested AGENTS.md in both prompts and lists them in the status comment", async () => {
    const { architect, coder, status } = await run("octo/guided", "guided");
    for (const prompt of [architect, coder]) {
      expect(prompt).toContain("Maintainer guidance");
      expect(prompt).toContain("Instruction file `AGENTS.md`");
      expect(prompt).toContain("Root rule: use tabs for indentation.");
      expect(prompt).toContain("Instruction file `src/AGENTS.md`");
      expect(prompt).toContain("Source rule: every function gets a JSDoc comment.");
    }
    // The Coder gets the files above the plan's files only; docs/ is not among them.
    expect(coder).not.toContain("Docs rule");
    expect(status).toMatch(/\*\*Instructions:\*\* AGENTS\.md, .*src\/AGENTS\.md/);
  });

  it("uses CLAUDE.md when the repository has no AGENTS.md", async () => {
    const { architect, coder, status } = await run("octo/claude", "claude");
    expect(architect).toContain("Instruction file `CLAUDE.md`");
    expect(architect).toContain("Claude rule: never add dependencies.");
    expect(coder).toContain("Claude rule: never add dependencies.");
    expect(status).toContain("**Instructions:** CLAUDE.md");
  });

  it("cuts an oversized instruction file and says so in the prompt", async () => {
    const { architect, coder, status } = await run("octo/big", "big");
    for (const prompt of [architect, coder]) {
      expect(prompt).toContain("Big rule start.");
      expect(prompt).not.toContain("Big rule end.");
      expect(prompt).toMatch(/This file was cut: only its first \d+ of \d+ characters fit/);
    }
    expect(status).toContain("**Instructions:** AGENTS.md");
  });
});
