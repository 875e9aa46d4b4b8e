// Checks the fake GitHub's Git Data API (real git plumbing behind it), users and issue events with a real Octokit.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "./fake-github.js";

const run = promisify(execFile);
const REPO = "acme/gadgets";
const [OWNER, NAME] = REPO.split("/") as [string, string];

let github: FakeGitHub;
let scratch: string;
let octokit: InstanceType<typeof ProbotOctokit>;

function client(token: string): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({ auth: { token }, baseUrl: github.apiUrl, throttle: { enabled: false }, retry: { enabled: false } });
}

beforeAll(async () => {
  github = await FakeGitHub.start();
  scratch = mkdtempSync(join(tmpdir(), "fake-github-git-data-test-"));
  await github.createRepo(REPO, { files: { "README.md": "# Gadgets\n", "src/a/keep.ts": "export const keep = 1;\n", "src/a/gone.ts": "gone\n" } });
  octokit = client(github.token);
});

afterAll(async () => {
  await github.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the git client asynchronously (a sync call would block the in-process server) with isolated config. */
function gitClient(args: string[], cwd?: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) env[key] = value;
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${github.token}`).toString("base64")}`,
  });
  return run("git", args, { cwd, env });
}

async function status(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
    return { status: 0, message: "" };
  } catch (error) {
    const failure = error as { status: number; response?: { data?: { message?: string } } };
    return { status: failure.status, message: failure.response?.data?.message ?? "" };
  }
}

/** A commit on top of main's head replacing `path` with `content`; returns its sha. */
async function commitOnMain(path: string, content: string, parent?: string): Promise<string> {
  const head = parent ?? (github.branchSha(REPO, "main") as string);
  const base = (await octokit.rest.git.getCommit({ owner: OWNER, repo: NAME, commit_sha: head })).data.tree.sha;
  const tree = await octokit.rest.git.createTree({ owner: OWNER, repo: NAME, base_tree: base, tree: [{ path, mode: "100644", type: "blob", content }] });
  const commit = await octokit.rest.git.createCommit({ owner: OWNER, repo: NAME, message: `Set ${path}`, tree: tree.data.sha, parents: [head] });
  return commit.data.sha;
}

