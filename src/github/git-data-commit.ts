// A commit made through GitHub's Git Data API (tree, commit, ref), which GitHub signs for the App: shown Verified.
import { gitHubError } from "./github-error.js";
import type { Octokit } from "./clients.js";
import { mapLimited } from "./map-limited.js";

/** One path of the commit: its new content and mode, or deleted. */
export type FileMode = "100644" | "100755" | "120000";
export type CommitFile =
  | { path: string; mode: FileMode; content: Buffer }
  /** Only the mode changed: the blob GitHub has already. */
  | { path: string; mode: FileMode; blob: string }
  | { path: string; deleted: true };

export interface ApiCommitRequest {
  repo: string;
  /** The commits the new one goes on top of (the first one's tree is the base tree). */
  parents: string[];
  parentTree: string;
  files: readonly CommitFile[];
  message: string;
}

/** Blobs created at once at most (each one request): a large change is not a burst. */
const BLOB_CONCURRENCY = 4;

/**
 * Creates the tree and the commit; returns their shas. Text files travel inline in the tree request (one call for
 * all of them); only files that are not valid UTF-8 need a blob each. The commit has no author or committer, so
 * GitHub makes the App its author and signs it.
 */
export async function createApiCommit(octokit: Octokit, request: ApiCommitRequest): Promise<{ sha: string; tree: string }> {
  const [owner = "", repo = ""] = request.repo.split("/");
  const entries = await mapLimited(request.files, BLOB_CONCURRENCY, async (file) => {
    if ("deleted" in file) return { path: file.path, mode: "100644" as const, type: "blob" as const, sha: null };
    if ("blob" in file) return { path: file.path, mode: file.mode, type: "blob" as const, sha: file.blob };
    if (isUtf8Text(file.content)) return { path: file.path, mode: file.mode, type: "blob" as const, content: file.content.toString("utf8") };
    const { data } = await call(`upload ${file.path}`, () =>
      octokit.rest.git.createBlob({ owner, repo, content: file.content.toString("base64"), encoding: "base64" }),
    );
    return { path: file.path, mode: file.mode, type: "blob" as const, sha: data.sha };
  });
  const { data: tree } = await call("create the commit's tree", () =>
    octokit.rest.git.createTree({ owner, repo, base_tree: request.parentTree, tree: entries }),
  );
  const { data: commit } = await call("create the commit", () =>
    octokit.rest.git.createCommit({ owner, repo, message: request.message, tree: tree.sha, parents: request.parents }),
  );
  return { sha: commit.sha, tree: tree.sha };
}

/**
 * Points `branch` at `sha`, creating the branch when it does not exist (`exists: false` says so up front and saves
 * the refused update). Without `force`, "moved" when the branch has commits `sha` does not contain (someone pushed
 * meanwhile): nothing is overwritten.
 */
export async function updateBranchRef(
  octokit: Octokit,
  target: { repo: string; branch: string; sha: string; force: boolean; exists?: boolean | undefined },
): Promise<"updated" | "moved"> {
  const [owner = "", repo = ""] = target.repo.split("/");
  const ref = `heads/${target.branch}`;
  if (target.exists === false) {
    try {
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/${ref}`, sha: target.sha });
      return "updated";
    } catch (error) {
      // Created meanwhile (422 "Reference already exists"): updated below like any existing branch.
      if (errorShape(error).status !== 422) throw gitHubError(`create branch ${target.branch}`, error);
    }
  }
  try {
    await octokit.rest.git.updateRef({ owner, repo, ref, sha: target.sha, force: target.force });
    return "updated";
  } catch (error) {
    const { status, message } = errorShape(error);
    if (status === 422 && /not a fast.forward/i.test(message)) return "moved";
    // GitHub answers 422 "Reference does not exist" for a branch not created yet.
    if (!(status === 422 || status === 404) || !/does not exist|not found/i.test(message)) throw gitHubError(`update branch ${target.branch}`, error);
  }
  await call(`create branch ${target.branch}`, () => octokit.rest.git.createRef({ owner, repo, ref: `refs/${ref}`, sha: target.sha }));
  return "updated";
}

/** Text GitHub can take inline: valid UTF-8 without NUL bytes (a NUL would not survive JSON as git wrote it). */
function isUtf8Text(content: Buffer): boolean {
  if (content.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
}

function errorShape(error: unknown): { status: number | undefined; message: string } {
  const shaped = error as { status?: number; message?: string; response?: { data?: { message?: string } } };
  return { status: shaped.status, message: shaped.response?.data?.message ?? shaped.message ?? "" };
}

async function call<T>(action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw gitHubError(action, error);
  }
}
