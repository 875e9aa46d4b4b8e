// GitHub Projects (v2) and GitHub Actions end to end: the issue's project item follows the run (In progress → In
// review → Done on the merge), a missing option is a status line, `/venom run` dispatches and reports, and
// `dispatch_after_pr` dispatches on the PR branch. The app talks GraphQL and REST to the fake GitHub for real.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, labeledIssuePayload, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import type { ProjectRecord } from "../support/fake-github-graphql.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "projects-actions-webhook-secret";
const owner = "octo-org";
const calc = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;

/** A repository of `calc` whose venom.yml runs `sh test.sh` plus `config` (or, with `whole`, is `config` alone). */
async function repoWith(name: string, config: string, whole = false): Promise<string> {
  const repo = `${owner}/${name}`;
  const venomYml = whole ? config : `checks:\n  - sh test.sh\nmax_iterations: 8\n${config}`;
  await github.createRepo(repo, { files: { ...calc, ".github/venom.yml": venomYml } });
  return repo;
}

async function jobsOf(repo: string, issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${venom.url}/venom/api/jobs?repo=${encodeURIComponent(repo)}`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.repo === repo && job.issue === issue);
}

/** The newest job of the issue once it finished, when `count` jobs exist. */
async function finished(repo: string, issue: number, count = 1): Promise<JobRecord> {
  return waitFor(
    async () => {
      const jobs = await jobsOf(repo, issue);
      const [job] = jobs;
      return jobs.length >= count && job && ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
    },
    90_000,
    `job ${count} of ${repo}#${issue} to finish`,
  );
}

async function runIssue(repo: string): Promise<{ number: number; job: JobRecord }> {
  const issue = github.addIssue(repo, { title: "[happy] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
  const payload = labeledIssuePayload({ repo, issue: issue.number, title: issue.title, body: issue.body ?? null });
  expect((await deliver(venom.url, "issues", payload, { secret })).status).toBe(202);
  return { number: issue.number, job: await finished(repo, issue.number) };
}

function statusComment(repo: string, issue: number): string {
  return github.comments(repo, issue).find((comment) => comment.body.includes("<!-- venom:status -->"))?.body ?? "";
}

function commentPayload(repo: string, issue: number, login: string, body: string): Payload {
  const posted = github.addComment(repo, issue, body, login);
  const payload = example("issue_comment", "created");
  payload.comment = { ...payload.comment!, id: posted.id, body, user: { ...payload.comment!.user, login, type: "User" } } as typeof payload.comment;
  payload.sender = { ...payload.sender, login, type: "User" };
  payload.issue = { ...payload.issue, number: issue, state: "open" };
  delete payload.issue.pull_request;
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

/** The official `pull_request.closed` example, made the merge of the app's PR from `issue-<N>`. */
function mergedPayload(repo: string, pull: { number: number; headRef: string }): Payload {
  const payload = example("pull_request", "closed");
  const original = payload.pull_request as Record<string, unknown>;
  payload.pull_request = {
    ...original,
    number: pull.number,
    state: "closed",
    merged: true,
    user: { ...(original.user as object), login: `${github.appSlug}[bot]`, type: "Bot" },
    head: { ...(original.head as object), ref: pull.headRef },
  };
  payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  llm.whenExhausted(policy({ happy: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] } }));
  venom = await startVenom({
    env: {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-projects-actions-")),
      APP_ID: "1",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: secret,
    },
  });
});

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop()]);
});

