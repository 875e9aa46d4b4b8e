// Issue-to-PR end to end: the real app (`venom serve`) against a fake GitHub, a scripted LLM and webhook sinks.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";
import { WebhookSink } from "../support/webhook-sink.js";

const secret = "pipeline-test-webhook-secret";
const repo = "octo/calc";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nfunction double(x) {\n  return x * 3;\n}\n\nmodule.exports = { add, double };\n",
  "test.sh":
    "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5, got '+c.add(2,3)); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\n",
  "README.md": "# calc\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let sink: WebhookSink;
let venom: VenomProcess;
let dataDir: string;
let privateKey: string;
const runningApps: VenomProcess[] = [];

function env(): Record<string, string> {
  return {
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
    VENOM_MODEL: "fake-model",
    VENOM_DATA_DIR: dataDir,
    DISCORD_WEBHOOK_URL: sink.discordUrl(),
    SLACK_WEBHOOK_URL: sink.slackUrl(),
    LOG_LEVEL: "debug",
  };
}

async function startApp(): Promise<VenomProcess> {
  const app = await startVenom({ env: env() });
  runningApps.push(app);
  return app;
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  sink = await WebhookSink.start();
  privateKey = testPrivateKey();
  dataDir = mkdtempSync(path.join(tmpdir(), "venom-pipeline-"));
  await github.createRepo(repo, { files });
  addSymlinkOut(github.bareRepoPath(repo));
  llm.whenExhausted(
    policy({
      happy: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] },
      escape: {
        file: "calc.js",
        coder: [
          { name: "create_file", arguments: { path: "../escaped.txt", content: "x" } },
          { name: "create_file", arguments: { path: "/tmp/venom-absolute.txt", content: "x" } },
          { name: "create_file", arguments: { path: ".git/hooks/pre-commit", content: "#!/bin/sh\necho pwned\n" } },
          { name: "create_file", arguments: { path: ".github/workflows/evil.yml", content: "on: push\n" } },
          { name: "create_file", arguments: { path: "outside-link/evil.txt", content: "x" } },
          { name: "str_replace", arguments: { path: "outside-link/x", old_str: "a", new_str: "b" } },
          fix,
        ],
      },
      failing: {
        file: "calc.js",
        coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a * b;" } }],
      },
      endless: { file: "calc.js", coder: [], neverFinish: true },
      crash: { file: "calc.js", coder: [fix], firstCoderDelayMs: 2_500 },
    }),
  );
  venom = await startApp();
});

afterAll(async () => {
  await Promise.all(runningApps.map((app) => app.stop()));
  await Promise.all([github.stop(), llm.stop(), sink.stop()]);
});

/** Commits `outside-link -> /tmp` to the default branch: a symlink pointing out of the repository. */
function addSymlinkOut(bare: string): void {
  const work = mkdtempSync(path.join(tmpdir(), "venom-symlink-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: work, stdio: "pipe" });
  git("clone", "--quiet", bare, ".");
  symlinkSync(tmpdir(), path.join(work, "outside-link"));
  git("add", "outside-link");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "add a symlink out");
  git("push", "--quiet", "origin", "HEAD");
}

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content ?? "");
}

function labeledPayload(issue: number, title: string): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue, state: "open" };
  (payload.issue as Record<string, unknown>).title = title;
  // GitHub's payload carries the issue's text as it was: a run stops if an outsider changed it since.
  (payload.issue as Record<string, unknown>).body = github.issues(repo).find((item) => item.number === issue)?.body ?? null;
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

async function jobsOf(app: VenomProcess, issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${app.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.issue === issue);
}

async function finished(app: VenomProcess, issue: number, timeoutMs = 60_000): Promise<JobRecord> {
  return waitFor(
    async () => {
      const [job] = await jobsOf(app, issue);
      return job && ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
    },
    timeoutMs,
    `job for issue #${issue} to finish`,
  );
}

function statusComments(issue: number) {
  return github.comments(repo, issue).filter((comment) => comment.body?.includes("<!-- venom:status -->"));
}

function pullsFor(issue: number) {
  return github.pulls(repo).filter((pull) => pull.head.ref === `issue-${issue}`);
}

