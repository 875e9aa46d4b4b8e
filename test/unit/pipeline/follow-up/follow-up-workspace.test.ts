// The follow-up's git work on a real remote: a kept clone reused, pushes never forced, someone else's commits kept.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { followUpWorkspace, keepForFollowUps } from "../../../../src/pipeline/follow-up/follow-up-workspace.js";
import { Workspace } from "../../../../src/pipeline/workspace/workspace.js";
import { createBareRepository, git, removeDirectories, temporaryDirectory } from "../git-fixture.js";

const author = { name: "venom-integrator[bot]", email: "1+venom-integrator[bot]@users.noreply.github.com" };
const directories: string[] = [];
const quiet = { warn: () => undefined };

afterAll(() => removeDirectories(...directories));

function temporary(): string {
  const directory = temporaryDirectory("venom-follow-up-");
  directories.push(directory);
  return directory;
}

/** Someone else's commit on `branch` of the bare repository (a reviewer pushing to the PR). */
async function pushAsReviewer(url: string, branch: string, file: string, content: string): Promise<string> {
  const work = temporary();
  await git(work, "clone", "--quiet", "--branch", branch, url, ".");
  writeFileSync(path.join(work, file), content);
  await git(work, "add", "--all");
  await git(work, "commit", "--quiet", "-m", `reviewer edits ${file}`);
  await git(work, "push", "--quiet", "origin", `HEAD:${branch}`);
  return (await git(work, "rev-parse", "HEAD")).trim();
}

async function setUp() {
  const remote = await createBareRepository({ "README.md": "# Remote\n", "src/app.ts": "export const value = 1;\n" });
  directories.push(remote.bare);
  await git(remote.bare, "branch", "issue-7", "main");
  const dataDir = temporary();
  const options = { dataDir, repo: "octo/demo", issue: 7, cloneUrl: remote.url, token: "unused", refreshToken: async () => "unused", branch: "issue-7", author };
  return { remote, dataDir, options };
}

describe("followUpWorkspace", () => {
  it("clones the branch once, then reuses the kept clone at the branch's new head", async () => {
    const { remote, options } = await setUp();
    const first = await followUpWorkspace(options, quiet);
    expect(first.reused).toBe(false);
    writeFileSync(path.join(first.workspace.root, "leftover.txt"), "from an earlier round\n");
    const head = await pushAsReviewer(remote.url, "issue-7", "README.md", "# Reviewed\n");
    const second = await followUpWorkspace(options, quiet);
    expect(second.reused).toBe(true);
    expect(second.workspace.root).toBe(first.workspace.root);
    expect(await second.workspace.headSha()).toBe(head);
    expect(readFileSync(path.join(second.workspace.root, "README.md"), "utf8")).toBe("# Reviewed\n");
    expect(existsSync(path.join(second.workspace.root, "leftover.txt"))).toBe(false);
  });

  it("pushes without force: when the branch moved, the round's commit goes on top of the reviewer's", async () => {
    const { remote, options } = await setUp();
    const { workspace } = await followUpWorkspace(options, quiet);
    const before = await workspace.headSha();
    writeFileSync(path.join(workspace.root, "src/app.ts"), "export const value = 2;\n");
    await workspace.commit("follow-up");
    const reviewer = await pushAsReviewer(remote.url, "issue-7", "README.md", "# Reviewer was here\n");
    expect(await workspace.pushWithoutForce("issue-7", "unused")).toBe("moved");
    expect((await git(remote.bare, "rev-parse", "issue-7")).trim()).toBe(reviewer);
    await workspace.updateBranch("issue-7", { keepLocalCommits: true });
    expect(await workspace.pushWithoutForce("issue-7", "unused")).toBe("pushed");
    const head = (await git(remote.bare, "rev-parse", "issue-7")).trim();
    expect((await git(remote.bare, "rev-list", "--count", `${reviewer}..${head}`)).trim()).toBe("1");
    await git(remote.bare, "merge-base", "--is-ancestor", before, head);
    expect(await git(remote.bare, "show", `${head}:README.md`)).toBe("# Reviewer was here\n");
    expect(await git(remote.bare, "show", `${head}:src/app.ts`)).toBe("export const value = 2;\n");
    expect(await workspace.findCommit("HEAD", "follow-up")).toBe(head);
    expect(await workspace.findCommit("HEAD", "no such message")).toBeUndefined();
  });

  it("turns the issue run's clone into the kept workspace", async () => {
    const { options, dataDir } = await setUp();
    const clone = await Workspace.clone({ dataDir, repo: "octo/demo", cloneUrl: options.cloneUrl, jobId: "job-1", author, branch: "issue-7" });
    await keepForFollowUps(clone, { dataDir, repo: "octo/demo", issue: 7 });
    expect(existsSync(clone.root)).toBe(false);
    expect((await followUpWorkspace(options, quiet)).reused).toBe(true);
  });
});
