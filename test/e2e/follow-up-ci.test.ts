// CI follow-ups end to end: signed check_run/check_suite/workflow_run deliveries for a failing head commit of the app's PR make one Coder round on the job's log, up to max_ci_rounds.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, examples, type Payload } from "../fixtures/webhooks.js";
import { FAKE_APP_ID, FakeGitHub } from "../support/fake-github.js";
import { ACTIONS_APP } from "../support/fake-github-checks.js";
import { FakeLlm, type LlmRequest, type StaticStep } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "follow-up-ci-test-webhook-secret";
const repo = "octo/calc";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\nmax_ci_rounds: 2\n",
  "README.md": "# calc\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };
/** What the Coder does in every CI round: one more "!" in the README (a change each round, so each round pushes). */
const ciEdit = { name: "str_replace", arguments: { path: "README.md", old_str: "# calc", new_str: "# calc!" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content ?? "");
}

function userText(request: LlmRequest): string {
  return text(request.messages.find((message) => message.role === "user")?.content);
}

function model(): (request: LlmRequest) => StaticStep {
  const first = policy({ ci: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] } });
  return (request) => {
    if (!userText(request).includes("follow-up round")) return first(request);
    const turns = request.messages.filter((message) => message.role === "assistant").length;
    if (turns === 0) return { toolCalls: [ciEdit] };
    return { toolCalls: [{ name: "finish", arguments: { summary: "Fixed the failing test." } }] };
  };
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  await github.createRepo(repo, { files });
  llm.whenExhausted(model());
  venom = await startVenom({
    env: {
      APP_ID: String(FAKE_APP_ID),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-follow-up-ci-")),
      LOG_LEVEL: "debug",
    },
  });
});

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop()]);
});

async function jobsOf(issue: number, trigger?: string): Promise<JobRecord[]> {
  const response = await fetch(`${venom.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.issue === issue && (trigger === undefined || job.trigger === trigger));
}

const finished = (job: JobRecord) => ["succeeded", "failed", "cancelled"].includes(job.state);

/** Waits until `count` jobs of the trigger finished, and returns them oldest first. */
async function finishedJobs(issue: number, trigger: string, count: number): Promise<JobRecord[]> {
  return waitFor(
    async () => {
      const jobs = (await jobsOf(issue, trigger)).filter(finished);
      return jobs.length >= count ? jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)) : undefined;
    },
    60_000,
    `${count} finished ${trigger} job(s) of #${issue}`,
  );
}

function bareGit(...args: string[]): string {
  return execFileSync("git", args, { cwd: github.bareRepoPath(repo), encoding: "utf8" }).trim();
}

function followUpPrompts(): string[] {
  return llm.requests.map(userText).filter((user) => user.includes("follow-up round"));
}

function statusBody(issue: number): string {
  const status = github.comments(repo, issue).filter((comment) => comment.body?.includes("<!-- venom:status -->"));
  expect(status).toHaveLength(1);
  return status[0]?.body ?? "";
}

/** Opens the app's PR the normal way: a labelled issue, the first run succeeds. */
async function openPull(title: string): Promise<{ issue: number; pull: number; branch: string; head: string }> {
  const issue = github.addIssue(repo, { title, body: "add(2,3) returns -1", labels: ["venom"] });
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue.number, state: "open" };
  Object.assign(payload.issue, { title, body: issue.body ?? null });
  payload.repository = { ...payload.repository, full_name: repo };
  await deliver(venom.url, "issues", payload, { secret });
  const [first] = await finishedJobs(issue.number, "label", 1);
  expect(first).toMatchObject({ state: "succeeded", checks: "passed" });
  const branch = `issue-${issue.number}`;
  const pull = github.pulls(repo).find((item) => item.head.ref === branch);
  if (!pull) throw new Error("no PR");
  return { issue: issue.number, pull: pull.number, branch, head: bareGit("rev-parse", `refs/heads/${branch}`) };
}

interface Ci {
  pull: number;
  branch: string;
  sha: string;
}

function pullRefs(ci: Ci) {
  return [{ number: ci.pull, head: { ref: ci.branch, sha: ci.sha }, base: { ref: "main", sha: bareGit("rev-parse", "refs/heads/main") } }];
}

