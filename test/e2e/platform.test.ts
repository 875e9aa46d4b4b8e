// The programmatic API against a fake GitHub: PlatformSkill (typed data, seed error table) and handleRemoteIssue.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
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
const repo = "octo/platform";
let github: FakeGitHub;
let llm: FakeLlm;
let sink: WebhookSink;
let venom: Venom;

async function venomWith(env: Record<string, string>): Promise<Venom> {
  const config = readConfig(
    {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-platform-")),
      OPENAI_BASE_URL: llm.baseUrl,
      SLACK_WEBHOOK_URL: sink.slackUrl(),
      ...env,
    },
    "/tmp",
  );
  const log = await createLogger({ level: "warn", destination: new PassThrough() });
  return createVenom({ config, log });
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  sink = await WebhookSink.start();
  await github.createRepo(repo, {
    files: {
      "calc.js": "exports.add = (a, b) => a - b;\n",
      ".github/venom.yml": "checks: [\"node -e \\\"if (require('./calc.js').add(2,3)!==5) process.exit(1)\\\"\"]\n",
    },
  });
  llm.whenExhausted(
    policy({
      api: { file: "calc.js", coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "a - b", new_str: "a + b" } }] },
    }),
  );
  venom = await venomWith({ GITHUB_TOKEN: github.token, GITHUB_REPO_NAME: repo });
});
afterAll(async () => {
  await venom.stop();
  await Promise.all([github.stop(), llm.stop(), sink.stop()]);
});

describe("PlatformSkill", () => {
  it("lists issues assigned to the bot with typed fields, pull requests filtered out", async () => {
    github.addIssue(repo, { title: "Assigned one", body: "body", labels: ["bug"], assignees: ["venom-integrator[bot]"] });
    github.addIssue(repo, { title: "Not assigned" });
    const issues = await venom.skills.platform.getAssignedIssues();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ title: "Assigned one", body: "body", state: "open", labels: ["bug"], assignees: ["venom-integrator[bot]"] });
    expect(issues[0]?.url).toMatch(/\/octo\/platform\/issues\/\d+$/);
    expect(typeof issues[0]?.createdAt).toBe("string");
  });

  it("reads an issue with its comments, comments on it, and opens a pull request", async () => {
    const issue = github.addIssue(repo, { title: "Details", body: "please" });
    github.addComment(repo, issue.number, "first!", "alice");
    const posted = await venom.skills.platform.commentOnIssue(issue.number, "On it.");
    expect(posted.url).toContain(`/issues/${issue.number}`);
    const details = await venom.skills.platform.getIssueDetails(issue.number);
    expect(details.comments.map((comment) => [comment.author, comment.body])).toEqual([
      ["alice", "first!"],
      ["venom-integrator[bot]", "On it."],
    ]);

    // A pushed branch, then a PR from it; the PR does not show up as an assigned issue.
    const work = mkdtempSync(path.join(tmpdir(), "venom-platform-work-"));
    const auth = `Authorization: Basic ${Buffer.from(`x-access-token:${github.token}`).toString("base64")}`;
    await run("git", ["-c", `http.extraHeader=${auth}`, "clone", "--quiet", `${github.url}/${repo}.git`, work]);
    await run("git", ["checkout", "-q", "-b", "feature"], { cwd: work });
    await run("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "feature"], { cwd: work });
    await run("git", ["-c", `http.extraHeader=${auth}`, "push", "-q", "origin", "feature"], { cwd: work });
    const pull = await venom.skills.platform.createPullRequest({ branch: "feature", title: "Feature", body: "Closes #1" });
    expect(pull.url).toMatch(/\/pull\/\d+$/);
    expect((await venom.skills.platform.getAssignedIssues({ state: "all" })).some((item) => item.title === "Feature")).toBe(false);
  });

  it("maps GitHub errors to the seed's troubleshooting table in plain words", async () => {
    const wrongToken = await venomWith({ GITHUB_TOKEN: "ghp_wrongwrongwrongwrongwrongwrong1234", GITHUB_REPO_NAME: repo });
    await expect(wrongToken.skills.platform.getIssueDetails(1)).rejects.toThrow(/401 \(token invalid or expired\)/);
    expect((await wrongToken.skills.platform.checkConnection()).github).toMatchObject({ configured: true, connected: false });
    await wrongToken.stop();

    await expect(venom.skills.platform.getIssueDetails(1, { repo: "octo/missing" })).rejects.toThrow(/404 \(repository or issue missing, or no access\)/);

    github.failNext("GET", /\/issues\/1$/, 403, { body: { message: "Resource not accessible by integration" } });
    await expect(venom.skills.platform.getIssueDetails(1)).rejects.toThrow(/403 \(missing permission\)/);

    const reset = String(Math.floor(Date.now() / 1000));
    // Probot's throttling retries a primary rate limit after the reset: every attempt is refused here.
    github.failNext("GET", /\/issues\/1$/, 403, {
      times: 10,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
      body: { message: "API rate limit exceeded" },
    });
    await expect(venom.skills.platform.getIssueDetails(1)).rejects.toThrow(/rate limit is reached/);
  });

  it("says 'GitHub not configured' without credentials, and reports webhooks by configuration", async () => {
    const bare = await venomWith({});
    await expect(bare.skills.platform.getAssignedIssues()).rejects.toThrow(/^GitHub not configured/);
    expect(await bare.skills.platform.checkConnection()).toEqual({
      github: { configured: false, connected: false, error: expect.stringContaining("GitHub not configured") },
      discord: { configured: false },
      slack: { configured: true },
      teams: { configured: false },
    });
    const sent = await bare.skills.platform.sendNotification("Deploy completed", "slack");
    expect(sent).toEqual([{ channel: "slack", ok: true }]);
    expect(await bare.skills.platform.sendNotification("x", "discord")).toEqual([
      { channel: "discord", ok: false, error: "discord webhook URL not configured" },
    ]);
    await bare.stop();
  });
});

describe("orchestrator.handleRemoteIssue", () => {
  it("runs the whole pipeline for one issue and answers {success, issueNumber, message, prUrl}", async () => {
    const issue = github.addIssue(repo, { title: "[api] add() subtracts" });
    const result = await venom.orchestrator.handleRemoteIssue({ issueNumber: issue.number });
    expect(result).toMatchObject({ success: true, issueNumber: issue.number, prUrl: expect.stringMatching(/\/pull\/\d+$/) });
    expect(result.message).toContain("checks passed");
    expect(github.readFile(repo, `issue-${issue.number}`, "calc.js")).toContain("a + b");
  });

  it("answers success false with the reason when the issue cannot be handled", async () => {
    const result = await venom.orchestrator.handleRemoteIssue({ issueNumber: 9999 });
    expect(result).toMatchObject({ success: false, issueNumber: 9999 });
    expect(result.message).toMatch(/404/);
  });
});
