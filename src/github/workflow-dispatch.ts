// GitHub Actions' workflow_dispatch: start a workflow on a branch, find the run it started, read how it ended.
import type { GitHubRequest } from "./conditional-request.js";

export interface WorkflowRunState {
  id: number;
  url: string;
  status: string;
  conclusion: string | null;
}

/** A refusal the status comment shows as it is (a bad workflow name, missing inputs, no permission). */
export class DispatchRefused extends Error {}

interface ListedRun {
  id: number;
  html_url: string;
  status: string | null;
  conclusion: string | null;
  created_at: string;
}

/**
 * `POST …/actions/workflows/{workflow}/dispatches`. GitHub answers 204 with no run id: `findDispatchedRun` looks
 * for it. 404 (no such workflow, or the App lacks Actions access) and 422 (no `workflow_dispatch` trigger, an
 * unknown input, a missing ref) become a DispatchRefused with GitHub's message.
 */
export async function dispatchWorkflow(
  request: GitHubRequest,
  where: { repo: string; workflow: string; ref: string; inputs: Record<string, string> },
): Promise<void> {
  const [owner, repo] = where.repo.split("/");
  try {
    await request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
      owner,
      repo,
      workflow_id: where.workflow,
      ref: where.ref,
      inputs: where.inputs,
    });
  } catch (error) {
    const { status, message } = error as { status?: number; message?: string };
    const said = firstLine(message ?? String(error));
    if (status === 404) throw new DispatchRefused(`workflow ${where.workflow} was not found (404); name its file in .github/workflows, and give the App "Actions: write"`);
    if (status === 403) throw new DispatchRefused(`GitHub refused to dispatch ${where.workflow} (403: ${said}); the App needs "Actions: write"`);
    if (status === 422) throw new DispatchRefused(`GitHub refused to dispatch ${where.workflow} on ${where.ref} (422: ${said})`);
    throw error;
  }
}

/** The newest workflow_dispatch run of `workflow` on `branch` created at or after `since` (ms), if GitHub lists it yet. */
export async function findDispatchedRun(
  request: GitHubRequest,
  where: { repo: string; workflow: string; branch: string; since: number },
): Promise<WorkflowRunState | undefined> {
  const [owner, repo] = where.repo.split("/");
  const { data } = await request("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", {
    owner,
    repo,
    workflow_id: where.workflow,
    event: "workflow_dispatch",
    branch: where.branch,
    per_page: 20,
  });
  // GitHub's clock and ours differ by a little: a run created up to a few seconds before the dispatch counts.
  const runs = ((data as { workflow_runs?: ListedRun[] }).workflow_runs ?? []).filter(
    (run) => Date.parse(run.created_at) >= where.since - CLOCK_SKEW_MS,
  );
  const newest = runs.sort((left, right) => Date.parse(right.created_at) - Date.parse(left.created_at))[0];
  return newest ? runState(newest) : undefined;
}

export async function workflowRun(request: GitHubRequest, repo: string, runId: number): Promise<WorkflowRunState> {
  const [owner, name] = repo.split("/");
  const { data } = await request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", { owner, repo: name, run_id: runId });
  return runState(data as ListedRun);
}

/** Whether a branch exists on GitHub (`issue-N` once a run pushed it). */
export async function branchExists(request: GitHubRequest, repo: string, branch: string): Promise<boolean> {
  const [owner, name] = repo.split("/");
  try {
    await request("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo: name, branch });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

const CLOCK_SKEW_MS = 5_000;

function runState(run: ListedRun): WorkflowRunState {
  return { id: run.id, url: run.html_url, status: run.status ?? "queued", conclusion: run.conclusion };
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
