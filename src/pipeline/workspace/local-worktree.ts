// `venom fix`'s worktrees: a directory of its own per run on a local repository, and the branch it leaves behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { errorMessage, VenomError } from "../../errors.js";
import { assertBranchName, baseGitEnvironment, gitCommand, localBranchExists } from "./git-command.js";
import { Workspace } from "./workspace.js";

/**
 * A worktree of the local `repository` on `branch` (created from HEAD unless it exists), in a
 * directory of its own: the run, its setup and its checks never touch the user's checkout or
 * its ignored files (`.env`, `node_modules`). The branch stays when the worktree is removed.
 */
export async function addWorktree(repository: Workspace, branch: string): Promise<{ workspace: Workspace; created: boolean }> {
  const git = gitCommand(repository.root, baseGitEnvironment());
  await assertBranchName(git, branch);
  const exists = await localBranchExists(git, branch);
  const directory = await mkdtemp(path.join(tmpdir(), "venom-fix-"));
  try {
    await git.raw(["worktree", "add", "--quiet", ...(exists ? [directory, branch] : ["-b", branch, directory, "HEAD"])]);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new VenomError("user", `Could not prepare branch ${branch}: ${errorMessage(error).trim().split("\n")[0]}; pick another --branch.`, {
      cause: error,
    });
  }
  const author = repository.author;
  const workspace = await Workspace.attachWorktree({ root: directory, worktreeOf: repository.root, ...(author ? { author } : {}) });
  return { workspace, created: !exists };
}

/** Deletes a local branch (a `venom fix` branch that received no commit). */
export async function deleteLocalBranch(repository: Workspace, branch: string): Promise<void> {
  const git = gitCommand(repository.root, baseGitEnvironment());
  await assertBranchName(git, branch);
  await git.raw(["branch", "--quiet", "-D", branch]);
}
