// What real GitHub does that the happy path never shows: late events, tokens that expire mid-run, Apps that cannot be assigned.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import type { JobRecord } from "../../src/queue/types.js";
import { createVenom } from "../../src/venom.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub, type Issue } from "../support/fake-github.js";
import { FakeLlm, type LlmRequest, type StaticStep } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "real-github-webhook-secret";
const repo = "octo/late";
const assignee = "venom-helper";
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;
let privateKey: string;

/** The fake model; the issue tagged `[expire]` sees every installation token expire as the Coder finishes. */
function model(): (request: LlmRequest) => StaticStep {
  const scripted = policy({ expire: { file: "calc.js", coder: [fix] }, assign: { file: "calc.js", coder: [fix] } });
  let expired = false;
  return (request) => {
    const step = scripted(request);
    const finishing = "toolCalls" in step && step.toolCalls[0]?.name === "finish";
    if (finishing && !expired && promptOf(request).includes("[expire]")) {
      expired = true;
      github.expireTokens();
    }
    return step;
  };
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  privateKey = testPrivateKey();
  await github.createRepo(repo, {
    files: {
      "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
      ".github/venom.yml": "label: fix-me\n",
    },
  });
  llm.whenExhausted(model());
  venom = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-real-github-")),
      VENOM_ASSIGNEE: assignee,
      VENOM_SANDBOX: "none",
      LOG_LEVEL: "debug",
    },
  });
});

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop()]);
});

function promptOf(request: LlmRequest): string {
  return request.messages.map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content ?? ""))).join("\n");
}

/** An official example of `issues.<action>` about `issue`, as GitHub sent it: before whatever happened to the issue since. */
let eventCount = 0;

function event(action: "labeled" | "assigned", issue: Issue): Payload {
  const payload = example("issues", action);
  payload.issue = { ...payload.issue, number: issue.number, state: "open" };
  // Each event happens at its own time: GitHub's updated_at moves, and replay protection keys on it.
  Object.assign(payload.issue, { title: issue.title, body: issue.body, updated_at: new Date(Date.now() + eventCount++).toISOString() });
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

function labeled(issue: Issue, label: string): Payload {
  const payload = event("labeled", issue);
  payload.label = { ...payload.label!, name: label };
  return payload;
}

function assigned(issue: Issue, login: string): Payload {
  const payload = event("assigned", issue);
  payload.assignee = { ...payload.assignee!, login };
  return payload;
}

async function jobsOf(issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${venom.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.repo === repo && job.issue === issue);
}

async function finished(issue: number): Promise<JobRecord> {
  return waitFor(
    async () => {
      const [job] = await jobsOf(issue);
      return job && ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
    },
    60_000,
    `job for issue #${issue} to finish`,
  );
}

/** Model requests about an issue, found by its title. */
function modelCallsAbout(title: string): number {
  return llm.requests.filter((request) => promptOf(request).includes(title)).length;
}

/** What the app wrote on an issue: comments and reactions. */
function tracesOn(issue: number): { comments: number; reactions: string[] } {
  return { comments: github.comments(repo, issue).length, reactions: github.reactions(repo, `issue:${issue}`) };
}

describe("events that arrive late", () => {
  it("a labeled event whose label is gone, or whose issue is closed since, ends quietly: no comment, no reaction, no model call", async () => {
    const unlabelled = github.addIssue(repo, { title: "[gone] label removed before the run", labels: [] });
    const closed = github.addIssue(repo, { title: "[gone] closed before the run", labels: ["venom"], state: "closed" });
    await deliver(venom.url, "issues", labeled(unlabelled, "venom"), { secret });
    await deliver(venom.url, "issues", labeled(closed, "venom"), { secret });

    const removed = await finished(unlabelled.number);
    expect(removed).toMatchObject({ state: "cancelled", trigger: "label", error: "trigger no longer holds: label venom or fix-me removed" });
    const wasClosed = await finished(closed.number);
    expect(wasClosed).toMatchObject({ state: "cancelled", error: `trigger no longer holds: issue #${closed.number} is closed` });
    for (const issue of [unlabelled, closed]) {
      expect(tracesOn(issue.number)).toEqual({ comments: 0, reactions: [] });
      expect(modelCallsAbout(issue.title)).toBe(0);
    }

    // A quiet end is not "already resolved": the next label event queues a new job.
    const relabel = await deliver(venom.url, "issues", labeled(unlabelled, "venom"), { secret });
    expect(relabel.status).toBe(202);
    await waitFor(async () => (await jobsOf(unlabelled.number)).length === 2, 15_000, "a second job after the label came back");
  });

  it("an assignment to VENOM_ASSIGNEE that was undone ends quietly; one to anybody else starts nothing", async () => {
    const issue = github.addIssue(repo, { title: "[gone] unassigned before the run", assignees: [] });
    await deliver(venom.url, "issues", assigned(issue, assignee), { secret });
    expect(await finished(issue.number)).toMatchObject({
      state: "cancelled",
      trigger: "assign",
      error: `trigger no longer holds: ${assignee} unassigned`,
    });
    expect(tracesOn(issue.number)).toEqual({ comments: 0, reactions: [] });

    const other = github.addIssue(repo, { title: "[gone] assigned to a person", assignees: ["octocat"] });
    await deliver(venom.url, "issues", assigned(other, "octocat"), { secret });
    await deliver(venom.url, "issues", assigned(other, "venom-integrator[bot]"), { secret });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobsOf(other.number)).toEqual([]);
  });
});

