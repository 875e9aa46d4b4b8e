// The follow-up's working copy: the issue's kept clone brought to the PR head (a cheap round), else a fresh shallow clone.
import { rename, rm, utimes } from "node:fs/promises";
import path from "node:path";
import { Workspace, workspaceRoot, type GitAuthor } from "../workspace/workspace.js";

export interface FollowUpWorkspaceOptions {
  dataDir: string;
  repo: string;
  issue: number;
  cloneUrl: string;
  token: string;
  refreshToken: () => Promise<string>;
  branch: string;
  author: GitAuthor;
}

export interface FollowUpWorkspace {
  workspace: Workspace;
  /** True when a kept clone was brought up to date instead of cloning again. */
  reused: boolean;
}

/**
 * One clone per issue, kept between rounds under `issue-<N>` (one job per issue at a time, so no two rounds share
 * it): a later round fetches only the commits it lacks. A kept clone git cannot update is replaced by a fresh one.
 */
export async function followUpWorkspace(options: FollowUpWorkspaceOptions, log: { warn(object: object, message: string): void }): Promise<FollowUpWorkspace> {
  const cloneOptions = {
    dataDir: options.dataDir,
    repo: options.repo,
    cloneUrl: options.cloneUrl,
    token: options.token,
    refreshToken: options.refreshToken,
    jobId: followUpKey(options.issue),
    author: options.author,
  };
  const kept = await Workspace.reopen(cloneOptions);
  if (kept) {
    // A round killed mid-rebase or mid-merge left git's state behind: the branch is reset to the remote head anyway.
    for (const leftover of ["rebase-merge", "rebase-apply", "MERGE_HEAD"]) await rm(path.join(kept.root, ".git", leftover), { recursive: true, force: true });
    try {
      await kept.updateBranch(options.branch);
      await touch(kept.root);
      return { workspace: kept, reused: true };
    } catch (error) {
      log.warn({ err: error }, "The kept workspace could not be updated; cloning again");
    }
  }
  const workspace = await Workspace.clone({ ...cloneOptions, branch: options.branch });
  await workspace.updateBranch(options.branch);
  await touch(workspace.root);
  return { workspace, reused: false };
}

/** After the issue's run opened its pull request, its clone becomes the first follow-up's kept workspace instead of being deleted. */
export async function keepForFollowUps(workspace: Workspace, where: { dataDir: string; repo: string; issue: number }): Promise<void> {
  const target = workspaceRoot({ ...where, jobId: followUpKey(where.issue) });
  await rm(target, { recursive: true, force: true });
  await rename(workspace.root, target);
  await touch(target);
}

/** The pull request is gone (merged or closed): its kept clone goes too. */
export async function dropFollowUpWorkspace(where: { dataDir: string; repo: string; issue: number }): Promise<void> {
  await rm(workspaceRoot({ ...where, jobId: followUpKey(where.issue) }), { recursive: true, force: true });
}

/** Marks the kept clone as used now: its mtime is what pruneKeptWorkspaces reads. */
async function touch(root: string): Promise<void> {
  const now = new Date();
  await utimes(root, now, now).catch(() => undefined);
}

function followUpKey(issue: number): string {
  return `issue-${issue}`;
}
