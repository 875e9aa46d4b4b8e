// GitHub conventions end to end: the head commit made through the Git Data API (signed, Verified) with the
// requester as co-author, the `Venom` check run in_progress → completed on that sha, and token mode's git push.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { labeledIssuePayload } from "../fixtures/webhooks.js";
import { FakeGitHub, numericId } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "conventions-test-webhook-secret";
const repo = "octo/calc";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5, got '+c.add(2,3)); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };
const wrong = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a * b;" } };
const publicUrl = "https://venom.example.test";

let github: FakeGitHub;
let llm: FakeLlm;
let dataDir: string;
let privateKey: string;
const apps: VenomProcess[] = [];

async function app(env: Record<string, string>): Promise<VenomProcess> {
  const started = await startVenom({
    env: {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(dataDir, "app-")),
      LOG_LEVEL: "debug",
      ...env,
    },
  });
  apps.push(started);
  return started;
}

async function finished(venom: VenomProcess, issue: number, timeoutMs = 90_000): Promise<JobRecord> {
  return waitFor(
    async () => {
      const response = await fetch(`${venom.url}/venom/api/jobs`);
      const jobs = ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.issue === issue);
      const [job] = jobs;
      return job && ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
    },
    timeoutMs,
    `job for issue #${issue} to finish`,
  );
}

function headOf(issue: number): string {
  const sha = github.branchSha(repo, `issue-${issue}`);
  if (!sha) throw new Error(`no branch issue-${issue}`);
  return sha;
}

function commitMessage(sha: string): string {
  return execFileSync("git", ["log", "-1", "--format=%B", sha], { cwd: github.bareRepoPath(repo), encoding: "utf8" });
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  privateKey = testPrivateKey();
  dataDir = mkdtempSync(path.join(tmpdir(), "venom-conventions-"));
  await github.createRepo(repo, { files });
  llm.whenExhausted(
    policy({
      happy: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] },
      failing: { file: "calc.js", coder: [wrong] },
    }),
  );
});

afterAll(async () => {
  await Promise.all(apps.map((started) => started.stop()));
  await Promise.all([github.stop(), llm.stop()]);
});

describe("GitHub conventions (App mode)", () => {
  let venom: VenomProcess;
  beforeAll(async () => {
    venom = await app({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret, VENOM_PUBLIC_URL: `${publicUrl}/` });
  });

  it("commits through the Git Data API (Verified), names the labeller as co-author, and the Venom check run goes in_progress → success on that sha", async () => {
    const issue = github.addIssue(repo, { title: "[happy] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
    const payload = labeledIssuePayload({ repo, issue: issue.number, title: issue.title, body: issue.body ?? null });
    const sender = payload.sender as unknown as { login: string; id: number };
    expect((await deliver(venom.url, "issues", payload, { secret })).status).toBe(202);
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });

    const head = headOf(issue.number);
    expect(github.apiCommits(repo)).toContain(head);
    expect(github.commitVerification(repo, head)).toEqual({ verified: true, reason: "valid" });
    expect(github.readFile(repo, head, "calc.js")).toContain("return a + b;");
    const message = commitMessage(head);
    expect(message).toContain(`Closes #${issue.number}`);
    expect(message.trimEnd().split("\n").at(-1)).toBe(`Co-authored-by: ${sender.login} <${sender.id}+${sender.login}@users.noreply.github.com>`);
    // The PR's head is the API commit: nothing went over git push.
    const pushes = github.requests.filter((request) => request.path.endsWith("/git-receive-pack"));
    expect(pushes).toHaveLength(0);

    const runs = github.checks.checkRuns(repo, head).filter((run) => run.name === "Venom");
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run?.history).toEqual(["in_progress", "completed/success"]);
    expect(run?.detailsUrl).toBe(`${publicUrl}/venom/jobs/${job.id}`);
    expect(run?.externalId).toBe(job.id);
    expect(run?.output.summary).toContain("**Plan:**");
    expect(run?.output.summary).toContain(job.prUrl);
    expect(run?.output.text ?? "").toContain("sh test.sh");
  });

  it("a failing check gives a failure check run on the head commit and a draft PR", async () => {
    const issue = github.addIssue(repo, { title: "[failing] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledIssuePayload({ repo, issue: issue.number, title: issue.title, body: issue.body ?? null }), { secret });
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "failed" });
    const head = headOf(issue.number);
    expect(github.commitVerification(repo, head)?.verified).toBe(true);
    const [run] = github.checks.checkRuns(repo, head).filter((candidate) => candidate.name === "Venom");
    expect(run?.history).toEqual(["in_progress", "completed/failure"]);
    expect(run?.output.title).toBe("Checks failed");
    expect(run?.output.text ?? "").toContain("add(2,3) should be 5");
    const pull = github.pulls(repo).find((candidate) => candidate.head.ref === `issue-${issue.number}`);
    expect(pull?.draft).toBe(true);
  });
});

describe("GitHub conventions (token mode)", () => {
  it("pushes over git (no API commit, no check run) and still names the person who applied the label, from the issue's events", async () => {
    const issue = github.addIssue(repo, { title: "[happy] token mode add()", body: "add(2,3) returns -1" });
    github.labelIssue(repo, issue.number, "venom", "alice-maintainer");
    const before = github.apiCommits(repo).length;
    const venom = await app({ GITHUB_TOKEN: github.token, GITHUB_REPO_NAME: repo, ENABLE_ISSUE_POLLING: "true" });
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", trigger: "poll", checks: "passed" });
    const head = headOf(issue.number);
    expect(github.apiCommits(repo)).toHaveLength(before);
    expect(github.commitVerification(repo, head)).toBeUndefined();
    expect(github.checks.checkRuns(repo, head)).toHaveLength(0);
    const aliceId = numericId("alice-maintainer");
    expect(commitMessage(head).trimEnd().split("\n").at(-1)).toBe(`Co-authored-by: alice-maintainer <${aliceId}+alice-maintainer@users.noreply.github.com>`);
  });
});
