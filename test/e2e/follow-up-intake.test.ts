// Follow-up intake end to end: review and CI events on the app's own PR, as signed deliveries to the running app.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FAKE_APP_ID, FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "follow-up-intake-secret";
const repo = "Codertocat/Hello-World";
const branch = "issue-7";
let github: FakeGitHub;
let privateKey: string;
let headSha: string;
let pullNumber: number;
const running: VenomProcess[] = [];

/** A commit on `issue-7` made straight in the bare repository, as the app's first run would have pushed it. */
function pushBranch(): string {
  const bare = github.bareRepoPath(repo);
  const index = path.join(mkdtempSync(path.join(tmpdir(), "follow-up-index-")), "index");
  const env = { ...process.env, GIT_INDEX_FILE: index, GIT_AUTHOR_NAME: "Venom", GIT_AUTHOR_EMAIL: "venom@example.com", GIT_COMMITTER_NAME: "Venom", GIT_COMMITTER_EMAIL: "venom@example.com" };
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", bare, ...args], { env, encoding: "utf8" }).trim();
  const blob = execFileSync("git", ["--git-dir", bare, "hash-object", "-w", "--stdin"], { input: "fixed\n", env, encoding: "utf8" }).trim();
  git("read-tree", "main");
  git("update-index", "--add", "--cacheinfo", `100644,${blob},FIX.md`);
  const commit = git("commit-tree", git("write-tree"), "-p", "main", "-m", "Fix #7");
  git("update-ref", `refs/heads/${branch}`, commit);
  return commit;
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo(repo, { files: { "README.md": "# Hello\n" } });
  github.setPermission(repo, "reader", "read");
  github.setPermission(repo, "maintainer", "maintain");
  headSha = pushBranch();
  const opened = await fetch(`${github.apiUrl}/repos/${repo}/pulls`, {
    method: "POST",
    headers: { authorization: `token ${github.token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "Fix #7", head: branch, base: "main", body: "Closes #7" }),
  });
  pullNumber = ((await opened.json()) as { number: number }).number;
  privateKey = testPrivateKey();
});
afterAll(async () => {
  await github.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((venom) => venom.stop()));
});

async function start(dataDir: string, extra: Record<string, string> = {}): Promise<VenomProcess> {
  const env = {
    APP_ID: String(FAKE_APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    VENOM_DATA_DIR: dataDir,
    LOG_LEVEL: "debug",
    ...extra,
  };
  const venom = await startVenom({ env, script: "test/support/harness-server.ts", args: [] });
  running.push(venom);
  return venom;
}

async function jobs(venom: VenomProcess): Promise<JobRecord[]> {
  const response = await fetch(`${venom.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

/** The example's pull request moved onto the app's branch, its head at `headSha`. */
function ourPull(payload: Payload): Payload {
  const pull = payload.pull_request as { number: number; head: { ref: string; sha: string } };
  pull.number = pullNumber;
  pull.head.ref = branch;
  pull.head.sha = headSha;
  return payload;
}

function review(login: string, state: string, type = "User"): Payload {
  const payload = ourPull(example("pull_request_review", "submitted"));
  const user = { ...(payload.sender as object), login, type };
  Object.assign(payload, { sender: user, review: { ...(payload.review as object), state, body: "Please rename the helper.", user } });
  return payload;
}

function checkRun(appId: number, conclusion = "failure"): Payload {
  const payload = example("check_run", "completed");
  const run = payload.check_run as { head_sha: string; conclusion: string; app: { id: number }; check_suite: { head_branch: string }; pull_requests: Array<{ number: number; head: { ref: string; sha: string } }> };
  Object.assign(run, { head_sha: headSha, conclusion, app: { ...run.app, id: appId } });
  run.check_suite.head_branch = branch;
  for (const pull of run.pull_requests) Object.assign(pull, { number: pullNumber, head: { ...pull.head, ref: branch, sha: headSha } });
  // The app's own push makes its CI's events come from the app.
  payload.sender = { login: "venom-integrator[bot]", type: "Bot" };
  return payload;
}

function workflowRun(conclusion: string): Payload {
  const payload = example("workflow_run", "completed");
  Object.assign(payload.workflow_run as object, { head_branch: branch, head_sha: headSha, conclusion });
  payload.sender = { login: "venom-integrator[bot]", type: "Bot" };
  return payload;
}

describe("follow-ups on the app's own pull request, at intake", () => {
  it("starts nothing for a read-only reviewer, the app itself or its own check run; a workflow awaiting approval only gets reported", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-follow-up-")));
    const sent = [
      await deliver(venom.url, "pull_request_review", review("reader", "changes_requested"), { secret }),
      await deliver(venom.url, "pull_request_review", review("venom-integrator[bot]", "changes_requested", "Bot"), { secret }),
      await deliver(venom.url, "pull_request_review", review("maintainer", "approved"), { secret }),
      await deliver(venom.url, "check_run", checkRun(FAKE_APP_ID), { secret }),
    ];
    expect(sent.map((result) => result.status)).toEqual([202, 202, 202, 202]);
    await settle();
    expect(await jobs(venom)).toEqual([]);
    expect(github.requests.some((request) => request.path.endsWith("/collaborators/reader/permission"))).toBe(true);
    expect(github.requests.some((request) => request.path.includes("venom-integrator[bot]/permission"))).toBe(false);
    // Awaiting approval is no failure: a `ci` job that only writes the status line (no Coder round: follow-up-ci.test.ts).
    expect((await deliver(venom.url, "workflow_run", workflowRun("action_required"), { secret })).status).toBe(202);
    await settle();
    expect((await jobs(venom)).map((job) => job.trigger)).toEqual(["ci"]);
  });

  it("queues a review round for a maintainer's changes_requested review, and one CI round per failing head commit", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-follow-up-"));
    const runLog = path.join(dataDir, "runs.log");
    writeFileSync(runLog, "");
    const venom = await start(dataDir, { VENOM_TEST_JOB_MS: "1500", VENOM_TEST_RUN_LOG: runLog });
    await deliver(venom.url, "pull_request_review", review("maintainer", "changes_requested"), { secret });
    const [reviewJob] = await waitFor(async () => {
      const list = await jobs(venom);
      return list.length === 1 ? list : undefined;
    });
    expect(reviewJob).toMatchObject({ repo, issue: 7, trigger: "review" });
    await waitFor(() => readFileSync(runLog, "utf8").includes("start"), 10_000, "the review round to start");

    // While the review round runs: one failure, told three ways — kept, then one CI round after it.
    await deliver(venom.url, "check_run", checkRun(9999), { secret });
    await deliver(venom.url, "workflow_run", workflowRun("failure"), { secret });
    const suite = example("check_suite", "completed");
    Object.assign(suite.check_suite as object, { head_branch: branch, head_sha: headSha, conclusion: "failure", app: { id: 9999 } });
    await deliver(venom.url, "check_suite", suite, { secret });

    const done = await waitFor(async () => {
      const list = await jobs(venom);
      return list.length === 2 && list.every((job) => job.state === "succeeded") ? list : undefined;
    }, 20_000, "the review round and one CI round");
    expect(done.map((job) => job.trigger).sort()).toEqual(["ci", "review"]);
    await settle();
    expect(await jobs(venom)).toHaveLength(2);
  });
});