describe("a run that outlives its installation token", () => {
  it("renews the token GitHub refuses before the push: the branch, one PR and one status comment", async () => {
    // The repository's own label (`label: fix-me`), still on the issue: the trigger holds.
    const issue = github.addIssue(repo, { title: "[expire] add() subtracts", labels: ["fix-me"] });
    const before = github.requests.length;
    await deliver(venom.url, "issues", labeled(issue, "fix-me"), { secret });
    const job = await finished(issue.number);
    expect(job).toMatchObject({ state: "succeeded", trigger: "label" });

    const since = github.requests.slice(before);
    const refused = since.filter((request) => request.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(github.readFile(repo, `issue-${issue.number}`, "calc.js")).toContain("return a + b;");
    const pulls = github.pulls(repo).filter((pull) => pull.head.ref === `issue-${issue.number}`);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.html_url).toBe(job.prUrl);
    expect(github.comments(repo, issue.number).filter((comment) => comment.body.includes("<!-- venom:status -->"))).toHaveLength(1);
    // The commit (made through the Git Data API) and the pull request went out with a token issued after the old ones expired.
    const commit = since.find((request) => request.method === "POST" && request.path === `/api/v3/repos/${repo}/git/commits`);
    const pull = since.find((request) => request.method === "POST" && request.path === `/api/v3/repos/${repo}/pulls`);
    expect(commit?.status).toBe(201);
    expect(pull?.status).toBe(201);
    const firstRefusal = since.indexOf(refused[0]!);
    expect(since.indexOf(commit!)).toBeGreaterThan(firstRefusal);
  });
});

describe("VENOM_ASSIGNEE (GitHub Apps cannot be assigned)", () => {
  it("an assignment to VENOM_ASSIGNEE starts a run that opens its pull request", async () => {
    const issue = github.addIssue(repo, { title: "[assign] add() subtracts", assignees: [assignee] });
    await deliver(venom.url, "issues", assigned(issue, assignee), { secret });
    const job = await finished(issue.number);
    expect(job).toMatchObject({ state: "succeeded", trigger: "assign" });
    expect(github.pulls(repo).filter((pull) => pull.head.ref === `issue-${issue.number}`)).toHaveLength(1);
  });

  it("the App-mode poller finds issues assigned to VENOM_ASSIGNEE, not ones assigned to the bot", async () => {
    const polled = await FakeGitHub.start();
    await polled.createRepo("octo/polled", { files: { "README.md": "polled\n" } });
    const toHelper = polled.addIssue("octo/polled", { title: "For the helper", assignees: [assignee] });
    polled.addIssue("octo/polled", { title: "For the bot", assignees: ["venom-integrator[bot]"] });
    const config = readConfig(
      {
        APP_ID: "1",
        PRIVATE_KEY: privateKey,
        GHE_HOST: polled.host,
        GHE_PROTOCOL: "http",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-real-github-poll-")),
        ENABLE_ISSUE_POLLING: "true",
        VENOM_ASSIGNEE: assignee,
      },
      "/tmp",
    );
    const app = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
    try {
      expect(await app.poller.pollOnce()).toMatchObject({ enqueued: 1 });
      const jobs = await app.queue.list();
      expect(jobs.map((job) => [job.issue, job.trigger])).toEqual([[toHelper.number, "poll"]]);
      const searches = polled.requests.filter((request) => request.path === "/api/v3/repos/octo/polled/issues").map((request) => request.url);
      expect(searches.some((url) => url.includes(`assignee=${assignee}`))).toBe(true);
    } finally {
      await app.stop();
      await polled.stop();
    }
  });
});
