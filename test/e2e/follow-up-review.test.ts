// Review follow-ups end to end: the app's PR, a signed changes-requested review with inline comments, one commit pushed without force, threaded replies.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub, numericId } from "../support/fake-github.js";
import { FakeLlm, type LlmRequest, type StaticStep } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "follow-up-test-webhook-secret";
const repo = "octo/calc";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nfunction double(x) {\n  return x * 3;\n}\n\nmodule.exports = { add, double };\n",
  "test.sh": "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\n",
  "README.md": "# calc\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;
let dataDir: string;
let privateKey: string;
const runningApps: VenomProcess[] = [];
/** Set by a test: what the Coder does in the follow-up round, and how long its first answer takes. */
let followUpScript: { calls: Array<{ name: string; arguments: object }>; summary: string; firstDelayMs?: number } | undefined;
/** Called once while the follow-up's Coder thinks (a reviewer pushing to the branch meanwhile). */
let duringFollowUp: (() => void) | undefined;

async function startApp(): Promise<VenomProcess> {
  const app = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: dataDir,
      LOG_LEVEL: "debug",
    },
  });
  runningApps.push(app);
  return app;
}

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content ?? "");
}

/** The e2e policy for the first run; the scripted follow-up Coder once the prompt is a follow-up round's. */
function model(): (request: LlmRequest) => StaticStep {
  const first = policy({ review: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] } });
  return (request) => {
    const user = text(request.messages.find((message) => message.role === "user")?.content);
    if (!user.includes("follow-up round") || !followUpScript) return first(request);
    const turns = request.messages.filter((message) => message.role === "assistant").length;
    const call = followUpScript.calls[turns];
    if (turns === 0 && duringFollowUp) {
      duringFollowUp();
      duringFollowUp = undefined;
    }
    const delay = turns === 0 && followUpScript.firstDelayMs ? { delayMs: followUpScript.firstDelayMs } : {};
    if (call) return { toolCalls: [call], ...delay };
    return { toolCalls: [{ name: "finish", arguments: { summary: followUpScript.summary } }] };
  };
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  privateKey = testPrivateKey();
  dataDir = mkdtempSync(path.join(tmpdir(), "venom-follow-up-"));
  await github.createRepo(repo, { files });
  llm.whenExhausted(model());
  venom = await startApp();
});

afterAll(async () => {
  await Promise.all(runningApps.map((app) => app.stop()));
  await Promise.all([github.stop(), llm.stop()]);
});

function labeledPayload(issue: number, title: string): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue, state: "open" };
  Object.assign(payload.issue, { title, body: github.issues(repo).find((item) => item.number === issue)?.body ?? null });
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

async function jobsOf(app: VenomProcess, issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${app.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.issue === issue);
}

async function finishedJob(app: VenomProcess, issue: number, trigger: string): Promise<JobRecord> {
  return waitFor(
    async () => (await jobsOf(app, issue)).find((job) => job.trigger === trigger && ["succeeded", "failed", "cancelled"].includes(job.state)),
    60_000,
    `the ${trigger} job of #${issue} to finish`,
  );
}

function bareGit(...args: string[]): string {
  return execFileSync("git", args, { cwd: github.bareRepoPath(repo), encoding: "utf8" }).trim();
}

/** Opens the PR the normal way (a labelled issue), then a reviewer with write access requests changes with two inline comments. */
async function pullWithReview(title: string): Promise<{ issue: number; pull: number; head: string; comments: number[]; review: Payload }> {
  const issue = github.addIssue(repo, { title, body: "add(2,3) returns -1", labels: ["venom"] });
  await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
  const first = await finishedJob(venom, issue.number, "label");
  expect(first).toMatchObject({ state: "succeeded", checks: "passed" });
  const [pull] = github.pulls(repo).filter((item) => item.head.ref === `issue-${issue.number}`);
  if (!pull) throw new Error("no PR");
  github.setPermission(repo, "reviewer", "write");
  const head = bareGit("rev-parse", `refs/heads/issue-${issue.number}`);
  const submitted = github.addReview(repo, pull.number, {
    user: "reviewer",
    state: "CHANGES_REQUESTED",
    body: "Two things, please.",
    comments: [
      { path: "calc.js", line: 6, body: "double() should multiply by 2", diffHunk: "@@ -5,3 +5,3 @@\n function double(x) {\n   return x * 3;" },
      { path: "calc.js", line: 2, body: "Maybe name it sum?", diffHunk: "@@ -1,3 +1,3 @@\n-  return a - b;\n+  return a + b;" },
    ],
  });
  const payload = example("pull_request_review", "submitted");
  const reviewer = { ...(payload.sender as object), login: "reviewer", type: "User" };
  Object.assign(payload.pull_request as object, { number: pull.number, head: { ...(payload.pull_request as { head: object }).head, ref: `issue-${issue.number}`, sha: head } });
  Object.assign(payload, {
    sender: reviewer,
    review: { ...(payload.review as object), id: submitted.review.id, state: "changes_requested", body: "Two things, please.", user: reviewer },
    repository: { ...(payload.repository as object), full_name: repo },
  });
  return { issue: issue.number, pull: pull.number, head, comments: submitted.comments.map((comment) => comment.id), review: payload };
}

