// The Integrator's steps (pollIssues, handleIssue, finalizeIssue) and handleRemoteIssue's trigger, against a fake GitHub.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { WebhookSink } from "../support/webhook-sink.js";

const run = promisify(execFile);
const repo = "octo/api-steps";
const approvalRepo = "octo/api-approval";
const bot = "venom-integrator[bot]";
let github: FakeGitHub;
let llm: FakeLlm;
let sink: WebhookSink;
let venom: Venom;

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  sink = await WebhookSink.start();
  await github.createRepo(repo, { files: { "calc.js": "exports.add = (a, b) => a - b;\n" } });
  await github.createRepo(approvalRepo, {
    files: { "calc.js": "exports.add = (a, b) => a - b;\n", ".github/venom.yml": "require_plan_approval: true\n" },
  });
  llm.whenExhausted(policy({ api: { file: "calc.js", coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "a - b", new_str: "a + b" } }] } }));
  const config = readConfig(
    {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      GITHUB_TOKEN: github.token,
      GITHUB_REPO_NAME: repo,
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-api-")),
      OPENAI_BASE_URL: llm.baseUrl,
      SLACK_WEBHOOK_URL: sink.slackUrl(),
      VENOM_SANDBOX: "none",
    },
    "/tmp",
  );
  venom = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
});
afterAll(async () => {
  await venom.stop();
  await Promise.all([github.stop(), llm.stop(), sink.stop()]);
});

/** Commits a change on the branch and pushes it, as a user's own tooling would between handleIssue and finalizeIssue. */
async function pushChange(branch: string, content: string): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "venom-api-work-"));
  const auth = `Authorization: Basic ${Buffer.from(`x-access-token:${github.token}`).toString("base64")}`;
  await run("git", ["-c", `http.extraHeader=${auth}`, "clone", "--quiet", "--branch", branch, `${github.url}/${repo}.git`, work]);
  writeFileSync(path.join(work, "calc.js"), content);
  await run("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "fix add"], { cwd: work });
  await run("git", ["-c", `http.extraHeader=${auth}`, "push", "-q", "origin", branch], { cwd: work });
}

describe("integrator.pollIssues", () => {
  it("answers the open triggered issues, labelled or assigned, and starts nothing", async () => {
    const labelled = github.addIssue(repo, { title: "Labelled", labels: ["venom", "bug"] });
    const assigned = github.addIssue(repo, { title: "Assigned", assignees: [bot] });
    github.addIssue(repo, { title: "Neither" });
    github.addIssue(repo, { title: "Closed", labels: ["venom"], state: "closed" });

    const issues = await venom.integrator.pollIssues();

    expect(issues.map((issue) => issue.number).sort()).toEqual([labelled.number, assigned.number].sort());
    const first = issues.find((issue) => issue.number === labelled.number);
    expect(first).toEqual({
      repo,
      number: labelled.number,
      title: "Labelled",
      url: expect.stringMatching(new RegExp(`/${repo}/issues/${labelled.number}$`)) as unknown,
      labels: ["venom", "bug"],
      assignees: [],
    });
    expect(issues.find((issue) => issue.number === assigned.number)?.assignees).toEqual([bot]);
    expect(await venom.queue.list({ repo })).toEqual([]);

    // Unchanged lists come back as 304s, yet the same issues are answered: a loop over them works every time.
    const again = await venom.integrator.pollIssues();
    expect(again.map((issue) => issue.number).sort()).toEqual(issues.map((issue) => issue.number).sort());
  });
});

