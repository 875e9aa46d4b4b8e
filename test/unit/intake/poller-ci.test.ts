// Polling mode's CI follow-ups: the app's open pull requests, their head commit's check runs, one round per failing commit.
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { asRequest } from "../../../src/github/clients.js";
import { ciOutcome } from "../../../src/github/pull-ci-poll.js";
import { PermissionCache } from "../../../src/github/permissions.js";
import { Intake } from "../../../src/intake/intake.js";
import { Poller } from "../../../src/intake/poller.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";

const api = "https://api.github.com";
const failingSha = "1111111111111111111111111111111111111111";
const greenSha = "2222222222222222222222222222222222222222";
const APP_ID = 4242;

/** A pull request as `GET /repos/{o}/{r}/pulls` lists it (the fields read, plus a few of GitHub's others). */
function pull(number: number, ref: string, sha: string, headRepo = "octo/calc") {
  return {
    number,
    state: "open",
    title: `Fix #${number}`,
    html_url: `https://github.com/octo/calc/pull/${number}`,
    head: { label: `octo:${ref}`, ref, sha, repo: { full_name: headRepo } },
    base: { label: "octo:main", ref: "main", sha: "0000000000000000000000000000000000000000", repo: { full_name: "octo/calc" } },
  };
}

function checkRun(id: number, fields: Record<string, unknown>) {
  return { id, name: `check ${id}`, status: "completed", conclusion: "success", app: { id: 15368, slug: "github-actions" }, ...fields };
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("Poller CI follow-ups", () => {
  it("starts a round for an app PR whose head commit failed — not for a green one, a fork's, or another branch", async () => {
    nock(api)
      .get("/repos/octo/calc/issues")
      .query(true)
      .reply(200, [])
      .get("/repos/octo/calc/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        pull(12, "issue-5", failingSha),
        pull(13, "issue-6", greenSha),
        pull(14, "issue-7", failingSha, "stranger/calc"),
        pull(15, "feature/x", failingSha),
      ])
      .get(`/repos/octo/calc/commits/${failingSha}/check-runs`)
      .query({ per_page: "100" })
      .reply(200, { total_count: 2, check_runs: [checkRun(1, { conclusion: "failure" }), checkRun(2, { app: { id: APP_ID }, conclusion: "failure" })] })
      .get(`/repos/octo/calc/commits/${greenSha}/check-runs`)
      .query({ per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [checkRun(3, {}), checkRun(4, { app: { id: APP_ID }, conclusion: "failure" })] });
    const probot = new Probot({ githubToken: "ghp_test", log: pino({ level: "silent" }) });
    const request = asRequest(await probot.auth());
    const asked: unknown[] = [];
    const intake = {
      handlePolledIssue: async () => ({ kind: "ignored", reason: "none" }),
      handlePolledCi: async (polled: unknown) => {
        asked.push(polled);
        return { kind: "ignored", reason: "test" };
      },
    } as unknown as Intake;
    const poller = new Poller({
      targets: async () => ({ targets: [{ repo: "octo/calc", installationId: 9, request }], requests: 0, notModified: 0 }),
      intake,
      settings: async () => ({ triggerLabel: "venom" }),
      log: pino({ level: "silent" }),
      ci: { appId: APP_ID },
    });

    const report = await poller.pollOnce();

    expect(asked).toEqual([{ repo: "octo/calc", issue: 5, prNumber: 12, headSha: failingSha, installationId: 9 }]);
    expect(report).toMatchObject({ failed: 0, ciEnqueued: 0, requests: 4 });
  });
});

describe("Intake.handlePolledCi", () => {
  it("queues one CI round per failing head commit, like the check_run event would", async () => {
    const queue = new SqliteJobQueue(openDatabase(":memory:"));
    const intake = new Intake({ queue, permissions: new PermissionCache(), settings: () => ({ triggerLabel: "venom" }), log: pino({ level: "silent" }) });
    const polled = { repo: "octo/calc", issue: 5, prNumber: 12, headSha: failingSha, installationId: 9 };
    const first = await intake.handlePolledCi(polled);
    expect(first).toMatchObject({
      kind: "enqueued",
      job: { trigger: "ci", issue: 5, installationId: 9, data: { followUp: [{ kind: "ci", prNumber: 12, headSha: failingSha, failures: [] }] } },
    });
    expect(await intake.handlePolledCi(polled)).toMatchObject({ kind: "ignored" });
    expect(await queue.list({ repo: "octo/calc" })).toHaveLength(1);
  });
});

describe("ciOutcome", () => {
  it("a failure wins, then awaiting approval, then still running; the app's own runs and an empty list are nothing", () => {
    expect(ciOutcome([checkRun(1, {}), checkRun(2, { conclusion: "timed_out" })])).toBe("failure");
    expect(ciOutcome([checkRun(1, { conclusion: "action_required" }), checkRun(2, { status: "in_progress", conclusion: null })])).toBe("awaiting_approval");
    expect(ciOutcome([checkRun(1, { status: "queued", conclusion: null })])).toBe("pending");
    expect(ciOutcome([checkRun(1, {}), checkRun(2, { conclusion: "skipped" })])).toBe("passed");
    expect(ciOutcome([checkRun(1, { app: { id: APP_ID }, conclusion: "failure" })], APP_ID)).toBe("none");
    expect(ciOutcome([])).toBe("none");
  });
});
