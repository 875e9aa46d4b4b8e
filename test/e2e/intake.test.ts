// Intake end to end: signed deliveries over real HTTP to the running app, GitHub faked at the HTTP boundary.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../src/queue/sqlite-inbox.js";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "intake-test-webhook-secret";
const repo = "Codertocat/Hello-World";
let github: FakeGitHub;
let privateKey: string;
const running: VenomProcess[] = [];

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo(repo, { files: { "README.md": "# Hello\n" } });
  await github.createRepo("octo/labels", { files: { ".github/venom.yml": "label: fix-me\n" } });
  github.setPermission(repo, "reader", "read");
  github.setPermission(repo, "maintainer", "maintain");
  privateKey = testPrivateKey();
});
afterAll(async () => {
  await github.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((venom) => venom.stop()));
});

function appEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    VENOM_DATA_DIR: dataDir,
    LOG_LEVEL: "debug",
    ...extra,
  };
}

async function start(dataDir: string, extra: Record<string, string> = {}): Promise<VenomProcess> {
  const venom = await startVenom({ env: appEnv(dataDir, extra), script: "test/support/harness-server.ts", args: [] });
  running.push(venom);
  return venom;
}

async function jobs(venom: VenomProcess): Promise<JobRecord[]> {
  const response = await fetch(`${venom.url}/venom/api/jobs`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs;
}

function labeled(issue = 1): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue };
  return payload;
}