describe("integrator.handleIssue and finalizeIssue", () => {
  it("reads the issue, creates its branch once, then opens and updates one pull request with a comment each time", async () => {
    const issue = github.addIssue(repo, { title: "[api] add() subtracts", body: "2 + 3 should be 5" });
    github.addComment(repo, issue.number, "Still broken on main.", "alice");
    const requestsBefore = llm.requests.length;

    const handled = await venom.integrator.handleIssue({ issueNumber: issue.number });

    expect(handled).toMatchObject({
      repo,
      issueNumber: issue.number,
      branch: `issue-${issue.number}`,
      base: "main",
      branchCreated: true,
      issue: { number: issue.number, title: "[api] add() subtracts", body: "2 + 3 should be 5", state: "open" },
    });
    expect(handled.comments.map((comment) => [comment.author, comment.body])).toEqual([["alice", "Still broken on main."]]);
    expect(github.branchSha(repo, handled.branch)).toBe(github.branchSha(repo, "main"));
    expect((await venom.integrator.handleIssue({ issueNumber: issue.number })).branchCreated).toBe(false);
    // Intake only: no model call, no job.
    expect(llm.requests.length).toBe(requestsBefore);
    expect(await venom.queue.list({ repo })).toEqual([]);

    await pushChange(handled.branch, "exports.add = (a, b) => a + b;\n");
    const opened = await venom.integrator.finalizeIssue({ issueNumber: issue.number, branch: handled.branch, title: "Fix add()", body: "Adds." });

    expect(opened).toMatchObject({ created: true, prUrl: expect.stringMatching(/\/pull\/\d+$/) as unknown });
    const [pull] = github.pulls(repo).filter((candidate) => candidate.head.ref === handled.branch);
    expect(pull).toMatchObject({ number: opened.prNumber, title: "Fix add()", base: { ref: "main" } });
    expect(pull?.body).toContain(`Closes #${issue.number}`);
    const comments = github.comments(repo, issue.number);
    expect(comments.find((comment) => comment.id === opened.commentId)?.body).toBe(`Pull request ready for review: ${opened.prUrl}`);
    const notified = await sink.waitFor((request) => request.rawBody.includes(opened.prUrl));
    expect(notified.rawBody).toContain("Fix add()");

    const updated = await venom.integrator.finalizeIssue({ issueNumber: issue.number, branch: handled.branch, title: "Fix add() for good", body: "Adds, really." });

    expect(updated).toMatchObject({ created: false, prNumber: opened.prNumber, prUrl: opened.prUrl });
    expect(github.pulls(repo).filter((candidate) => candidate.head.ref === handled.branch)).toHaveLength(1);
    expect(github.pulls(repo).find((candidate) => candidate.number === opened.prNumber)?.title).toBe("Fix add() for good");
    expect(github.comments(repo, issue.number).find((comment) => comment.id === updated.commentId)?.body).toBe(`Pull request updated: ${opened.prUrl}`);
  });

  it("refuses a closed issue and a pull request with one line each", async () => {
    const closed = github.addIssue(repo, { title: "Done already", state: "closed" });
    await expect(venom.integrator.handleIssue({ issueNumber: closed.number })).rejects.toThrow(
      `Issue #${closed.number} in ${repo} is closed; reopen it to handle it.`,
    );
    expect(github.branchSha(repo, `issue-${closed.number}`)).toBeUndefined();
    const pull = github.pulls(repo)[0];
    expect(pull).toBeDefined();
    await expect(venom.integrator.handleIssue({ issueNumber: pull?.number ?? 0 })).rejects.toThrow(/is a pull request; pass an issue number\.$/);
  });
});

describe("orchestrator.handleRemoteIssue", () => {
  it("records its runs with trigger api, and require_plan_approval stops them at the plan", async () => {
    const issue = github.addIssue(approvalRepo, { title: "[api] add() subtracts" });

    const result = await venom.orchestrator.handleRemoteIssue({ repo: approvalRepo, issueNumber: issue.number });

    expect(result).toMatchObject({ success: true, issueNumber: issue.number });
    expect(result.prUrl).toBeUndefined();
    expect(result.message).toMatch(/^Plan posted on the issue \(require_plan_approval\)/);
    expect(github.pulls(approvalRepo)).toEqual([]);
    expect(github.comments(approvalRepo, issue.number).some((comment) => comment.body.includes("/venom fix"))).toBe(true);

    // The record says api wherever it is read: the queue and the dashboard's JSON API.
    expect((await venom.queue.get(result.jobId ?? ""))?.trigger).toBe("api");
    const port = await venom.listen(0, "127.0.0.1");
    const { jobs } = (await (await fetch(`http://127.0.0.1:${port}/venom/api/jobs`)).json()) as { jobs: Array<{ id: string; trigger: string }> };
    expect(jobs.find((job) => job.id === result.jobId)?.trigger).toBe("api");
  });
});
