import { chmodSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { API_COMMIT_LIMITS, readHeadCommit } from "../../../../src/pipeline/workspace/head-commit.js";
import { createRepository, git, writeFiles } from "../git-fixture.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function repository(files: Record<string, string>): Promise<string> {
  const root = await createRepository(files);
  roots.push(root);
  return root;
}

describe("readHeadCommit", () => {
  it("lists each changed path with its new content and mode, deletions, and the parent's tree", async () => {
    const root = await repository({ "a.txt": "one\n", "gone.txt": "bye\n", "src/run.sh": "echo hi\n" });
    const parent = (await git(root, "rev-parse", "HEAD")).trim();
    const parentTree = (await git(root, "rev-parse", "HEAD^{tree}")).trim();
    writeFiles(root, { "a.txt": "two\n", "src/new/deep.ts": "export {};\n" });
    chmodSync(path.join(root, "src/run.sh"), 0o755);
    writeFileSync(path.join(root, "logo.bin"), Buffer.from([0, 1, 2, 255]));
    symlinkSync("a.txt", path.join(root, "link"));
    await git(root, "rm", "--quiet", "gone.txt");
    await git(root, "add", "--all");
    await git(root, "commit", "--quiet", "-m", "Fix #1: title\n\nbody\n\nCo-authored-by: octocat <1+octocat@users.noreply.github.com>");

    const read = await readHeadCommit(root);
    if (!("commit" in read)) throw new Error(read.unsuitable);
    const { commit } = read;
    expect(commit.parents).toEqual([parent]);
    expect(commit.parentTree).toBe(parentTree);
    expect(commit.tree).toBe((await git(root, "rev-parse", "HEAD^{tree}")).trim());
    expect(commit.message).toBe("Fix #1: title\n\nbody\n\nCo-authored-by: octocat <1+octocat@users.noreply.github.com>");
    const byPath = Object.fromEntries(commit.files.map((file) => [file.path, file]));
    expect(Object.keys(byPath).sort()).toEqual(["a.txt", "gone.txt", "link", "logo.bin", "src/new/deep.ts", "src/run.sh"]);
    expect(byPath["gone.txt"]).toEqual({ path: "gone.txt", deleted: true });
    expect(byPath["a.txt"]).toMatchObject({ mode: "100644", content: Buffer.from("two\n") });
    expect(byPath["src/run.sh"]).toEqual({ path: "src/run.sh", mode: "100755", blob: (await git(root, "rev-parse", "HEAD:src/run.sh")).trim() });
    expect(byPath["link"]).toMatchObject({ mode: "120000", content: Buffer.from("a.txt") });
    expect(byPath["logo.bin"]).toMatchObject({ mode: "100644", content: Buffer.from([0, 1, 2, 255]) });
  });

  it("names a change the API cannot carry in one commit: too many files, or a root commit", async () => {
    const root = await repository({ "a.txt": "one\n" });
    const many = Object.fromEntries(Array.from({ length: API_COMMIT_LIMITS.files + 1 }, (_, index) => [`f/${index}.txt`, `${index}\n`]));
    writeFiles(root, many);
    await git(root, "add", "--all");
    await git(root, "commit", "--quiet", "-m", "many");
    expect(await readHeadCommit(root)).toEqual({ unsuitable: `${API_COMMIT_LIMITS.files + 1} files changed (the API limit chosen is ${API_COMMIT_LIMITS.files})` });

    const fresh = await repository({ "a.txt": "one\n" });
    expect(await readHeadCommit(fresh)).toEqual({ unsuitable: "the commit has no parent" });
  });
});