function slashComment(body: string, login: string, type = "User"): Payload {
  const payload = example("issue_comment", "created");
  payload.comment = { ...payload.comment!, body, user: { ...payload.comment!.user, login, type } };
  payload.sender = { ...payload.sender, login, type };
  payload.issue = { ...payload.issue, state: "open" };
  delete payload.issue.pull_request;
  return payload;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("webhook intake over HTTP", () => {
  it("refuses a bad or missing signature with 401 and queues nothing", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-e2e-")));
    const bad = await deliver(venom.url, "issues", labeled(), { secret, signature: "sha256=" + "0".repeat(64) });
    const missing = await deliver(venom.url, "issues", labeled(), { secret, signature: null });
    const wrongSecret = await deliver(venom.url, "issues", labeled(), { secret: "not-the-secret" });
    expect([bad.status, missing.status, wrongSecret.status]).toEqual([401, 401, 401]);
    await settle();
    expect(await jobs(venom)).toEqual([]);
  });

  it("turns the same delivery sent twice into one job, and a second label while active into nothing", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-e2e-")), { VENOM_TEST_JOB_MS: "1500" });
    const first = await deliver(venom.url, "issues", labeled(2), { secret, id: "delivery-a" });
    const again = await deliver(venom.url, "issues", labeled(2), { secret, id: "delivery-a" });
    const relabel = await deliver(venom.url, "issues", labeled(2), { secret, id: "delivery-b" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ status: "duplicate" });
    expect(relabel.status).toBe(202);
    const done = await waitFor(async () => {
      const list = await jobs(venom);
      return list.length === 1 && list[0]?.state === "succeeded" ? list : undefined;
    });
    expect(done[0]).toMatchObject({ repo, issue: 2, trigger: "label", attempts: 1 });
    // Labelled again after it succeeded: a resolved issue re-runs only on /venom retry.
    await deliver(venom.url, "issues", labeled(2), { secret, id: "delivery-c" });
    await settle();
    expect(await jobs(venom)).toHaveLength(1);
  });

  it("ignores /venom fix from a read-only user and from bots, and runs it for a maintainer", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-e2e-")));
    expect((await deliver(venom.url, "issue_comment", slashComment("/venom fix", "reader"), { secret })).status).toBe(202);
    expect(
      (await deliver(venom.url, "issue_comment", slashComment("/venom fix", "venom-integrator[bot]", "Bot"), { secret })).status,
    ).toBe(202);
    await settle();
    expect(await jobs(venom)).toEqual([]);
    const permissionChecks = github.requests.filter((request) => request.path.endsWith("/collaborators/reader/permission"));
    expect(permissionChecks).toHaveLength(1);
    // The bot's own comment never reached the API.
    expect(github.requests.some((request) => request.path.includes("venom-integrator"))).toBe(false);

    await deliver(venom.url, "issue_comment", slashComment("/venom fix", "maintainer"), { secret });
    const list = await waitFor(async () => ((await jobs(venom)).length === 1 ? jobs(venom) : undefined));
    expect(list[0]).toMatchObject({ trigger: "comment", repo, issue: 1 });
  });

  it("runs a job again after the process is killed mid-run, and completes it once", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-e2e-"));
    const runLog = path.join(dataDir, "runs.log");
    writeFileSync(runLog, "");
    const env = { VENOM_TEST_JOB_MS: "2000", VENOM_TEST_RUN_LOG: runLog };
    const first = await start(dataDir, env);
    await deliver(first.url, "issues", labeled(3), { secret });
    await waitFor(() => readFileSync(runLog, "utf8").includes("start"), 10_000, "the job to start");
    await first.kill();
    expect(readFileSync(runLog, "utf8")).not.toContain("done");

    const second = await start(dataDir, env);
    const finished = await waitFor(async () => {
      const list = await jobs(second);
      return list[0]?.state === "succeeded" ? list : undefined;
    }, 15_000, "the job to finish after restart");
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ issue: 3, attempts: 2 });
    const lines = readFileSync(runLog, "utf8").trim().split("\n");
    expect(lines.filter((line) => line.startsWith("start"))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith("done"))).toHaveLength(1);
  });

  it("replays a delivery accepted just before a crash", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-e2e-"));
    // The state a crash leaves between the 202 and processing: the delivery is in the inbox, unprocessed.
    const db = openDatabase(dataDir);
    await new SqliteInbox(db).accept({ id: "crash-delivery", name: "issues", payload: JSON.stringify(labeled(4)), receivedAt: Date.now() });
    db.close();
    const venom = await start(dataDir);
    const list = await waitFor(async () => {
      const all = await jobs(venom);
      return all.some((job) => job.issue === 4) ? all : undefined;
    });
    expect(list.filter((job) => job.issue === 4)).toHaveLength(1);
    // The same delivery arriving again after the restart is still a duplicate.
    expect((await deliver(venom.url, "issues", labeled(4), { secret, id: "crash-delivery" })).status).toBe(200);
  });

  it("honours a repository's own trigger label from .github/venom.yml, besides the global one", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-e2e-")));
    const labeledIn = (name: string, issue: number) => {
      const payload = labeled(issue);
      payload.label = { ...payload.label!, name };
      payload.repository = { ...payload.repository, full_name: "octo/labels" };
      return payload;
    };
    await deliver(venom.url, "issues", labeledIn("fix-me", 7), { secret });
    await deliver(venom.url, "issues", labeledIn("unrelated", 8), { secret });
    await deliver(venom.url, "issues", labeledIn("venom", 9), { secret });
    const list = await waitFor(async () => {
      const all = await jobs(venom);
      return all.length >= 2 ? all : undefined;
    });
    await settle();
    expect((await jobs(venom)).map((job) => job.issue).sort()).toEqual([7, 9]);
    expect(list.every((job) => job.repo === "octo/labels")).toBe(true);
  });

  it("answers health and keeps the dashboard to loopback without a token", async () => {
    const venom = await start(mkdtempSync(path.join(tmpdir(), "venom-e2e-")), { VENOM_DASHBOARD_TOKEN: "a-very-long-dashboard-token" });
    expect((await fetch(`${venom.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${venom.url}/venom/api/jobs`)).status).toBe(401);
    const authorized = await fetch(`${venom.url}/venom/api/jobs`, {
      headers: { authorization: "Bearer a-very-long-dashboard-token" },
    });
    expect(authorized.status).toBe(200);
    const metrics = await (await fetch(`${venom.url}/metrics`)).text();
    expect(metrics).toContain("venom_jobs{state=\"queued\"}");
  });
});
