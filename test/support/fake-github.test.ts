// Checks the fake GitHub itself: REST shapes, auth, ETag/304 accounting, fault injection and git smart HTTP.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "./fake-github.js";

const run = promisify(execFile);
const REPO = "acme/widgets";

let github: FakeGitHub;
let scratch: string;

beforeAll(async () => {
  github = await FakeGitHub.start();
  scratch = mkdtempSync(join(tmpdir(), "fake-github-test-"));
  await github.createRepo(REPO, { files: { "README.md": "# Widgets\n", "src/index.ts": "export const answer = 42;\n" } });
});

afterAll(async () => {
  await github.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function api(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${github.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `token ${github.token}`, accept: "application/vnd.github+json", ...init.headers },
  });
}

function post(path: string, body: unknown, method = "POST"): Promise<Response> {
  return api(path, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}

/** Runs the git client asynchronously (a sync call would block the in-process server) with isolated config. */
function gitClient(args: string[], options: { cwd?: string; auth?: string } = {}) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) env[key] = value;
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Venom",
    GIT_AUTHOR_EMAIL: "venom@example.com",
    GIT_COMMITTER_NAME: "Venom",
    GIT_COMMITTER_EMAIL: "venom@example.com",
  });
  if (options.auth !== undefined) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${options.auth}`).toString("base64")}`,
    });
  }
  return run("git", args, { cwd: options.cwd, env });
}