function withRepo(payload: Payload): Payload {
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

function checkRunPayload(ci: Ci, run: { id: number; name: string; conclusion: string; app: { id: number; slug: string } }): Payload {
  const payload = withRepo(example("check_run", "completed"));
  const checkRun = payload.check_run as Record<string, unknown>;
  Object.assign(checkRun, {
    id: run.id,
    name: run.name,
    status: "completed",
    conclusion: run.conclusion,
    head_sha: ci.sha,
    app: { ...(checkRun.app as object), id: run.app.id, slug: run.app.slug },
    check_suite: { ...(checkRun.check_suite as object), head_branch: ci.branch, head_sha: ci.sha, conclusion: run.conclusion },
    pull_requests: pullRefs(ci),
  });
  return payload;
}

function checkSuitePayload(ci: Ci, conclusion: string): Payload {
  const payload = withRepo(example("check_suite", "completed"));
  const suite = payload.check_suite as Record<string, unknown>;
  Object.assign(suite, { conclusion, status: "completed", head_branch: ci.branch, head_sha: ci.sha, app: { ...(suite.app as object), id: ACTIONS_APP.id, slug: ACTIONS_APP.slug }, pull_requests: pullRefs(ci) });
  return payload;
}

function workflowRunPayload(ci: Ci, run: { id: number; name: string; conclusion: string }): Payload {
  const payload = withRepo(example("workflow_run", "completed"));
  Object.assign(payload.workflow_run as object, { id: run.id, name: run.name, status: "completed", conclusion: run.conclusion, head_branch: ci.branch, head_sha: ci.sha, pull_requests: pullRefs(ci) });
  return payload;
}

const failingLog = [
  "2026-11-29T10:00:00.0000000Z ##[group]Run npm test",
  "2026-11-29T10:00:00.1000000Z > calc@1.0.0 test",
  ...Array.from({ length: 300 }, (_, index) => `2026-11-29T10:00:01.0000000Z   ok ${index + 1} - unrelated passing test ${index + 1}`),
  "2026-11-29T10:00:02.0000000Z   not ok 301 - double(4) should be 8, got 12",
  "2026-11-29T10:00:02.1000000Z ##[error]Process completed with exit code 1.",
].join("\n");

/** A failing Actions job on the commit, then the check_run, check_suite and workflow_run events GitHub sends for it. */
async function failCi(ci: Ci): Promise<void> {
  const { checkRun, workflowRun } = github.checks.addCheckRun(repo, { headSha: ci.sha, name: "test", conclusion: "failure", log: failingLog, output: { title: "1 test failed", summary: "npm test exited 1" } });
  const run = { id: checkRun.id, name: "test", conclusion: "failure", app: ACTIONS_APP };
  expect((await deliver(venom.url, "check_run", checkRunPayload(ci, run), { secret })).status).toBe(202);
  expect((await deliver(venom.url, "check_suite", checkSuitePayload(ci, "failure"), { secret })).status).toBe(202);
  expect((await deliver(venom.url, "workflow_run", workflowRunPayload(ci, { id: workflowRun?.id ?? 0, name: "CI", conclusion: "failure" }), { secret })).status).toBe(202);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe("CI follow-ups", () => {
  it("answers a failing Actions check with one round on its log, one commit on the same branch, and stops once CI passes", async () => {
    const { issue, pull, branch, head } = await openPull("[ci] add() subtracts");
    const promptsBefore = followUpPrompts().length;
    await failCi({ pull, branch, sha: head });
    const [job] = await finishedJobs(issue, "ci", 1);
    expect(job).toMatchObject({ state: "succeeded" });
    await settle();
    // The three events of one failure made one round.
    expect(await jobsOf(issue, "ci")).toHaveLength(1);

    const prompt = followUpPrompts().slice(promptsBefore)[0] ?? "";
    expect(prompt).toContain("not ok 301 - double(4) should be 8, got 12");
    expect(prompt).not.toContain("unrelated passing test 1\n");

    const newHead = bareGit("rev-parse", `refs/heads/${branch}`);
    expect(newHead).not.toBe(head);
    expect(bareGit("rev-list", "--count", `${head}..${newHead}`)).toBe("1");
    expect(bareGit("merge-base", "--is-ancestor", head, newHead)).toBe("");
    expect(github.pulls(repo).filter((item) => item.head.ref === branch)).toHaveLength(1);
    expect(statusBody(issue)).toMatch(new RegExp(`Round 2 \\(CI failure on ${head.slice(0, 7)}\\): pushed \`${newHead.slice(0, 7)}\``));

    // CI passes on the new head: no further round.
    const { checkRun } = github.checks.addCheckRun(repo, { headSha: newHead, name: "test", conclusion: "success", log: "all tests pass" });
    const ci = { pull, branch, sha: newHead };
    await deliver(venom.url, "check_run", checkRunPayload(ci, { id: checkRun.id, name: "test", conclusion: "success", app: ACTIONS_APP }), { secret });
    await deliver(venom.url, "check_suite", checkSuitePayload(ci, "success"), { secret });
    await settle();
    expect(await jobsOf(issue, "ci")).toHaveLength(1);
    expect(bareGit("rev-parse", `refs/heads/${branch}`)).toBe(newHead);
  }, 120_000);

  it("stops after max_ci_rounds rounds when the check keeps failing, and says so in the status comment", async () => {
    const { issue, pull, branch, head } = await openPull("[ci] add() subtracts, CI stays red");
    let sha = head;
    for (let round = 1; round <= 2; round += 1) {
      await failCi({ pull, branch, sha });
      const jobs = await finishedJobs(issue, "ci", round);
      expect(jobs[round - 1]).toMatchObject({ state: "succeeded" });
      const next = bareGit("rev-parse", `refs/heads/${branch}`);
      expect(bareGit("rev-list", "--count", `${sha}..${next}`)).toBe("1");
      sha = next;
    }
    const prompts = followUpPrompts().length;
    await failCi({ pull, branch, sha });
    const jobs = await finishedJobs(issue, "ci", 3);
    expect(jobs[2]).toMatchObject({ state: "succeeded" });
    expect(statusBody(issue)).toContain("CI still failing after 2 rounds (max_ci_rounds)");
    expect(bareGit("rev-parse", `refs/heads/${branch}`)).toBe(sha);

    // A further failure (a status on the same head) runs no Coder round.
    const status = withRepo(examples("status")[0] as Payload);
    Object.assign(status, { sha, state: "failure", context: "ci/lint", branches: [{ name: branch, commit: { sha } }] });
    github.checks.addStatus(repo, sha, { state: "failure", context: "ci/lint", description: "lint failed" });
    expect((await deliver(venom.url, "status", status, { secret })).status).toBe(202);
    await settle();
    await waitFor(async () => (await jobsOf(issue, "ci")).every(finished) || undefined, 30_000, "the CI jobs to finish");
    expect(followUpPrompts()).toHaveLength(prompts);
    expect(bareGit("rev-parse", `refs/heads/${branch}`)).toBe(sha);
  }, 120_000);

  it("ignores the app's own check run, and reports a workflow run awaiting approval without a round", async () => {
    const { issue, pull, branch, head } = await openPull("[ci] add() subtracts, own check");
    const ci = { pull, branch, sha: head };
    const own = { id: FAKE_APP_ID, slug: github.appSlug };
    const { checkRun } = github.checks.addCheckRun(repo, { headSha: head, name: "Venom", conclusion: "failure", app: own, output: { title: "Venom failed" } });
    expect((await deliver(venom.url, "check_run", checkRunPayload(ci, { id: checkRun.id, name: "Venom", conclusion: "failure", app: own }), { secret })).status).toBe(202);
    await settle();
    expect(await jobsOf(issue, "ci")).toHaveLength(0);

    const prompts = followUpPrompts().length;
    const workflowRun = github.checks.addWorkflowRun(repo, { headSha: head, name: "CI", status: "completed", conclusion: "action_required" });
    expect((await deliver(venom.url, "workflow_run", workflowRunPayload(ci, { id: workflowRun.id, name: "CI", conclusion: "action_required" }), { secret })).status).toBe(202);
    await waitFor(async () => (statusBody(issue).includes("approval") ? true : undefined), 30_000, "the status comment to report the approval");
    expect(statusBody(issue)).toMatch(/waiting for a maintainer's approval/);
    await waitFor(async () => (await jobsOf(issue)).every(finished) || undefined, 30_000, "the jobs to finish");
    expect(followUpPrompts()).toHaveLength(prompts);
    expect(bareGit("rev-parse", `refs/heads/${branch}`)).toBe(head);
  }, 120_000);
});