function replies(pull: number) {
  return github.reviewComments(repo, pull).filter((comment) => comment.inReplyTo !== undefined);
}

describe("review follow-ups", () => {
  it("answers a changes-requested review with one commit on the same branch, no force push, two threaded replies naming it", async () => {
    const { issue, pull, head, comments, review } = await pullWithReview("[review] add() subtracts");
    followUpScript = {
      calls: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "return x * 3;", new_str: "return x * 2;" } }],
      summary: `#${comments[0]}: double() now multiplies by 2\n#${comments[1]}: not changed: add is the name the issue uses\nAll checks pass.`,
      firstDelayMs: 1_000,
    };
    // A reviewer pushes to the branch while the Coder works: the app's commit must go on top, never over it.
    let reviewerCommit = "";
    duringFollowUp = () => {
      const work = mkdtempSync(path.join(tmpdir(), "venom-reviewer-"));
      const git = (...args: string[]) => execFileSync("git", args, { cwd: work, encoding: "utf8" }).trim();
      git("clone", "--quiet", "--branch", `issue-${issue}`, github.bareRepoPath(repo), ".");
      execFileSync("sh", ["-c", "echo 'reviewer note' >> README.md"], { cwd: work });
      git("-c", "user.name=reviewer", "-c", "user.email=r@example.com", "commit", "--quiet", "-am", "reviewer: README note");
      git("push", "--quiet", "origin", "HEAD");
      reviewerCommit = git("rev-parse", "HEAD");
    };
    expect((await deliver(venom.url, "pull_request_review", review, { secret })).status).toBe(202);
    const job = await finishedJob(venom, issue, "review");
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    expect(job.prUrl).toBe(github.pulls(repo).find((item) => item.number === pull)?.html_url);
    expect(job.tokens).toBeGreaterThan(0);

    const newHead = bareGit("rev-parse", `refs/heads/issue-${issue}`);
    expect(reviewerCommit).not.toBe("");
    // Exactly one commit of the app's on top of the reviewer's, which sits on the old head: nothing was overwritten.
    expect(bareGit("rev-list", "--count", `${reviewerCommit}..${newHead}`)).toBe("1");
    expect(bareGit("merge-base", "--is-ancestor", head, newHead)).toBe("");
    expect(bareGit("merge-base", "--is-ancestor", reviewerCommit, newHead)).toBe("");
    expect(github.readFile(repo, `issue-${issue}`, "calc.js")).toContain("return x * 2;");
    expect(github.readFile(repo, `issue-${issue}`, "README.md")).toContain("reviewer note");
    expect(github.pulls(repo).filter((item) => item.head.ref === `issue-${issue}`)).toHaveLength(1);
    // The round's commit was made through the Git Data API after the branch moved (signed: Verified), names the
    // reviewer as co-author, and carries its own Venom check run.
    expect(github.apiCommits(repo)).toContain(newHead);
    expect(github.commitVerification(repo, newHead)).toEqual({ verified: true, reason: "valid" });
    // The reviewer's id comes from the users API (the round's job keeps the login).
    expect(bareGit("log", "-1", "--format=%B", newHead)).toContain(`Co-authored-by: reviewer <${numericId("reviewer")}+reviewer@users.noreply.github.com>`);
    expect(github.checks.checkRuns(repo, newHead).filter((run) => run.name === "Venom").map((run) => run.history)).toEqual([["in_progress", "completed/success"]]);

    // The round's run page: its step and the Coder's phases, the round's tool calls, the checks.
    const detail = (await (await fetch(`${venom.url}/venom/api/jobs/${job.id}`)).json()) as {
      steps: Array<{ name: string; kind: string; startedAt: string; endedAt?: string }>;
      toolCalls: Array<{ agent: string; name: string; arguments: string; ok: boolean }>;
      checks: { result: string } | null;
    };
    expect(detail.steps.filter((step) => step.kind === "step").map((step) => step.name)).toEqual(["follow_up"]);
    expect(detail.steps.map((step) => step.name)).toEqual(expect.arrayContaining(["coding", "validating", "commit"]));
    expect(detail.steps.every((step) => step.endedAt !== undefined)).toBe(true);
    const roundEdit = detail.toolCalls.find((call) => call.name === "str_replace");
    expect(roundEdit).toMatchObject({ agent: "coder", ok: true });
    expect(roundEdit?.arguments).toContain("return x * 2;");
    expect(detail.checks).toMatchObject({ result: "passed" });

    const sha7 = newHead.slice(0, 7);
    const answers = replies(pull);
    expect(answers.map((reply) => reply.inReplyTo).sort()).toEqual([...comments].sort());
    expect(answers.find((reply) => reply.inReplyTo === comments[0])?.body).toBe(`Done in \`${sha7}\`: double() now multiplies by 2`);
    expect(answers.find((reply) => reply.inReplyTo === comments[1])?.body).toBe("Not changed: add is the name the issue uses");
    expect(answers.every((reply) => reply.user === `${github.appSlug}[bot]`)).toBe(true);

    // The Coder saw the review, each inline comment with its place and hunk, and the PR's diff.
    const prompt = llm.requests.map((request) => text(request.messages.find((message) => message.role === "user")?.content)).find((user) => user.includes("follow-up round")) ?? "";
    expect(prompt).toContain("Two things, please.");
    expect(prompt).toContain(`Inline comment #${comments[0]} by @reviewer on calc.js:6`);
    expect(prompt).toContain("return x * 3;");
    expect(prompt).toContain("+  return a + b;");

    // The issue's run kept its clone for the PR's follow-ups, and the round reused it.
    expect(existsSync(path.join(dataDir, "workspaces", `octo__calc__issue-${issue}`, ".git"))).toBe(true);
    expect(venom.output.join("\n")).toMatch(/"reused":true[^\n]*Follow-up workspace ready/);

    const status = github.comments(repo, issue).filter((comment) => comment.body?.includes("<!-- venom:status -->"));
    expect(status).toHaveLength(1);
    expect(status[0]?.body).toContain(`Round 2 (review by @reviewer): pushed \`${sha7}\`, 2 replies`);
  });

  it("resumes a follow-up killed mid-round once: no duplicate commit, no duplicate reply", async () => {
    const { issue, pull, head, comments, review } = await pullWithReview("[review] add() subtracts again");
    followUpScript = {
      calls: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "return x * 3;", new_str: "return x * 2;" } }],
      summary: `#${comments[0]}: fixed\n#${comments[1]}: renamed nothing`,
      firstDelayMs: 2_500,
    };
    expect((await deliver(venom.url, "pull_request_review", review, { secret })).status).toBe(202);
    await waitFor(async () => (await jobsOf(venom, issue)).find((job) => job.trigger === "review" && job.step === "coding"), 30_000, "the follow-up's Coder to start");
    await venom.kill();
    venom = await startApp();
    const job = await finishedJob(venom, issue, "review");
    expect(job).toMatchObject({ state: "succeeded", attempts: 2 });
    const newHead = bareGit("rev-parse", `refs/heads/issue-${issue}`);
    expect(bareGit("rev-list", "--count", `${head}..${newHead}`)).toBe("1");
    expect(replies(pull)).toHaveLength(2);
    expect(replies(pull).every((reply) => reply.body.startsWith(`Done in \`${newHead.slice(0, 7)}\``))).toBe(true);
    expect(github.pulls(repo).filter((item) => item.head.ref === `issue-${issue}`)).toHaveLength(1);
  });
});
