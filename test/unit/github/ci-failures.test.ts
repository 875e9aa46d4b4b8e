// collectCiFailures against GitHub's REST answers (played by nock): check runs, statuses and Actions job logs.
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { actionsJobId, collectCiFailures, failingPart } from "../../../src/github/ci-failures.js";
import { asRequest } from "../../../src/github/clients.js";
import { createMasker } from "../../../src/log.js";

const api = "https://api.github.com";
const sha = "d6fde92930d4715a2b49857d24b940956b26d2d3";
const runsPath = `/repos/octo/calc/commits/${sha}/check-runs`;
const statusPath = `/repos/octo/calc/commits/${sha}/status`;
const APP_ID = 4242;

const apps = {
  actions: { id: 15368, slug: "github-actions", node_id: "MDM6QXBwMTUzNjg=", name: "GitHub Actions", owner: { login: "github", id: 9919 } },
  venom: { id: APP_ID, slug: "venom-integrator", node_id: "MDM6QXBwNDI0Mg==", name: "Venom Integrator", owner: { login: "octo", id: 1 } },
  circle: { id: 18001, slug: "circleci-checks", node_id: "MDM6QXBwMTgwMDE=", name: "CircleCI Checks", owner: { login: "circleci", id: 2 } },
};

/** A check run shaped like GitHub's `check-run` schema (GET …/commits/{ref}/check-runs). */
function checkRun(id: number, name: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    head_sha: sha,
    node_id: `CR_${id}`,
    external_id: "",
    url: `${api}/repos/octo/calc/check-runs/${id}`,
    html_url: `https://github.com/octo/calc/runs/${id}`,
    details_url: `https://github.com/octo/calc/runs/${id}`,
    status: "completed",
    conclusion: "success",
    started_at: "2026-11-29T10:00:00Z",
    completed_at: "2026-11-29T10:02:00Z",
    output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${api}/repos/octo/calc/check-runs/${id}/annotations` },
    name,
    check_suite: { id: 5000 + id },
    app: apps.actions,
    pull_requests: [],
    ...fields,
  };
}

/** The combined status (GET …/commits/{ref}/status), shaped like GitHub's `combined-commit-status`. */
function combinedStatus(statuses: Array<{ context: string; state: string; description?: string | null; target_url?: string | null }>) {
  return {
    state: statuses.some((status) => status.state === "failure" || status.state === "error") ? "failure" : "success",
    sha,
    total_count: statuses.length,
    statuses: statuses.map((status, index) => ({
      id: 900 + index,
      node_id: `SC_${index}`,
      url: `${api}/repos/octo/calc/statuses/${sha}`,
      avatar_url: null,
      created_at: "2026-11-29T10:00:00Z",
      updated_at: "2026-11-29T10:01:00Z",
      description: null,
      target_url: null,
      ...status,
    })),
    repository: { id: 1, full_name: "octo/calc" },
    commit_url: `${api}/repos/octo/calc/commits/${sha}`,
    url: `${api}/repos/octo/calc/commits/${sha}/status`,
  };
}

const actionsLog = [
  "2026-11-29T10:00:01.1234567Z ##[group]Run npm test",
  "2026-11-29T10:00:01.2234567Z npm test",
  "2026-11-29T10:00:02.0000000Z > calc@1.0.0 test",
  "2026-11-29T10:00:02.1000000Z AssertionError: add(2,3) should be 5, got -1",
  "2026-11-29T10:00:02.1100000Z token used: ghp_abcdefghijklmnopqrstuvwxyz0123456789",
  "2026-11-29T10:00:02.2000000Z ##[error]Process completed with exit code 1.",
  "2026-11-29T10:00:03.0000000Z Post job cleanup.",
  "2026-11-29T10:00:03.1000000Z Cleaning up orphan processes",
].join("\n");

async function request() {
  const probot = new Probot({ githubToken: "ghp_test", log: pino({ level: "silent" }) });
  return asRequest(await probot.auth());
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

describe("collectCiFailures", () => {
  it("reports failing runs with their output and Actions log, ignores the app's own run, and reports approvals apart", async () => {
    const scope = nock(api)
      .get(runsPath)
      .query({ filter: "latest", per_page: "100", page: "1" })
      .reply(200, {
        total_count: 6,
        check_runs: [
          checkRun(101, "test", {
            conclusion: "failure",
            details_url: "https://github.com/octo/calc/actions/runs/777/job/31337",
            output: { title: "Process completed with exit code 1.", summary: "", text: null, annotations_count: 1 },
          }),
          checkRun(102, "lint"),
          checkRun(103, "Venom", { app: apps.venom, conclusion: "failure", output: { title: "Checks failed", summary: "npm test failed" } }),
          checkRun(104, "deploy-preview", { conclusion: "action_required" }),
          checkRun(105, "build", { status: "in_progress", conclusion: null, completed_at: null }),
          checkRun(106, "circleci: unit", { app: apps.circle, conclusion: "timed_out", output: { title: "Timed out", summary: "after 10 minutes" } }),
        ],
      })
      .get(statusPath)
      .query({ per_page: "100" })
      .reply(200, combinedStatus([
        { context: "ci/jenkins", state: "failure", description: "Build #12 failed", target_url: "https://jenkins.example/job/12" },
        { context: "codecov/patch", state: "success", description: "90%" },
      ]))
      .get("/repos/octo/calc/actions/jobs/31337/logs")
      .reply(302, "", { location: "https://results-receiver.actions.githubusercontent.com/logs/31337.txt" });
    const logs = nock("https://results-receiver.actions.githubusercontent.com")
      .get("/logs/31337.txt")
      .reply(200, actionsLog, { "content-type": "text/plain" });

    const state = await collectCiFailures(await request(), "octo/calc", sha, { appId: APP_ID, mask: createMasker([]) });

    expect(state.awaitingApproval).toEqual(["deploy-preview"]);
    expect(state.pending).toBe(true);
    expect(state.failures.map((failure) => failure.name)).toEqual(["test", "circleci: unit", "ci/jenkins"]);
    const [test, circle, jenkins] = state.failures;
    expect(test).toMatchObject({ summary: "Process completed with exit code 1.", url: "https://github.com/octo/calc/runs/101" });
    expect(test?.log).toContain("AssertionError: add(2,3) should be 5, got -1");
    expect(test?.log?.split("\n").at(-1)).toBe("##[error]Process completed with exit code 1.");
    expect(test?.log).not.toContain("Post job cleanup");
    expect(test?.log).not.toContain("2026-11-29T10:00");
    expect(test?.log).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(circle).toEqual({ name: "circleci: unit", summary: "Timed out\n\nafter 10 minutes", url: "https://github.com/octo/calc/runs/106" });
    expect(circle?.log).toBeUndefined();
    expect(jenkins).toEqual({ name: "ci/jenkins", summary: "Build #12 failed", url: "https://jenkins.example/job/12" });
    expect(scope.isDone()).toBe(true);
    expect(logs.isDone()).toBe(true);
  });

  it("reads every page of check runs, and a log that is gone leaves the run's output to work from", async () => {
    const firstPage = Array.from({ length: 100 }, (_, index) => checkRun(1 + index, `job ${index + 1}`));
    const scope = nock(api)
      .get(runsPath)
      .query({ filter: "latest", per_page: "100", page: "1" })
      .reply(200, { total_count: 101, check_runs: firstPage })
      .get(runsPath)
      .query({ filter: "latest", per_page: "100", page: "2" })
      .reply(200, { total_count: 101, check_runs: [checkRun(555, "e2e", { conclusion: "failure", output: { title: "2 tests failed", summary: "see log" } })] })
      .get(statusPath)
      .query({ per_page: "100" })
      .reply(200, combinedStatus([]))
      .get("/repos/octo/calc/actions/jobs/555/logs")
      .reply(410, { message: "Gone", documentation_url: "https://docs.github.com/rest/actions/workflow-jobs" });

    const state = await collectCiFailures(await request(), "octo/calc", sha);

    expect(state).toEqual({ failures: [{ name: "e2e", summary: "2 tests failed\n\nsee log", url: "https://github.com/octo/calc/runs/555" }], awaitingApproval: [], pending: false });
    expect(scope.isDone()).toBe(true);
  });

  it("a deployment waiting for approval is awaiting, not failing; a refused check-runs read is a clear error", async () => {
    nock(api)
      .get(runsPath)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [checkRun(7, "deploy", { status: "waiting", conclusion: null })] })
      .get(statusPath)
      .query(true)
      .reply(200, combinedStatus([{ context: "ci/legacy", state: "pending" }]));
    expect(await collectCiFailures(await request(), "octo/calc", sha)).toEqual({ failures: [], awaitingApproval: ["deploy"], pending: true });

    nock(api).get(runsPath).query(true).reply(403, { message: "Resource not accessible by integration" });
    await expect(collectCiFailures(await request(), "octo/calc", sha)).rejects.toThrow(/check runs.*403/);
  });
});

describe("failingPart", () => {
  it("keeps the 150 lines up to the first error and the error lines right after it", () => {
    const log = [...Array.from({ length: 300 }, (_, index) => `line ${index}`), "##[error]first", "##[error]second", "cleanup"].join("\n");
    const part = failingPart(log).split("\n");
    expect(part[0]).toBe("[… 152 earlier lines not shown]");
    expect(part.slice(-2)).toEqual(["##[error]first", "##[error]second"]);
    expect(part).toHaveLength(151);
  });

  it("ends at a non-zero exit code when no ##[error] line is there, else at the log's end; cut to 8000 characters", () => {
    expect(failingPart("a\nmake: *** [test] Error 2 (exit code 2)\nb")).toBe("a\nmake: *** [test] Error 2 (exit code 2)");
    expect(failingPart("a\nb\n")).toBe("a\nb");
    const long = failingPart(Array.from({ length: 100 }, () => "x".repeat(200)).join("\n"));
    expect(long.length).toBeLessThan(8_100);
    expect(long).toMatch(/^\[… \d+ characters cut\]\n/);
  });
});

describe("actionsJobId", () => {
  it("takes the job from details_url, else the check run's own id", () => {
    expect(actionsJobId({ id: 1, details_url: "https://github.com/o/r/actions/runs/9/job/123?pr=4" })).toBe(123);
    expect(actionsJobId({ id: 77, details_url: "https://ci.example/build/5" })).toBe(77);
    expect(actionsJobId({ id: 78, details_url: null })).toBe(78);
  });
});