describe("FakeGitHub REST", () => {
  it("rejects a missing or wrong token with 401 Bad credentials", async () => {
    const missing = await fetch(`${github.apiUrl}/user`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ message: "Bad credentials" });
    const wrong = await fetch(`${github.apiUrl}/user`, { headers: { authorization: "token nope" } });
    expect(wrong.status).toBe(401);
  });

  it("answers /user and /repos/:o/:r with the token, in either scheme", async () => {
    const user = await api("/user", { headers: { authorization: `Bearer ${github.token}` } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ login: "venom-integrator[bot]", type: "Bot" });
    const repo = await api(`/repos/${REPO}`);
    expect(await repo.json()).toMatchObject({ full_name: REPO, name: "widgets", owner: { login: "acme" }, default_branch: "main", private: false });
    expect((await api("/repos/acme/missing")).status).toBe(404);
    expect((await api("/nowhere")).status).toBe(404);
  });

  it("serves the App JWT endpoints to any JWT", async () => {
    const jwt = { authorization: "Bearer aaa.bbb.ccc" };
    expect(await (await api("/app", { headers: jwt })).json()).toMatchObject({ id: 1, slug: "venom-integrator" });
    const installations = (await (await api("/app/installations", { headers: jwt })).json()) as Array<{ id: number; account: { login: string } }>;
    expect(installations).toMatchObject([{ id: 1, account: { login: "acme" } }]);
    const token = await api("/app/installations/1/access_tokens", { method: "POST", headers: jwt });
    expect(token.status).toBe(201);
    expect(await token.json()).toMatchObject({ token: github.token });
    expect(await (await api(`/repos/${REPO}/installation`, { headers: jwt })).json()).toMatchObject({ id: 1 });
    expect((await api("/app", { headers: { authorization: `token ${github.token}` } })).status).toBe(401);
  });

  it("lists issues with filters, pagination and rate-limit headers", async () => {
    const bug = github.addIssue(REPO, { title: "Bug", labels: ["venom", "bug"], user: "alice" });
    github.addIssue(REPO, { title: "Idea", labels: ["venom"], assignees: ["bob"] });
    github.addIssue(REPO, { title: "Done", labels: ["venom"], state: "closed" });
    expect(bug.html_url).toBe(`${github.url}/${REPO}/issues/${bug.number}`);

    const both = await api(`/repos/${REPO}/issues?labels=venom,BUG&state=open`);
    expect(((await both.json()) as Array<{ title: string }>).map((issue) => issue.title)).toEqual(["Bug"]);
    expect(both.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(both.headers.get("x-ratelimit-resource")).toBe("core");
    expect(Number(both.headers.get("x-ratelimit-remaining"))).toBe(5000 - github.rateLimitedCount());

    const assigned = (await (await api(`/repos/${REPO}/issues?assignee=bob`)).json()) as Array<{ title: string }>;
    expect(assigned.map((issue) => issue.title)).toEqual(["Idea"]);
    const all = (await (await api(`/repos/${REPO}/issues?state=all&sort=created&direction=asc`)).json()) as Array<{ title: string }>;
    expect(all.map((issue) => issue.title)).toEqual(["Bug", "Idea", "Done"]);

    const firstPage = await api(`/repos/${REPO}/issues?state=all&per_page=2`);
    expect(((await firstPage.json()) as unknown[]).length).toBe(2);
    expect(firstPage.headers.get("link")).toContain('rel="next"');
  });

  it("answers a matching If-None-Match with 304 that does not count against the rate limit", async () => {
    const first = await api(`/repos/${REPO}/issues`);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const countBefore = github.rateLimitedCount();
    const remainingBefore = first.headers.get("x-ratelimit-remaining");

    const second = await api(`/repos/${REPO}/issues`, { headers: { "if-none-match": etag ?? "" } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe("");
    expect(second.headers.get("x-ratelimit-remaining")).toBe(remainingBefore);
    expect(github.rateLimitedCount()).toBe(countBefore);
    expect(github.requests.at(-1)).toMatchObject({ method: "GET", path: `/api/v3/repos/${REPO}/issues`, status: 304, ifNoneMatch: etag });

    github.addComment(REPO, 1, "changes the list body", "carol");
    const third = await api(`/repos/${REPO}/issues`, { headers: { "if-none-match": etag ?? "" } });
    expect(third.status).toBe(200);
    expect(github.rateLimitedCount()).toBe(countBefore + 1);
  });

  it("creates and edits comments, reactions, labels and issue state", async () => {
    const created = await post(`/repos/${REPO}/issues/1/comments`, { body: "On it" });
    expect(created.status).toBe(201);
    const comment = (await created.json()) as { id: number; user: { login: string; type: string }; html_url: string };
    expect(comment.user).toMatchObject({ login: "venom-integrator[bot]", type: "Bot" });
    expect(comment.html_url).toBe(`${github.url}/${REPO}/issues/1#issuecomment-${comment.id}`);

    const edited = await post(`/repos/${REPO}/issues/comments/${comment.id}`, { body: "Done" }, "PATCH");
    expect(await edited.json()).toMatchObject({ body: "Done" });
    expect(github.comments(REPO, 1).map((entry) => entry.body)).toEqual(["changes the list body", "Done"]);

    expect((await post(`/repos/${REPO}/issues/1/reactions`, { content: "eyes" })).status).toBe(201);
    expect((await post(`/repos/${REPO}/issues/comments/${comment.id}/reactions`, { content: "rocket" })).status).toBe(201);
    expect((await post(`/repos/${REPO}/issues/1/reactions`, { content: "nope" })).status).toBe(422);
    expect(github.reactions(REPO, "issue:1")).toEqual(["eyes"]);
    expect(github.reactions(REPO, `comment:${comment.id}`)).toEqual(["rocket"]);

    const labels = await post(`/repos/${REPO}/issues/1/labels`, { labels: ["in-progress"] });
    expect(((await labels.json()) as Array<{ name: string }>).map((label) => label.name)).toEqual(["venom", "bug", "in-progress"]);
    expect((await api(`/repos/${REPO}/issues/1/labels/in-progress`, { method: "DELETE" })).status).toBe(200);
    expect((await api(`/repos/${REPO}/issues/1/labels/absent`, { method: "DELETE" })).status).toBe(404);

    const closed = await post(`/repos/${REPO}/issues/1`, { state: "closed" }, "PATCH");
    expect(await closed.json()).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(github.issues(REPO).find((issue) => issue.number === 1)?.state).toBe("closed");
  });

  it("reports collaborator permissions with GitHub's legacy folding", async () => {
    github.setPermission(REPO, "maya", "maintain");
    const maya = await (await api(`/repos/${REPO}/collaborators/maya/permission`)).json();
    expect(maya).toMatchObject({ permission: "write", role_name: "maintain", user: { login: "maya" } });
    const stranger = await (await api(`/repos/${REPO}/collaborators/stranger/permission`)).json();
    expect(stranger).toMatchObject({ permission: "read", role_name: "read" });
  });

  it("serves file contents, branches and refs from the bare repo", async () => {
    const file = await api(`/repos/${REPO}/contents/src/index.ts?ref=main`);
    const json = (await file.json()) as { type: string; encoding: string; content: string; path: string; name: string };
    expect(json).toMatchObject({ type: "file", encoding: "base64", path: "src/index.ts", name: "index.ts" });
    expect(Buffer.from(json.content, "base64").toString("utf8")).toBe("export const answer = 42;\n");
    expect((await api(`/repos/${REPO}/contents/missing.md`)).status).toBe(404);

    const sha = github.branchSha(REPO, "main");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await (await api(`/repos/${REPO}/branches/main`)).json()).toMatchObject({ name: "main", commit: { sha } });
    expect(await (await api(`/repos/${REPO}/git/ref/heads%2Fmain`)).json()).toMatchObject({ ref: "refs/heads/main", object: { sha } });
    expect((await api(`/repos/${REPO}/branches/nope`)).status).toBe(404);
    expect((await api(`/repos/${REPO}/git/ref/heads/nope`)).status).toBe(404);
  });

  it("injects faults with failNext, counting them against the rate limit", async () => {
    github.failNext("GET", /\/repos\/acme\/widgets$/, 502, { times: 2, headers: { "retry-after": "1" } });
    const countBefore = github.rateLimitedCount();
    const first = await api(`/repos/${REPO}`);
    expect(first.status).toBe(502);
    expect(first.headers.get("retry-after")).toBe("1");
    expect((await api(`/repos/${REPO}`)).status).toBe(502);
    expect((await api(`/repos/${REPO}`)).status).toBe(200);
    expect(github.rateLimitedCount()).toBe(countBefore + 3);
  });
});

describe("FakeGitHub git smart HTTP", () => {
  const cloneUrl = (): string => `${github.url}/${REPO}.git`;

  it("clones with --filter=blob:none, pushes a branch and opens a pull request for it", async () => {
    const work = join(scratch, "clone");
    await gitClient(["clone", "--quiet", "--filter=blob:none", cloneUrl(), work], { auth: github.token });
    writeFileSync(join(work, "CHANGELOG.md"), "Fixed the widget\n");
    await gitClient(["checkout", "--quiet", "-b", "venom/issue-2"], { cwd: work });
    await gitClient(["add", "CHANGELOG.md"], { cwd: work });
    await gitClient(["commit", "--quiet", "-m", "Fix the widget"], { cwd: work });
    await gitClient(["push", "--quiet", "origin", "venom/issue-2"], { cwd: work, auth: github.token });

    const { stdout } = await gitClient(["rev-parse", "HEAD"], { cwd: work });
    expect(github.branchSha(REPO, "venom/issue-2")).toBe(stdout.trim());
    expect(github.readFile(REPO, "venom/issue-2", "CHANGELOG.md")).toBe("Fixed the widget\n");
    expect(github.readFile(REPO, "main", "CHANGELOG.md")).toBeUndefined();
    expect(github.requests.some((request) => request.path === `/${REPO}.git/git-receive-pack` && request.status === 200)).toBe(true);

    const opened = await post(`/repos/${REPO}/pulls`, { title: "Fix the widget", head: "acme:venom/issue-2", base: "main", body: "Closes #2", draft: true });
    expect(opened.status).toBe(201);
    const pull = (await opened.json()) as { number: number; html_url: string; draft: boolean; state: string; head: { ref: string; sha: string }; base: { ref: string } };
    expect(pull).toMatchObject({ draft: true, state: "open", head: { ref: "venom/issue-2", sha: stdout.trim() }, base: { ref: "main" } });
    expect(pull.html_url).toBe(`${github.url}/${REPO}/pull/${pull.number}`);
    expect(pull.number).toBe(4); // issues 1-3 took the earlier numbers

    const again = await post(`/repos/${REPO}/pulls`, { title: "Again", head: "venom/issue-2", base: "main" });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ message: "Validation Failed", errors: [{ message: "A pull request already exists for acme:venom/issue-2." }] });
    expect((await post(`/repos/${REPO}/pulls`, { title: "Nothing", head: "main", base: "main" })).status).toBe(422);
    expect((await post(`/repos/${REPO}/pulls`, { title: "Ghost", head: "ghost", base: "main" })).status).toBe(422);

    const listed = (await (await api(`/repos/${REPO}/pulls?head=acme:venom/issue-2&state=open`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
    const issues = (await (await api(`/repos/${REPO}/issues?state=open`)).json()) as Array<{ number: number; pull_request?: unknown }>;
    expect(issues.find((issue) => issue.number === pull.number)?.pull_request).toBeDefined();
    expect(github.pulls(REPO)).toHaveLength(1);

    const closed = await post(`/repos/${REPO}/pulls/${pull.number}`, { state: "closed" }, "PATCH");
    expect(await closed.json()).toMatchObject({ state: "closed" });
  });

  it("serves reviews with their inline comments, threaded replies, check runs, statuses and Actions job logs", async () => {
    const pull = github.pulls(REPO).find((candidate) => candidate.head.ref === "venom/issue-2")!;
    const sha = pull.head.sha;
    const { review, comments } = github.addReview(REPO, pull.number, {
      user: "octocat",
      state: "CHANGES_REQUESTED",
      body: "Two things.",
      comments: [{ path: "CHANGELOG.md", line: 1, body: "Say which widget.", diffHunk: "@@ -0,0 +1 @@\n+Fixed the widget" }],
    });
    const reviews = (await (await api(`/repos/${REPO}/pulls/${pull.number}/reviews`)).json()) as Array<Record<string, unknown>>;
    expect(reviews).toMatchObject([{ id: review.id, state: "CHANGES_REQUESTED", body: "Two things.", commit_id: sha, user: { login: "octocat" } }]);
    const inline = (await (await api(`/repos/${REPO}/pulls/${pull.number}/reviews/${review.id}/comments`)).json()) as Array<Record<string, unknown>>;
    expect(inline).toMatchObject([{ id: comments[0]!.id, pull_request_review_id: review.id, path: "CHANGELOG.md", line: 1, diff_hunk: "@@ -0,0 +1 @@\n+Fixed the widget" }]);
    const reply = await post(`/repos/${REPO}/pulls/${pull.number}/comments/${comments[0]!.id}/replies`, { body: "Done in `abc1234`." });
    expect(reply.status).toBe(201);
    expect(github.reviewComments(REPO, pull.number).at(-1)).toMatchObject({ inReplyTo: comments[0]!.id, user: "venom-integrator[bot]" });

    github.checks.addCheckRun(REPO, { headSha: sha, name: "lint", conclusion: "success" });
    const { checkRun, workflowRun } = github.checks.addCheckRun(REPO, {
      headSha: sha,
      name: "test",
      conclusion: "failure",
      output: { title: "1 test failed", summary: "widget.test.ts" },
      log: "2024-01-01T00:00:00Z ##[group]Run npm test\nFAIL widget.test.ts\n##[error]Process completed with exit code 1.\n",
    });
    const own = await post(`/repos/${REPO}/check-runs`, { name: "Venom", head_sha: sha, status: "in_progress" });
    expect(await own.json()).toMatchObject({ name: "Venom", status: "in_progress", app: { id: 1 } });
    const listed = (await (await api(`/repos/${REPO}/commits/${sha}/check-runs?filter=latest&per_page=100`)).json()) as {
      total_count: number;
      check_runs: Array<Record<string, unknown>>;
    };
    expect(listed.total_count).toBe(3);
    expect(listed.check_runs.find((run) => run.name === "test")).toMatchObject({
      id: checkRun.id,
      conclusion: "failure",
      output: { title: "1 test failed", summary: "widget.test.ts", text: null },
      app: { slug: "github-actions" },
      pull_requests: [{ number: pull.number, head: { ref: "venom/issue-2", sha } }],
    });
    const suites = (await (await api(`/repos/${REPO}/commits/${sha}/check-suites`)).json()) as { check_suites: Array<Record<string, unknown>> };
    expect(suites.check_suites.find((suite) => (suite.app as { slug: string }).slug === "github-actions")).toMatchObject({ conclusion: "failure", head_branch: "venom/issue-2" });
    const runs = (await (await api(`/repos/${REPO}/actions/runs?head_sha=${sha}`)).json()) as { workflow_runs: Array<Record<string, unknown>> };
    expect(runs.workflow_runs).toMatchObject([{ id: workflowRun!.id, conclusion: "failure", head_branch: "venom/issue-2" }]);
    const jobs = (await (await api(`/repos/${REPO}/actions/runs/${workflowRun!.id}/jobs`)).json()) as { jobs: Array<Record<string, unknown>> };
    expect(jobs.jobs).toMatchObject([{ id: checkRun.id, conclusion: "failure", name: "test" }]);
    const logs = await api(`/repos/${REPO}/actions/jobs/${checkRun.id}/logs`);
    expect(logs.redirected).toBe(true);
    expect(await logs.text()).toContain("FAIL widget.test.ts");

    expect(await (await api(`/repos/${REPO}/commits/${sha}/status`)).json()).toMatchObject({ state: "pending", total_count: 0 });
    expect((await post(`/repos/${REPO}/statuses/${sha}`, { state: "failure", context: "ci/jenkins", description: "2 failed" })).status).toBe(201);
    github.checks.addStatus(REPO, sha, { state: "success", context: "ci/other" });
    expect(await (await api(`/repos/${REPO}/commits/${sha}/status`)).json()).toMatchObject({
      state: "failure",
      sha,
      total_count: 2,
      statuses: [{ context: "ci/other", state: "success" }, { context: "ci/jenkins", state: "failure", description: "2 failed" }],
    });
  });

  it("refuses a clone without credentials (401) or with the wrong token (403)", async () => {
    await expect(gitClient(["clone", "--quiet", cloneUrl(), join(scratch, "anonymous")])).rejects.toThrow();
    expect(github.requests.some((request) => request.path === `/${REPO}.git/info/refs` && request.status === 401)).toBe(true);
    await expect(gitClient(["clone", "--quiet", cloneUrl(), join(scratch, "wrong")], { auth: "wrong-token" })).rejects.toThrow();
    expect(github.requests.some((request) => request.path === `/${REPO}.git/info/refs` && request.status === 403)).toBe(true);
  });
});

describe("FakeGitHub installation tokens", () => {
  it("issues short-lived tokens on request and refuses expired ones (REST 401, git 401) until a new one is issued", async () => {
    const fake = await FakeGitHub.start({ tokenLifetimeMs: 60_000 });
    try {
      await fake.createRepo(REPO, { files: { "README.md": "# Widgets\n" } });
      const jwt = { authorization: "Bearer aaa.bbb.ccc" };
      const issue = async () => {
        const response = await fetch(`${fake.apiUrl}/app/installations/1/access_tokens`, { method: "POST", headers: jwt });
        return (await response.json()) as { token: string; expires_at: string };
      };
      const first = await issue();
      const second = await issue();
      expect(first.token).not.toBe(second.token);
      expect(first.token).not.toBe(fake.token);
      expect(Date.parse(first.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
      const user = (token: string) => fetch(`${fake.apiUrl}/user`, { headers: { authorization: `token ${token}` } });
      expect((await user(first.token)).status).toBe(200);

      fake.expireTokens();
      expect((await user(first.token)).status).toBe(401);
      expect((await user(fake.token)).status).toBe(401);
      const clone = (token: string, name: string) =>
        gitClient(["clone", "--quiet", `${fake.url}/${REPO}.git`, join(scratch, name)], { auth: token });
      await expect(clone(second.token, "expired")).rejects.toThrow();
      expect(fake.requests.some((request) => request.path === `/${REPO}.git/info/refs` && request.status === 401)).toBe(true);

      const renewed = await issue();
      expect((await user(renewed.token)).status).toBe(200);
      await clone(renewed.token, "renewed");
      expect(fake.issuedTokens()).toEqual(expect.arrayContaining([first.token, second.token, renewed.token]));
    } finally {
      await fake.stop();
    }
  });
});