describe("Issue-to-PR pipeline", () => {
  it("turns a labelled issue into branch issue-N with the fix, passing checks, one PR, one status comment, one notification", async () => {
    const issue = github.addIssue(repo, { title: "[happy] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
    const before = github.requests.length;
    sink.clear();
    expect((await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret })).status).toBe(202);
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed", trigger: "label" });
    expect(job.prUrl).toMatch(new RegExp(`/${repo}/pull/\\d+$`));
    expect(job.tokens).toBeGreaterThan(0);

    // The dashboard's run page: the steps with their times, the agents' tool calls in order, the checks' output.
    const detail = (await (await fetch(`${venom.url}/venom/api/jobs/${job.id}`)).json()) as {
      steps: Array<{ name: string; kind: string; startedAt: string; endedAt?: string }>;
      toolCalls: Array<{ agent: string; name: string; arguments: string; result: string; ok: boolean }>;
      checks: { result: string; output: string } | null;
      plan: { summary: string } | null;
      prUrl: string;
      statusCommentUrl: string | null;
    };
    expect(detail.steps.filter((step) => step.kind === "step").map((step) => step.name)).toEqual([
      "intake", "workspace", "plan", "code", "commit", "pull_request", "notify",
    ]);
    expect(detail.steps.every((step) => step.endedAt !== undefined && step.endedAt >= step.startedAt)).toBe(true);
    const calls = detail.toolCalls.map((call) => `${call.agent}:${call.name}`);
    expect(calls).toContain("architect:submit_plan");
    expect(calls.indexOf("coder:str_replace")).toBeGreaterThan(calls.indexOf("architect:submit_plan"));
    expect(detail.toolCalls.find((call) => call.name === "str_replace")?.arguments).toContain("return a + b;");
    expect(detail.checks).toMatchObject({ result: "passed" });
    expect(detail.plan?.summary).toEqual(expect.any(String));
    expect(detail.prUrl).toBe(job.prUrl);
    expect(detail.statusCommentUrl).toMatch(new RegExp(`/${repo}/issues/${issue.number}#issuecomment-\\d+$`));

    expect(github.readFile(repo, `issue-${issue.number}`, "calc.js")).toContain("return a + b;");
    expect(github.readFile(repo, "main", "calc.js")).toContain("return a - b;");
    const pulls = pullsFor(issue.number);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.body).toContain(`Closes #${issue.number}`);
    expect(pulls[0]?.body).toContain("Checks passed");
    expect(pulls[0]?.draft).toBe(false);
    expect(pulls[0]?.html_url).toBe(job.prUrl);
    const comments = statusComments(issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(job.prUrl);
    expect(github.reactions(repo, `issue:${issue.number}`)).toContain("eyes");
    await sink.waitFor((request) => request.path.startsWith("/api/"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const discord = sink.received.filter((request) => request.path.startsWith("/api/"));
    const slack = sink.received.filter((request) => !request.path.startsWith("/api/"));
    expect(discord).toHaveLength(1);
    expect(slack).toHaveLength(1);
    expect(JSON.stringify(discord[0]?.body)).toContain(job.prUrl);

    const restCalls = github.requests.slice(before).filter((request) => request.path.startsWith("/api/v3"));
    console.log(`REST calls for one resolved issue: ${restCalls.length}\n${restCalls.map((request) => `${request.method} ${request.path}`).join("\n")}`);
    // 11 for intake, status comment, PR and notification; 3 for the signed commit (tree, commit, ref); 2 for the Venom check run.
    expect(restCalls.length).toBeLessThanOrEqual(16);

    // Labelled again, and the same delivery again: still exactly one PR and one job.
    const payload = labeledPayload(issue.number, issue.title);
    await deliver(venom.url, "issues", payload, { secret, id: "repeat-1" });
    await deliver(venom.url, "issues", payload, { secret, id: "repeat-1" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobsOf(venom, issue.number)).toHaveLength(1);
    expect(pullsFor(issue.number)).toHaveLength(1);
  });

  it("refuses escapes (../, absolute, .git/hooks, workflows, symlinks out) and still succeeds", async () => {
    const issue = github.addIssue(repo, { title: "[escape] add() subtracts", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    const escapeRequest = llm.requests.filter((request) =>
      request.messages.some((message) => typeof message.content === "string" && message.content.includes("[escape]")),
    );
    const results = escapeRequest.flatMap((request) =>
      request.messages.filter((message) => message.role === "tool").map((message) => String(message.content)),
    );
    const refusals = [...new Set(results.filter((result) => result.startsWith("Error:")))];
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    const branch = `issue-${issue.number}`;
    expect(github.readFile(repo, branch, ".github/workflows/evil.yml")).toBeUndefined();
    expect(github.readFile(repo, branch, "calc.js")).toContain("return a + b;");
    expect(() => statSync("/tmp/venom-absolute.txt")).toThrow();
    expect(() => statSync(path.join(dataDir, "workspaces", "escaped.txt"))).toThrow();
  });

  it("opens a draft PR whose body shows the failure when checks keep failing", async () => {
    const issue = github.addIssue(repo, { title: "[failing] add() subtracts", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "failed" });
    const [pull] = pullsFor(issue.number);
    expect(pull?.draft).toBe(true);
    expect(pull?.body).toContain("Checks failed");
    expect(pull?.body).toContain("add(2,3) should be 5");
    expect(pull?.body).toContain(`Closes #${issue.number}`);
  });

  it("stops a model that never finishes at its iteration budget, with a clear status comment", async () => {
    const issue = github.addIssue(repo, { title: "[endless] add() subtracts", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    const job = await finished(venom, issue.number);
    expect(job.state).toBe("failed");
    expect(job.error).toMatch(/Coder did not finish.*iterations/);
    expect(pullsFor(issue.number)).toHaveLength(0);
    const [comment] = statusComments(issue.number);
    expect(comment?.body).toMatch(/Stopped: The Coder did not finish/);
    expect(github.reactions(repo, `issue:${issue.number}`)).toContain("confused");
  });

  it("retries the model on 429 (Retry-After) and 500", async () => {
    const issue = github.addIssue(repo, { title: "[happy] retry on model errors", labels: ["venom"] });
    llm.script([
      { status: 429, headers: { "retry-after": "1" } },
      { status: 500 },
    ]);
    const before = llm.requests.length;
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    const statuses = llm.requests.slice(before, before + 3).map((request) => request.status);
    expect(statuses).toEqual([429, 500, 200]);
  });

  it("completes with one PR after the app is killed mid-run and restarted", async () => {
    const issue = github.addIssue(repo, { title: "[crash] add() subtracts", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    await waitFor(async () => (await jobsOf(venom, issue.number))[0]?.step === "coding", 30_000, "the Coder to start");
    await venom.kill();
    venom = await startApp();
    const job = await finished(venom, issue.number);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed", attempts: 2 });
    expect(pullsFor(issue.number)).toHaveLength(1);
    expect(statusComments(issue.number)).toHaveLength(1);
  });

  it("/venom plan posts a plan and no PR; a maintainer's /venom fix then applies that plan without planning again", async () => {
    github.setPermission(repo, "maintainer", "maintain");
    const issue = github.addIssue(repo, { title: "[happy] plan first", labels: [] });
    const comment = (body: string) => {
      const posted = github.addComment(repo, issue.number, body, "maintainer");
      const payload = example("issue_comment", "created");
      payload.comment = { ...payload.comment!, id: posted.id, body, user: { ...payload.comment!.user, login: "maintainer", type: "User" } } as typeof payload.comment;
      payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
      payload.issue = { ...payload.issue, number: issue.number, state: "open" };
      Object.assign(payload.issue, { title: issue.title, body: issue.body });
      delete payload.issue.pull_request;
      payload.repository = { ...payload.repository, full_name: repo };
      return payload;
    };
    await deliver(venom.url, "issue_comment", comment("/venom plan"), { secret });
    const planned = await finished(venom, issue.number);
    expect(planned).toMatchObject({ state: "succeeded", checks: "none" });
    expect(pullsFor(issue.number)).toHaveLength(0);
    expect(statusComments(issue.number)[0]?.body).toContain("Plan ready");
    // 👀 goes on the /venom comment that started the run.
    const planComment = github.comments(repo, issue.number).find((item) => item.body === "/venom plan");
    expect(github.reactions(repo, `comment:${planComment?.id}`)).toContain("eyes");

    const architectCalls = () =>
      llm.requests.filter(
        (request) =>
          text(request.messages[0]?.content).includes("Architect") &&
          request.messages.some((message) => text(message.content).includes("plan first")),
      ).length;
    const before = architectCalls();
    await deliver(venom.url, "issue_comment", comment("/venom fix"), { secret });
    const fixed = await waitFor(
      async () => (await jobsOf(venom, issue.number)).find((job) => job.trigger === "comment" && job.prUrl),
      60_000,
      "the /venom fix run",
    );
    expect(fixed).toMatchObject({ state: "succeeded", checks: "passed" });
    expect(architectCalls()).toBe(before);
    expect(pullsFor(issue.number)).toHaveLength(1);
    expect(statusComments(issue.number)).toHaveLength(1);
  });

  it("/venom revise plans again from the last plan and the maintainer's text; /venom fix then applies the revised plan", async () => {
    github.setPermission(repo, "maintainer", "maintain");
    const issue = github.addIssue(repo, { title: "[happy] revise the plan", labels: [] });
    const comment = (body: string) => {
      const posted = github.addComment(repo, issue.number, body, "maintainer");
      const payload = example("issue_comment", "created");
      payload.comment = { ...payload.comment!, id: posted.id, body, user: { ...payload.comment!.user, login: "maintainer", type: "User" } } as typeof payload.comment;
      payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
      payload.issue = { ...payload.issue, number: issue.number, state: "open" };
      Object.assign(payload.issue, { title: issue.title, body: issue.body });
      delete payload.issue.pull_request;
      payload.repository = { ...payload.repository, full_name: repo };
      return payload;
    };
    const finishedAfter = (known: string[], what: string) =>
      waitFor(
        async () => (await jobsOf(venom, issue.number)).find((job) => !known.includes(job.id) && ["succeeded", "failed", "cancelled"].includes(job.state)),
        60_000,
        what,
      );
    const architectPrompts = () =>
      llm.requests
        .filter((request) => text(request.messages[0]?.content).includes("Architect"))
        .map((request) => request.messages.map((message) => text(message.content)).join("\n"))
        .filter((prompt) => prompt.includes("revise the plan"));

    await deliver(venom.url, "issue_comment", comment("/venom plan"), { secret });
    const planned = await finishedAfter([], "the /venom plan run");
    expect(planned).toMatchObject({ state: "succeeded", checks: "none" });
    expect(statusComments(issue.number)[0]?.body).toContain("Fix calc.js for happy.");

    await deliver(venom.url, "issue_comment", comment("/venom revise use a different approach"), { secret });
    const revised = await finishedAfter([planned.id], "the /venom revise run");
    expect(revised).toMatchObject({ state: "succeeded", checks: "none", trigger: "comment" });
    expect(pullsFor(issue.number)).toHaveLength(0);
    const [status] = statusComments(issue.number);
    expect(status?.body).toContain("Revised fix of calc.js for happy.");
    expect(status?.body).toContain("Revised plan ready");
    expect(statusComments(issue.number)).toHaveLength(1);
    // The Architect saw its previous plan and the maintainer's words.
    const revisionPrompt = architectPrompts().find((prompt) => prompt.includes("Revision requested by @maintainer"));
    expect(revisionPrompt).toContain("use a different approach");
    expect(revisionPrompt).toContain("Fix calc.js for happy.");

    const architectCallsBefore = architectPrompts().length;
    await deliver(venom.url, "issue_comment", comment("/venom fix"), { secret });
    const fixed = await finishedAfter([planned.id, revised.id], "the /venom fix run");
    expect(fixed).toMatchObject({ state: "succeeded", checks: "passed" });
    expect(fixed.prUrl).toBeTruthy();
    expect(architectPrompts()).toHaveLength(architectCallsBefore);
    // The Coder worked from the revised plan.
    const coderPrompts = llm.requests
      .filter((request) => text(request.messages[0]?.content).includes("Coder"))
      .map((request) => request.messages.map((message) => text(message.content)).join("\n"))
      .filter((prompt) => prompt.includes("revise the plan"));
    expect(coderPrompts.length).toBeGreaterThan(0);
    expect(coderPrompts.every((prompt) => prompt.includes("Revised fix of calc.js for happy."))).toBe(true);
    expect(pullsFor(issue.number)).toHaveLength(1);
    expect(statusComments(issue.number)).toHaveLength(1);
  });

  it("leaves the token nowhere under VENOM_DATA_DIR, in .git/config, or in the logs", () => {
    const token = github.token;
    const leaks: string[] = [];
    const walk = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && readFileSync(full).includes(token)) leaks.push(full);
      }
    };
    walk(dataDir);
    expect(leaks).toEqual([]);
    const logs = runningApps.flatMap((app) => app.output).join("\n");
    expect(logs).not.toContain(token);
    expect(logs).not.toContain("sk-test-abcdefghijklmnopqrstuvwxyz");
    const bareConfig = execFileSync("git", ["config", "--list"], { cwd: github.bareRepoPath(repo) }).toString();
    expect(bareConfig).not.toContain(token);
  });
});
