// `dispatch_after_pr`: once the pull request is open, each listed workflow is dispatched on its branch (best effort).
import { asRequest } from "../../github/clients.js";
import type { GitHubRequest } from "../../github/conditional-request.js";
import { dispatchWorkflow, DispatchRefused, findDispatchedRun } from "../../github/workflow-dispatch.js";
import { errorMessage } from "../../errors.js";
import type { IssueRun } from "../issue-run.js";

/** How long the run looks for the runs it dispatched: GitHub lists a new run within seconds, but not at once. */
const FIND_DELAYS_MS = [0, 1_000, 2_000, 3_000, 4_000];

/**
 * Dispatches the repository's `dispatch_after_pr` workflows on the PR branch, once per head commit (a resumed
 * attempt finds `dispatchedFor` and does not dispatch twice). One status line per workflow: its run's link, or why
 * not. Returns whether there is anything new to show.
 */
export async function dispatchAfterPullRequest(run: IssueRun): Promise<boolean> {
  const workflows = run.artifacts.repoConfig?.dispatchAfterPr ?? [];
  const octokit = run.artifacts.octokit;
  const branch = run.artifacts.branch;
  const pull = run.checkpoint.attempt.pullRequest;
  if (workflows.length === 0 || !octokit || !branch || !pull) return false;
  const head = run.checkpoint.commit?.sha ?? `pr-${pull.number}`;
  if (run.checkpoint.dispatchedFor === head) return false;
  const request = asRequest(octokit);
  const lines = await Promise.all(workflows.map(async (workflow) => [`dispatch:${workflow}`, await dispatchOne(request, run, workflow, branch)] as const));
  run.record({ notes: { ...run.checkpoint.attempt.notes, ...Object.fromEntries(lines) } });
  await run.save({ dispatchedFor: head });
  return true;
}

async function dispatchOne(request: GitHubRequest, run: IssueRun, workflow: string, branch: string): Promise<string> {
  const since = Date.now();
  try {
    await dispatchWorkflow(request, { repo: run.job.repo, workflow, ref: branch, inputs: {} });
  } catch (error) {
    run.log.warn({ err: error, workflow }, "dispatch_after_pr: dispatch failed");
    return `Workflow ${workflow}: not dispatched on ${branch}: ${error instanceof DispatchRefused ? error.message : errorMessage(error)}.`;
  }
  for (const delay of FIND_DELAYS_MS) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const found = await findDispatchedRun(request, { repo: run.job.repo, workflow, branch, since }).catch(() => undefined);
    if (found) return `Workflow ${workflow}: dispatched on ${branch} — ${found.url}`;
  }
  return `Workflow ${workflow}: dispatched on ${branch}; its run is not listed yet (see the repository's Actions tab).`;
}