describe("FakeGitHub Git Data API", () => {
  it("round-trips blobs in utf-8 and base64, binary bytes included", async () => {
    const text = await octokit.rest.git.createBlob({ owner: OWNER, repo: NAME, content: "héllo\n", encoding: "utf-8" });
    expect(text.status).toBe(201);
    expect(text.data.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(text.data.url).toBe(`${github.apiUrl}/repos/${REPO}/git/blobs/${text.data.sha}`);
    const read = await octokit.rest.git.getBlob({ owner: OWNER, repo: NAME, file_sha: text.data.sha });
    expect(read.data).toMatchObject({ sha: text.data.sha, size: Buffer.byteLength("héllo\n"), encoding: "base64" });
    expect(Buffer.from(read.data.content, "base64").toString("utf8")).toBe("héllo\n");

    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const binary = await octokit.rest.git.createBlob({ owner: OWNER, repo: NAME, content: bytes.toString("base64"), encoding: "base64" });
    const back = await octokit.rest.git.getBlob({ owner: OWNER, repo: NAME, file_sha: binary.data.sha });
    expect(back.data.size).toBe(256);
    // Like GitHub: base64 wrapped every 60 characters.
    expect(back.data.content.split("\n").every((line) => line.length <= 60)).toBe(true);
    expect(Buffer.from(back.data.content, "base64").equals(bytes)).toBe(true);

    expect(await status(octokit.request("POST /repos/{owner}/{repo}/git/blobs", { owner: OWNER, repo: NAME, content: "x", encoding: "latin1" }))).toMatchObject({
      status: 422,
      message: "Validation Failed",
    });
    expect((await status(octokit.rest.git.getBlob({ owner: OWNER, repo: NAME, file_sha: "0".repeat(40) }))).status).toBe(404);
  });

  it("builds nested trees on a base tree, deletes with sha null and keeps the executable mode", async () => {
    const head = github.branchSha(REPO, "main") as string;
    const baseTree = (await octokit.rest.git.getCommit({ owner: OWNER, repo: NAME, commit_sha: head })).data.tree.sha;
    const script = await octokit.rest.git.createBlob({ owner: OWNER, repo: NAME, content: "#!/bin/sh\necho hi\n" });
    const tree = await octokit.rest.git.createTree({
      owner: OWNER,
      repo: NAME,
      base_tree: baseTree,
      tree: [
        { path: "src/a/b/new.ts", mode: "100644", type: "blob", content: "export const added = 2;\n" },
        { path: "src/a/gone.ts", mode: "100644", type: "blob", sha: null },
        { path: "bin/run.sh", mode: "100755", type: "blob", sha: script.data.sha },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.truncated).toBe(false);
    expect(tree.data.tree.map((entry) => entry.path).sort()).toEqual(["README.md", "bin", "src"]);

    const recursive = await octokit.rest.git.getTree({ owner: OWNER, repo: NAME, tree_sha: tree.data.sha, recursive: "1" });
    const byPath = new Map(recursive.data.tree.map((entry) => [entry.path, entry]));
    expect([...byPath.keys()].sort()).toEqual(["README.md", "bin", "bin/run.sh", "src", "src/a", "src/a/b", "src/a/b/new.ts", "src/a/keep.ts"]);
    expect(byPath.get("bin/run.sh")).toMatchObject({ mode: "100755", type: "blob", sha: script.data.sha, size: 18 });
    expect(byPath.get("src/a")).toMatchObject({ mode: "040000", type: "tree" });
    expect(byPath.get("src/a/keep.ts")?.url).toMatch(/\/git\/blobs\/[0-9a-f]{40}$/);

    // A whole subtree grafted at a new path, over a file that stood where the directory goes.
    const grafted = await octokit.rest.git.createTree({
      owner: OWNER,
      repo: NAME,
      base_tree: tree.data.sha,
      tree: [{ path: "README.md/inner", mode: "040000", type: "tree", sha: byPath.get("src/a")?.sha as string }],
    });
    const graftedPaths = (await octokit.rest.git.getTree({ owner: OWNER, repo: NAME, tree_sha: grafted.data.sha, recursive: "true" })).data.tree
      .filter((entry) => entry.type === "blob")
      .map((entry) => entry.path);
    expect(graftedPaths.sort()).toEqual(["README.md/inner/b/new.ts", "README.md/inner/keep.ts", "bin/run.sh", "src/a/b/new.ts", "src/a/keep.ts"]);

    expect(await status(octokit.rest.git.createTree({ owner: OWNER, repo: NAME, base_tree: "1".repeat(40), tree: [] }))).toMatchObject({ status: 422 });
    expect(
      await status(octokit.rest.git.createTree({ owner: OWNER, repo: NAME, tree: [{ path: "x", mode: "100644", type: "blob", sha: "2".repeat(40) }] })),
    ).toMatchObject({ status: 422, message: `tree.sha ${"2".repeat(40)} is not a valid blob` });
  });

  it("creates commits signed for the App with its installation token, unsigned otherwise", async () => {
    const head = github.branchSha(REPO, "main") as string;
    const signed = await octokit.rest.git.getCommit({ owner: OWNER, repo: NAME, commit_sha: await commitOnMain("signed.txt", "signed\n") });
    expect(signed.data).toMatchObject({
      message: "Set signed.txt",
      author: { name: "venom-integrator[bot]", email: "1+venom-integrator[bot]@users.noreply.github.com" },
      committer: { name: "venom-integrator[bot]" },
      parents: [{ sha: head }],
      verification: { verified: true, reason: "valid" },
    });
    expect(signed.data.verification.signature).toContain("BEGIN PGP SIGNATURE");
    expect(github.commitVerification(REPO, signed.data.sha)).toEqual({ verified: true, reason: "valid" });
    expect(github.apiCommits(REPO)).toContain(signed.data.sha);
    // The branch never moved: the commit is only an object until a ref points at it.
    expect(github.branchSha(REPO, "main")).toBe(head);

    const authored = await octokit.rest.git.createCommit({
      owner: OWNER,
      repo: NAME,
      message: "By a human",
      tree: signed.data.tree.sha,
      parents: [head],
      author: { name: "Alice", email: "alice@example.com", date: "2024-05-06T07:08:09+02:00" },
    });
    expect(authored.status).toBe(201);
    expect(authored.data).toMatchObject({
      author: { name: "Alice", email: "alice@example.com", date: "2024-05-06T05:08:09Z" },
      committer: { name: "Alice" },
      verification: { verified: false, reason: "unsigned", signature: null },
    });
    expect(github.commitVerification(REPO, authored.data.sha)).toEqual({ verified: false, reason: "unsigned" });

    // A fake configured with a personal access token: nothing is signed for an App.
    const patGitHub = await FakeGitHub.start({ token: "ghp_personal0123456789" });
    try {
      await patGitHub.createRepo(REPO);
      const personal = new ProbotOctokit({ auth: { token: patGitHub.token }, baseUrl: patGitHub.apiUrl, throttle: { enabled: false }, retry: { enabled: false } });
      const patHead = patGitHub.branchSha(REPO, "main") as string;
      const patTree = (await personal.rest.git.getCommit({ owner: OWNER, repo: NAME, commit_sha: patHead })).data.tree.sha;
      const byPat = await personal.rest.git.createCommit({ owner: OWNER, repo: NAME, message: "By PAT", tree: patTree, parents: [patHead] });
      expect(byPat.data.verification).toMatchObject({ verified: false, reason: "unsigned" });
      expect(patGitHub.commitVerification(REPO, byPat.data.sha)).toEqual({ verified: false, reason: "unsigned" });
    } finally {
      await patGitHub.stop();
    }

    // Pushed commits were never created through the API.
    expect(github.commitVerification(REPO, head)).toBeUndefined();
    expect(github.apiCommits(REPO)).not.toContain(head);
    const branch = await octokit.rest.repos.getBranch({ owner: OWNER, repo: NAME, branch: "main" });
    expect(branch.data.commit.commit.verification).toMatchObject({ verified: false, reason: "unsigned" });

    expect(await status(octokit.rest.git.createCommit({ owner: OWNER, repo: NAME, message: "x", tree: "3".repeat(40), parents: [] }))).toMatchObject({
      status: 422,
      message: "Tree SHA does not exist",
    });
  });

  it("creates and moves refs: fast-forward, refused non-fast-forward, forced, deleted", async () => {
    const main = github.branchSha(REPO, "main") as string;
    await octokit.rest.git.createRef({ owner: OWNER, repo: NAME, ref: "refs/heads/feature", sha: main });
    const first = await commitOnMain("feature.txt", "one\n", main);
    const moved = await octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: "heads/feature", sha: first });
    expect(moved.data).toMatchObject({ ref: "refs/heads/feature", object: { sha: first, type: "commit" } });
    expect(github.branchSha(REPO, "feature")).toBe(first);

    const sideways = await commitOnMain("feature.txt", "other\n", main);
    expect(await status(octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: "heads/feature", sha: sideways }))).toEqual({
      status: 422,
      message: "Update is not a fast forward",
    });
    expect(github.branchSha(REPO, "feature")).toBe(first);
    await octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: "heads/feature", sha: sideways, force: true });
    expect(github.branchSha(REPO, "feature")).toBe(sideways);

    expect(await status(octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: "heads/nope", sha: first }))).toEqual({
      status: 422,
      message: "Reference does not exist",
    });
    const deleted = await octokit.rest.git.deleteRef({ owner: OWNER, repo: NAME, ref: "heads/feature" });
    expect(deleted.status).toBe(204);
    expect(github.branchSha(REPO, "feature")).toBeUndefined();
    expect((await status(octokit.rest.git.deleteRef({ owner: OWNER, repo: NAME, ref: "heads/feature" }))).status).toBe(422);
  });

  it("moves a pull request's head and pushed_at like a push, and git clone/fetch get exactly the API commit", async () => {
    const main = github.branchSha(REPO, "main") as string;
    await octokit.rest.git.createRef({ owner: OWNER, repo: NAME, ref: "refs/heads/topic", sha: await commitOnMain("topic.txt", "v1\n", main) });
    const pull = await octokit.rest.pulls.create({ owner: OWNER, repo: NAME, title: "Topic", head: "topic", base: "main" });
    const clone = join(scratch, "clone");
    await gitClient(["clone", "--quiet", "--branch", "topic", `${github.url}/${REPO}.git`, clone]);

    const before = (await octokit.rest.repos.get({ owner: OWNER, repo: NAME })).data.pushed_at;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const next = await commitOnMain("bin/tool", "#!/bin/sh\n", github.branchSha(REPO, "topic"));
    const nextTree = await octokit.rest.git.createTree({
      owner: OWNER,
      repo: NAME,
      base_tree: (await octokit.rest.git.getCommit({ owner: OWNER, repo: NAME, commit_sha: next })).data.tree.sha,
      tree: [{ path: "bin/tool", mode: "100755", type: "blob", content: "#!/bin/sh\necho tool\n" }],
    });
    const commit = await octokit.rest.git.createCommit({ owner: OWNER, repo: NAME, message: "Tool", tree: nextTree.data.sha, parents: [next] });
    await octokit.rest.git.updateRef({ owner: OWNER, repo: NAME, ref: "heads/topic", sha: commit.data.sha });

    const after = await octokit.rest.pulls.get({ owner: OWNER, repo: NAME, pull_number: pull.data.number });
    expect(after.data.head.sha).toBe(commit.data.sha);
    expect(Date.parse((await octokit.rest.repos.get({ owner: OWNER, repo: NAME })).data.pushed_at ?? "")).toBeGreaterThan(Date.parse(before ?? ""));

    await gitClient(["fetch", "--quiet", "origin", "topic"], clone);
    const fetched = (await gitClient(["rev-parse", "FETCH_HEAD", "FETCH_HEAD^{tree}"], clone)).stdout.trim().split("\n");
    expect(fetched).toEqual([commit.data.sha, nextTree.data.sha]);
    await gitClient(["merge", "--quiet", "--ff-only", "FETCH_HEAD"], clone);
    expect(readFileSync(join(clone, "bin/tool"), "utf8")).toBe("#!/bin/sh\necho tool\n");
    expect(statSync(join(clone, "bin/tool")).mode & 0o111).not.toBe(0);
    expect((await gitClient(["log", "-1", "--format=%an|%s"], clone)).stdout.trim()).toBe("venom-integrator[bot]|Tool");
    // git's own fsck accepts the object the API wrote, signature header included.
    await gitClient(["fsck", "--strict", "--no-dangling"], clone);

    const fresh = join(scratch, "fresh");
    await gitClient(["clone", "--quiet", "--branch", "topic", `${github.url}/${REPO}.git`, fresh]);
    expect((await gitClient(["rev-parse", "HEAD"], fresh)).stdout.trim()).toBe(commit.data.sha);
  });
});

