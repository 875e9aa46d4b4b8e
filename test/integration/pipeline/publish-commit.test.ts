// publishCommit against the fake GitHub (real git over HTTP, Git Data API on real git plumbing): API or git push.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../../src/github/clients.js";
import { publishCommit } from "../../../src/pipeline/publish-commit.js";
import { API_COMMIT_LIMITS } from "../../../src/pipeline/workspace/head-commit.js";
import { Workspace } from "../../../src/pipeline/workspace/workspace.js";
import { FakeGitHub } from "../../support/fake-github.js";

const repo = "octo/publish";
let github: FakeGitHub;
let dataDir: string;
let octokit: Octokit;
const log = pino({ level: "silent" });
const author = { name: "venom-integrator[bot]", email: "venom-integrator[bot]@users.noreply.github.com" };

beforeAll(async () => {
  github = await FakeGitHub.start();
  dataDir = mkdtempSync(path.join(tmpdir(), "venom-publish-"));
  await github.createRepo(repo, { files: { "README.md": "# publish\n", "run.sh": "echo hi\n" } });
  octokit = new ProbotOctokit({ auth: { token: github.token }, baseUrl: github.apiUrl, throttle: { enabled: false }, retry: { enabled: false } }) as unknown as Octokit;
});

afterAll(async () => {
  await github.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function workspaceOn(branch: string, jobId: string): Promise<Workspace> {
  const workspace = await Workspace.clone({ dataDir, repo, cloneUrl: `${github.url}/${repo}.git`, token: github.token, jobId, author });
  await workspace.checkoutBranch(branch);
  return workspace;
}

function pushes(): number {
  return github.requests.filter((request) => request.path.endsWith("/git-receive-pack")).length;
}

describe("publishCommit", () => {
  it("App mode: text inline, a binary file as a blob, the executable bit kept; the same tree, signed, and the clone's HEAD is the API commit", async () => {
    const workspace = await workspaceOn("issue-1", "a");
    writeFileSync(path.join(workspace.root, "README.md"), "# publish\n\nfixed\n");
    writeFileSync(path.join(workspace.root, "logo.bin"), Buffer.from([0, 159, 146, 150, 255]));
    execFileSync("chmod", ["+x", path.join(workspace.root, "run.sh")]);
    const localTree = async () => execFileSync("git", ["rev-parse", "HEAD^{tree}"], { cwd: workspace.root, encoding: "utf8" }).trim();
    await workspace.commit("Fix #1: readme\n\nCo-authored-by: alice <7+alice@users.noreply.github.com>");
    const treeBefore = await localTree();
    const before = pushes();
    const blobsBefore = github.requests.filter((request) => request.path.endsWith("/git/blobs")).length;

    const published = await publishCommit({ workspace, repo, branch: "issue-1", force: true, octokit, remoteBranchExists: false, gitToken: async () => github.token, log });
    expect(published).toMatchObject({ via: "api" });
    if ("moved" in published) throw new Error("moved");
    expect(pushes()).toBe(before);
    expect(github.requests.filter((request) => request.path.endsWith("/git/blobs")).length - blobsBefore).toBe(1);
    expect(github.branchSha(repo, "issue-1")).toBe(published.sha);
    expect(github.commitVerification(repo, published.sha)).toEqual({ verified: true, reason: "valid" });
    expect(await workspace.headSha()).toBe(published.sha);
    expect(await localTree()).toBe(treeBefore);
    const mode = execFileSync("git", ["ls-tree", published.sha, "run.sh"], { cwd: github.bareRepoPath(repo), encoding: "utf8" });
    expect(mode.startsWith("100755")).toBe(true);
    await workspace.remove();
  });

  it("a change past the API's limit goes over git push instead", async () => {
    const workspace = await workspaceOn("issue-2", "b");
    for (let index = 0; index <= API_COMMIT_LIMITS.files; index += 1) writeFileSync(path.join(workspace.root, `f${index}.txt`), `${index}\n`);
    await workspace.commit("Fix #2: many files");
    const before = pushes();
    const published = await publishCommit({ workspace, repo, branch: "issue-2", force: true, octokit, gitToken: async () => github.token, log });
    expect(published).toMatchObject({ via: "git" });
    expect(pushes()).toBe(before + 1);
    if ("moved" in published) throw new Error("moved");
    expect(github.branchSha(repo, "issue-2")).toBe(published.sha);
    expect(github.commitVerification(repo, published.sha)).toBeUndefined();
    await workspace.remove();
  });

  it("without force, a branch that moved on GitHub is never overwritten: API and git both answer moved", async () => {
    const first = await workspaceOn("issue-3", "c");
    writeFileSync(path.join(first.root, "a.txt"), "a\n");
    await first.commit("first");
    await publishCommit({ workspace: first, repo, branch: "issue-3", force: true, octokit, gitToken: async () => github.token, log });
    const moved = github.branchSha(repo, "issue-3");

    const stale = await Workspace.clone({ dataDir, repo, cloneUrl: `${github.url}/${repo}.git`, token: github.token, jobId: "d", author });
    await stale.checkoutBranch("issue-3-stale");
    writeFileSync(path.join(stale.root, "b.txt"), "b\n");
    await stale.commit("on the old base");
    expect(await publishCommit({ workspace: stale, repo, branch: "issue-3", force: false, octokit, gitToken: async () => github.token, log })).toEqual({ moved: true });
    expect(await publishCommit({ workspace: stale, repo, branch: "issue-3", force: false, octokit: undefined, gitToken: async () => github.token, log })).toEqual({ moved: true });
    expect(github.branchSha(repo, "issue-3")).toBe(moved);
    await Promise.all([first.remove(), stale.remove()]);
  });
});
