// Cost end to end: the status comment and the job record show tokens and dollars at VENOM_MODEL_PRICES prices; max_cost_usd stops a run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { labeledIssuePayload, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "cost-test-webhook-secret";
const calc = "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n";
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  await github.createRepo("octo/priced", { files: { "calc.js": calc } });
  await github.createRepo("octo/capped", { files: { "calc.js": calc, ".github/venom.yml": "max_cost_usd: 0.000001\n" } });
  llm.whenExhausted(policy({ priced: { file: "calc.js", coder: [fix] }, capped: { file: "calc.js", coder: [fix] } }));
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
      // The fake LLM is on loopback, where models cost $0 unless priced here.
      VENOM_MODEL_PRICES: JSON.stringify({ "fake-model": { input: 10, output: 20 } }),
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-cost-")),
    },
  });
});

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop()]);
});

function labeledPayload(repo: string, issue: number, title: string): Payload {
  return labeledIssuePayload({ repo, issue, title, body: "add(2,3) returns -1" });
}

/** Runs a labelled issue to its end; returns its job record and status comment. */
async function run(repo: string, tag: string): Promise<{ job: JobRecord; status: string }> {
  const issue = github.addIssue(repo, { title: `[${tag}] add() subtracts`, body: "add(2,3) returns -1", labels: ["venom"] });
  expect((await deliver(venom.url, "issues", labeledPayload(repo, issue.number, issue.title), { secret })).status).toBe(202);
  const job = await waitFor(
    async () => {
      const response = await fetch(`${venom.url}/venom/api/jobs`);
      const jobs = ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((record) => record.repo === repo && record.issue === issue.number);
      return jobs[0] && ["succeeded", "failed", "cancelled"].includes(jobs[0].state) ? jobs[0] : undefined;
    },
    60_000,
    `job for ${repo}#${issue.number}`,
  );
  const status = github.comments(repo, issue.number).find((comment) => comment.body?.includes("<!-- venom:status -->"));
  return { job, status: status?.body ?? "" };
}

describe("cost in sight", () => {
  it("shows tokens and the estimated cost in the status comment, the job record and /metrics", async () => {
    const { job, status } = await run("octo/priced", "priced");
    expect(job.state).toBe("succeeded");
    expect(job.tokens).toBeGreaterThan(0);
    expect(job.costUsd).toBeGreaterThan(0);
    // At $10 / $20 per million, the cost is between 10 and 20 dollars per million tokens.
    expect(job.costUsd!).toBeGreaterThanOrEqual((job.tokens! * 10) / 1_000_000 - 1e-9);
    expect(job.costUsd!).toBeLessThanOrEqual((job.tokens! * 20) / 1_000_000 + 1e-9);
    expect(status).toMatch(/[\d,]+ tokens · ~\$\d+\.\d{4}/);
    const metrics = await (await fetch(`${venom.url}/metrics`)).text();
    expect(metrics).toMatch(/venom_cost_usd_total\{repo="octo\/priced"\} [\d.e-]+/);
  });

  it("stops a run before any model call or pull request when max_cost_usd is far below one call", async () => {
    const before = llm.requests.length;
    const { job, status } = await run("octo/capped", "capped");
    expect(job.state).toBe("failed");
    expect(github.pulls("octo/capped")).toHaveLength(0);
    expect(llm.requests.slice(before).some((request) => JSON.stringify(request.messages).includes("[capped]"))).toBe(false);
    expect(status).toContain("max_cost_usd: 0.000001");
    expect(status).toContain("nothing was pushed");
  });
});