describe("FakeGitHub users and issue events", () => {
  it("answers GET /users/{username} for any login", async () => {
    const user = await octokit.rest.users.getByUsername({ username: "alice" });
    expect(user.data).toMatchObject({ login: "alice", type: "User" });
    const bot = await octokit.rest.users.getByUsername({ username: "venom-integrator[bot]" });
    expect(bot.data).toMatchObject({ login: "venom-integrator[bot]", type: "Bot" });
  });

  it("records labeled events: initial labels by the author, REST labels by the App, labelIssue by its actor", async () => {
    const issue = github.addIssue(REPO, { title: "Events", labels: ["bug"], user: "alice" });
    await octokit.rest.issues.addLabels({ owner: OWNER, repo: NAME, issue_number: issue.number, labels: ["bug", "triaged"] });
    expect(github.labelIssue(REPO, issue.number, "venom", "bob")).toMatchObject({ event: "labeled", actor: "bob", label: "venom" });
    expect(github.labelIssue(REPO, issue.number, "VENOM", "bob")).toBeUndefined();
    await octokit.rest.issues.removeLabel({ owner: OWNER, repo: NAME, issue_number: issue.number, name: "triaged" });
    expect((await octokit.rest.issues.get({ owner: OWNER, repo: NAME, issue_number: issue.number })).data.labels.map((label) => (typeof label === "string" ? label : label.name))).toEqual([
      "bug",
      "venom",
    ]);

    const events = await octokit.paginate(octokit.rest.issues.listEvents, { owner: OWNER, repo: NAME, issue_number: issue.number, per_page: 2 });
    expect(events.map((event) => [event.event, event.actor?.login, "label" in event ? event.label?.name : undefined])).toEqual([
      ["labeled", "alice", "bug"],
      ["labeled", "venom-integrator[bot]", "triaged"],
      ["labeled", "bob", "venom"],
      ["unlabeled", "venom-integrator[bot]", "triaged"],
    ]);
    const first = events[0] as { label?: { color: string }; node_id: string; created_at: string; url: string };
    expect(first.label?.color).toMatch(/^[0-9a-f]{6}$/);
    expect(first.url).toMatch(new RegExp(`/repos/${REPO}/issues/events/\\d+$`));

    const page = await octokit.rest.issues.listEvents({ owner: OWNER, repo: NAME, issue_number: issue.number, per_page: 3 });
    expect(page.data).toHaveLength(3);
    expect(page.headers.link).toContain('rel="next"');
    expect(github.issueEvents(REPO, issue.number)).toHaveLength(4);
    expect((await status(octokit.rest.issues.listEvents({ owner: OWNER, repo: NAME, issue_number: 9999 }))).status).toBe(404);
  });

  it("records assigned events: initial assignees by the author, REST changes by the App", async () => {
    const issue = github.addIssue(REPO, { title: "Assigned", assignees: ["carol"], user: "dave" });
    await octokit.rest.issues.update({ owner: OWNER, repo: NAME, issue_number: issue.number, assignees: ["erin"] });
    const events = (await octokit.rest.issues.listEvents({ owner: OWNER, repo: NAME, issue_number: issue.number })).data as Array<{
      event: string;
      actor: { login: string } | null;
      assignee?: { login: string } | null;
    }>;
    expect(events.map((event) => [event.event, event.actor?.login, event.assignee?.login])).toEqual([
      ["assigned", "dave", "carol"],
      ["assigned", "venom-integrator[bot]", "erin"],
      ["unassigned", "venom-integrator[bot]", "carol"],
    ]);
  });
});
