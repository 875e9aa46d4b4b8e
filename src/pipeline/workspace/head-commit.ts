// The workspace's HEAD commit as the Git Data API needs it: parents, base tree, message and each changed path.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CommitFile } from "../../github/git-data-commit.js";
import { baseGitEnvironment, gitCommand } from "./git-command.js";

const run = promisify(execFile);

/** What one commit through the API may carry; past it the commit goes over git (DESIGN: "too large for the API"). */
export const API_COMMIT_LIMITS = { files: 100, bytes: 10 * 1024 * 1024 } as const;

export interface HeadCommit {
  sha: string;
  tree: string;
  parents: string[];
  /** The first parent's tree: the API's base tree. */
  parentTree: string;
  message: string;
  files: CommitFile[];
}

/**
 * HEAD's change against its first parent, read from git, or why the API cannot carry it (a submodule, too many
 * files or bytes, a root commit): the caller then pushes over git.
 */
export async function readHeadCommit(root: string): Promise<{ commit: HeadCommit } | { unsuitable: string }> {
  const git = gitCommand(root, baseGitEnvironment());
  const [sha = "", tree = "", parentList = ""] = (await git.raw(["log", "-1", "--format=%H%n%T%n%P", "HEAD"])).split("\n");
  const parents = parentList.split(" ").filter(Boolean);
  const first = parents[0];
  if (!first) return { unsuitable: "the commit has no parent" };
  const message = await git.raw(["log", "-1", "--format=%B", "HEAD"]);
  const parentTree = (await git.raw(["rev-parse", `${first}^{tree}`])).trim();
  // `:oldmode newmode oldsha newsha status\0path\0` per changed path, renames off so each path stands alone.
  const raw = await git.raw(["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", first, "HEAD"]);
  const fields = raw.split("\0");
  const changes: Array<{ mode: string; oldBlob: string; blob: string; status: string; path: string }> = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const [, newMode = "", oldBlob = "", blob = "", status = ""] = (fields[index] ?? "").split(" ");
    changes.push({ mode: newMode, oldBlob, blob, status, path: fields[index + 1] ?? "" });
  }
  if (changes.length > API_COMMIT_LIMITS.files) return { unsuitable: `${changes.length} files changed (the API limit chosen is ${API_COMMIT_LIMITS.files})` };
  const files: CommitFile[] = [];
  let bytes = 0;
  for (const change of changes) {
    if (change.status === "D") {
      files.push({ path: change.path, deleted: true });
      continue;
    }
    if (change.mode !== "100644" && change.mode !== "100755" && change.mode !== "120000") return { unsuitable: `${change.path} has mode ${change.mode} (a submodule)` };
    // A mode change keeps its blob, which GitHub has (and a blob-less clone may not): named, not uploaded.
    if (change.blob === change.oldBlob) {
      files.push({ path: change.path, mode: change.mode, blob: change.blob });
      continue;
    }
    const content = await blobContent(root, change.blob);
    bytes += content.length;
    if (bytes > API_COMMIT_LIMITS.bytes) return { unsuitable: `the change passes ${API_COMMIT_LIMITS.bytes / 1024 / 1024} MB` };
    files.push({ path: change.path, mode: change.mode, content });
  }
  return { commit: { sha, tree, parents, parentTree, message: message.replace(/\n+$/, ""), files } };
}

async function blobContent(root: string, blob: string): Promise<Buffer> {
  const { stdout } = await run("git", ["cat-file", "blob", blob], { cwd: root, env: baseGitEnvironment(), encoding: "buffer", maxBuffer: API_COMMIT_LIMITS.bytes + 1024 });
  return stdout;
}