describe("GitHub Projects (v2)", () => {
  let project: ProjectRecord;
  let repo: string;
  let issue: number;

  beforeAll(async () => {
    project = github.projects.addProject({ owner, number: 3, title: "Roadmap" });
    repo = await repoWith("board", `project:\n  owner: ${owner}\n  number: 3\n`);
  });

  it("adds the issue to the project and moves it In progress → In review as the run opens its PR", async () => {
    const run = await runIssue(repo);
    issue = run.number;
    expect(run.job).toMatchObject({ state: "succeeded", checks: "passed" });
    expect(github.projects.statusHistory(project, repo, issue)).toEqual(["In progress", "In review"]);
    // Names were resolved once for the run: one project query, one item lookup, one add.
    const operations = github.projects.requests.map((request) => request.operation);
    expect(operations.filter((name) => name === "VenomOrganizationProject")).toHaveLength(1);
    expect(operations.filter((name) => name === "VenomAddItem")).toHaveLength(1);
    expect(operations.filter((name) => name === "VenomSetField")).toHaveLength(2);
    expect(statusComment(repo, issue)).not.toContain("Project:");
  });

  it("moves it to Done when the app's pull request is merged", async () => {
    const pull = github.pulls(repo).find((candidate) => candidate.head.ref === `issue-${issue}`);
    expect(pull).toBeDefined();
    expect((await deliver(venom.url, "pull_request", mergedPayload(repo, { number: pull!.number, headRef: `issue-${issue}` }), { secret })).status).toBe(202);
    await waitFor(async () => github.projects.statusHistory(project, repo, issue).at(-1) === "Done" || undefined, 20_000, "the item to reach Done");
    expect(github.projects.statusHistory(project, repo, issue)).toEqual(["In progress", "In review", "Done"]);
    // A merge starts no job.
    expect(await jobsOf(repo, issue)).toHaveLength(1);
  });

  it("a missing option is a line in the status comment, and the run still succeeds", async () => {
    const partial = github.projects.addProject({ owner, number: 4, options: ["Todo", "In progress", "Done"] });
    const other = await repoWith("partial-board", `project:\n  owner: ${owner}\n  number: 4\n  values:\n    review: Reviewing\n`);
    const run = await runIssue(other);
    expect(run.job).toMatchObject({ state: "succeeded", checks: "passed" });
    expect(github.projects.statusHistory(partial, other, run.number)).toEqual(["In progress"]);
    expect(statusComment(other, run.number)).toContain('has no "Reviewing" option in field "Status" (options: todo, in progress, done)');
  });

  it("a project that does not exist is a line too (organisation, then user)", async () => {
    const other = await repoWith("no-board", `project:\n  owner: nobody-here\n  number: 9\n`);
    const run = await runIssue(other);
    expect(run.job).toMatchObject({ state: "succeeded" });
    expect(statusComment(other, run.number)).toContain("Project: no project 9 found for nobody-here");
  });
});

describe("GitHub Actions", () => {
  it("`/venom run ci.yml target=prod` dispatches on issue-N with the inputs and reports the run's link and result", async () => {
    const repo = await repoWith("actions", "");
    github.actions.addWorkflow(repo, "ci.yml", { inputs: ["target", "note"], durationMs: 2_500 });
    const { number } = await runIssue(repo);
    github.setPermission(repo, "maintainer", "write");
    const payload = commentPayload(repo, number, "maintainer", '/venom run ci.yml target=prod note="two words"');
    expect((await deliver(venom.url, "issue_comment", payload, { secret })).status).toBe(202);
    const job = await finished(repo, number, 2);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    const [dispatch] = github.actions.dispatches(repo);
    expect(dispatch).toMatchObject({ workflow: "ci.yml", ref: `issue-${number}`, inputs: { target: "prod", note: "two words" } });
    const runUrl = `${github.url}/${repo}/actions/runs/${dispatch!.runId}`;
    expect(statusComment(repo, number)).toContain(`Workflow \`ci.yml\`: ✅ success on \`issue-${number}\` — ${runUrl}`);

    // A workflow that does not exist: a clear line, no failed job.
    await deliver(venom.url, "issue_comment", commentPayload(repo, number, "maintainer", "/venom run nope.yml"), { secret });
    expect(await finished(repo, number, 3)).toMatchObject({ state: "succeeded" });
    expect(statusComment(repo, number)).toContain("Workflow `nope.yml`: not dispatched: workflow nope.yml was not found (404)");
    // The first line is still there: each `/venom run` has its own.
    expect(statusComment(repo, number)).toContain(runUrl);
  });

  it("`/venom run` from someone without write access dispatches nothing", async () => {
    const repo = await repoWith("actions-reader", "");
    github.actions.addWorkflow(repo, "ci.yml");
    const issue = github.addIssue(repo, { title: "anything", body: "" });
    await deliver(venom.url, "issue_comment", commentPayload(repo, issue.number, "reader", "/venom run ci.yml"), { secret });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(github.actions.dispatches(repo)).toHaveLength(0);
    expect(await jobsOf(repo, issue.number)).toHaveLength(0);
  });

  it("dispatch_after_pr dispatches each workflow on the PR branch and links its run in the status comment", async () => {
    const repo = await repoWith("after-pr", "dispatch_after_pr:\n  - lint.yml\n  - missing.yml\n");
    github.actions.addWorkflow(repo, "lint.yml");
    const { number, job } = await runIssue(repo);
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    const dispatches = github.actions.dispatches(repo);
    expect(dispatches).toEqual([{ workflow: "lint.yml", ref: `issue-${number}`, inputs: {}, runId: expect.any(Number) }]);
    const body = statusComment(repo, number);
    expect(body).toContain(`Workflow lint.yml: dispatched on issue-${number} — ${github.url}/${repo}/actions/runs/${dispatches[0]!.runId}`);
    expect(body).toContain(`Workflow missing.yml: not dispatched on issue-${number}: workflow missing.yml was not found (404)`);
  });
});

