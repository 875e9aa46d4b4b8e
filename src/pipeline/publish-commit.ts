// Puts the workspace's HEAD commit on GitHub: through the Git Data API (signed, Verified) when it can, else git push.
import type { Logger } from "pino";
import type { Octokit } from "../github/clients.js";
import { createApiCommit, updateBranchRef } from "../github/git-data-commit.js";
import { readHeadCommit } from "./workspace/head-commit.js";
import type { Workspace } from "./workspace/workspace.js";

export interface PublishTarget {
  workspace: Workspace;
  repo: string;
  branch: string;
  /**
   * The run's own branch may be overwritten (the remote holds an earlier attempt of the same job); a follow-up
   * round never overwrites: it answers "moved" and the caller rebases onto the newcomers.
   */
  force: boolean;
  /** App mode: the installation's client, which makes the commit through the API. Absent (token mode): git push. */
  octokit: Octokit | undefined;
  /** Whether the branch is on GitHub already, when known (a branch the run created locally is not): saves a refused update. */
  remoteBranchExists?: boolean | undefined;
  /** A git token with minutes to spare, asked for only when the commit goes over git. */
  gitToken: () => Promise<string>;
  log: Logger;
}

export type Published = { sha: string; via: "api" | "git" } | { moved: true };

export async function publishCommit(target: PublishTarget): Promise<Published> {
  const { workspace, octokit, log } = target;
  if (octokit) {
    const read = await readHeadCommit(workspace.root);
    if ("commit" in read) {
      const local = read.commit;
      const made = await createApiCommit(octokit, { repo: target.repo, parents: local.parents, parentTree: local.parentTree, files: local.files, message: local.message });
      // The API's tree must be the one the checks passed on; a difference would be a bug here, never pushed.
      if (made.tree === local.tree) {
        const updated = await updateBranchRef(octokit, { repo: target.repo, branch: target.branch, sha: made.sha, force: target.force, exists: target.remoteBranchExists });
        if (updated === "moved") return { moved: true };
        await workspace.adoptRemoteCommit(target.branch, made.sha);
        return { sha: made.sha, via: "api" };
      }
      log.warn({ apiTree: made.tree, localTree: local.tree }, "The API commit's tree differs from the local one; pushing over git instead");
    } else {
      log.info({ reason: read.unsuitable }, "The commit goes over git: the Git Data API cannot carry it in one commit");
    }
  }
  const token = await target.gitToken();
  if (target.force) {
    await workspace.push(target.branch, token);
  } else if ((await workspace.pushWithoutForce(target.branch, token)) === "moved") {
    return { moved: true };
  }
  return { sha: await workspace.headSha(), via: "git" };
}