describe("checks: ci", () => {
  const otherApp = { id: 4242, slug: "octo-ci" };

  /** Runs an issue while CI, once the app's commit is on `issue-N`, reports `conclusion` on it. */
  async function runWithCi(repo: string, conclusion: string): Promise<{ number: number; job: JobRecord; head: string }> {
    const issue = github.addIssue(repo, { title: "[happy] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledIssuePayload({ repo, issue: issue.number, title: issue.title, body: issue.body ?? null }), { secret });
    // CI starts when the commit is there: the app's own `Venom` run marks it.
    const head = await waitFor(
      async () => github.checks.checkRuns(repo).find((run) => run.name === "Venom" && run.status === "in_progress")?.headSha,
      90_000,
      "the app's commit",
    );
    github.checks.addCheckRun(repo, { headSha: head, name: "build", conclusion: "success", app: otherApp });
    const { checkRun } = github.checks.addCheckRun(repo, { headSha: head, name: "test", conclusion, app: otherApp, output: { title: "1 test failed", summary: "add(2,3) should be 5" } });
    if (conclusion === "success") {
      // GitHub's check_run.completed event wakes the waiting run (a failing one would also queue a CI follow-up).
      const event = example("check_run", "completed");
      event.check_run = { ...(event.check_run as object), id: checkRun.id, name: "test", head_sha: head, conclusion, app: { ...otherApp }, pull_requests: [] };
      event.repository = { ...event.repository, full_name: repo };
      expect((await deliver(venom.url, "check_run", event, { secret })).status).toBe(202);
    }
    return { number: issue.number, job: await finished(repo, issue.number), head };
  }

  it("a failing check run on the PR head fails the checks: draft PR, failure Venom check run, the failure in the status comment", async () => {
    // `checks: ci` replaces the command list.
    const repo = await repoWith("on-ci", "checks: ci\nci_timeout_minutes: 5\nmax_iterations: 8\n", true);
    const { number, job, head } = await runWithCi(repo, "failure");
    expect(job).toMatchObject({ state: "succeeded", checks: "failed" });
    const pull = github.pulls(repo).find((candidate) => candidate.head.ref === `issue-${number}`);
    expect(pull?.draft).toBe(true);
    expect(pull?.body).toContain("CI failed: test (failure); 1 of 2 check runs passed");
    const [venomRun] = github.checks.checkRuns(repo, head).filter((run) => run.name === "Venom");
    expect(venomRun?.history).toEqual(["in_progress", "completed/failure"]);
    expect(venomRun?.output.text ?? "").toContain("add(2,3) should be 5");
    expect(statusComment(repo, number)).toContain("**Checks:** failed — CI failed: test (failure)");
    // The Guardian ran nothing here: the Coder's run_checks said so.
    expect(llm.requests.some((request) => JSON.stringify(request).includes("they cannot run here"))).toBe(true);
  });

  it("passing CI passes the checks and the draft PR is marked ready for review", async () => {
    const repo = await repoWith("on-ci-green", "checks: ci\nmax_iterations: 8\n", true);
    const { number, job, head } = await runWithCi(repo, "success");
    expect(job).toMatchObject({ state: "succeeded", checks: "passed" });
    const pull = github.pulls(repo).find((candidate) => candidate.head.ref === `issue-${number}`);
    expect(pull?.draft).toBe(false);
    expect(github.checks.checkRuns(repo, head).find((run) => run.name === "Venom")?.history).toEqual(["in_progress", "completed/success"]);
    expect(statusComment(repo, number)).toContain("**Checks:** passed — CI passed: 2 check runs");
  });
});
