// `/venom run <workflow> [key=value …]`: dispatch the workflow on the issue's branch, then report its run in the status comment.
import { parseRepoConfig, WORKFLOW_NAME } from "../../config/repo-config.js";
import { CancelledError, errorMessage, isTransient } from "../../errors.js";
import { asRequest } from "../../github/clients.js";
import { gitHubError } from "../../github/github-error.js";
import type { GitHubRequest } from "../../github/conditional-request.js";
import { branchExists, dispatchWorkflow, DispatchRefused, findDispatchedRun, workflowRun, type WorkflowRunState } from "../../github/workflow-dispatch.js";
import { createMasker } from "../../log.js";
import type { JobOutcome } from "../../queue/types.js";
import type { JobContext } from "../../queue/worker.js";
import { GitHubIssue } from "../github-issue.js";
import { issueBranch } from "../issue-branch.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import { writeStatusLine } from "./status-lines.js";

/** The job's data key: the request (set at enqueue) and what the runner did so far (a restart resumes from it). */
export const WORKFLOW_RUN_KEY = "workflowRun";

export interface WorkflowRunCheckpoint {
  workflow: string;
  inputs: Record<string, string>;
  /** Where it was dispatched, and when (ms): set once, so a resumed job never dispatches twice. */
  ref?: string;
  dispatchedAt?: number;
  runId?: number;
  runUrl?: string;
  commentId?: number;
}

/** How long the job watches the run, from its dispatch: a restart inside the window carries on watching. */
export const WORKFLOW_TIMEOUT_MS = 30 * 60_000;
/** Waits between reads of the run: quick at first (most runs are listed within seconds), then once a minute. */
const POLL_DELAYS_MS = [2_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];

export async function runWorkflowJob(context: JobContext, deps: IssueJobDependencies): Promise<JobOutcome> {
  const { job, signal, log } = context;
  const saved = { ...(job.data[WORKFLOW_RUN_KEY] as WorkflowRunCheckpoint | undefined) } as WorkflowRunCheckpoint;
  if (typeof saved.workflow !== "string") return { cancelled: "no workflow to run" };
  saved.inputs ??= {};
  const save = async (patch: Partial<WorkflowRunCheckpoint>): Promise<void> => {
    Object.assign(saved, patch);
    await context.checkpoint({ step: "workflow", data: { [WORKFLOW_RUN_KEY]: { ...saved } } });
  };
  const octokit = await deps.github.forInstallation(job.installationId);
  const request = asRequest(octokit);
  const issue = new GitHubIssue(octokit, job.repo, job.issue, { mask: createMasker(deps.config.secrets) });
  const botLogin = await deps.botLogin();
  const name = saved.workflow;
  const report = async (text: string): Promise<void> => {
    try {
      const commentId = await writeStatusLine(issue, { botLogin, commentId: saved.commentId }, `run:${job.id}`, `Workflow \`${name}\`: ${text}`);
      if (commentId !== saved.commentId) await save({ commentId });
    } catch (error) {
      log.warn({ err: error }, "Could not write the workflow's status line");
    }
  };

  if (!WORKFLOW_NAME.test(name)) {
    await report("not dispatched: name the workflow's file, e.g. `/venom run ci.yml key=value`.");
    return { checks: "none", summary: `workflow ${name.slice(0, 60)}: not a workflow file name` };
  }
  try {
    if (saved.dispatchedAt === undefined) {
      const ref = await dispatchRef(request, issue, job.repo, job.issue);
      const dispatchedAt = Date.now();
      await dispatchWorkflow(request, { repo: job.repo, workflow: name, ref, inputs: saved.inputs });
      await save({ ref, dispatchedAt });
      await report(`dispatched on \`${ref}\`${describeInputs(saved.inputs)}; waiting for its run…`);
    }
    const ref = saved.ref ?? "";
    const deadline = (saved.dispatchedAt ?? Date.now()) + WORKFLOW_TIMEOUT_MS;
    let state: WorkflowRunState | undefined;
    for (let attempt = 0; ; attempt += 1) {
      if (saved.runId === undefined) {
        state = await findDispatchedRun(request, { repo: job.repo, workflow: name, branch: ref, since: saved.dispatchedAt ?? 0 });
        if (state) {
          await save({ runId: state.id, runUrl: state.url });
          if (state.status !== "completed") await report(`running on \`${ref}\` — ${state.url}`);
        }
      } else {
        state = await workflowRun(request, job.repo, saved.runId);
      }
      if (state?.status === "completed") break;
      if (Date.now() >= deadline) {
        const where = saved.runUrl ? ` — ${saved.runUrl}` : "; its run never appeared in the Actions list";
        await report(`no result after ${WORKFLOW_TIMEOUT_MS / 60_000} minutes (still ${state?.status ?? "not started"})${where}.`);
        return { checks: "none", summary: `workflow ${name}: no result within ${WORKFLOW_TIMEOUT_MS / 60_000} minutes` };
      }
      await sleep(Math.min(POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)] ?? 60_000, Math.max(0, deadline - Date.now())), signal);
    }
    const conclusion = state.conclusion ?? "unknown";
    await report(`${conclusion === "success" ? "✅" : "❌"} ${conclusion} on \`${ref}\` — ${state.url}`);
    return { checks: conclusion === "success" ? "passed" : "failed", summary: `workflow ${name}: ${conclusion} ${state.url}` };
  } catch (error) {
    if (error instanceof DispatchRefused) {
      await report(`not dispatched: ${error.message}.`);
      return { checks: "none", summary: `workflow ${name}: not dispatched` };
    }
    if (signal.aborted) {
      if (signal.reason instanceof CancelledError) await report("stopped by `/venom cancel` (the workflow's run itself goes on).");
      throw error;
    }
    // A transient failure is retried by the worker (the saved dispatch is kept); anything else ends here.
    const failure = gitHubError(`follow workflow ${name}`, error);
    if (!isTransient(failure)) await report(`failed: ${errorMessage(failure)}`);
    throw failure;
  }
}

/** The issue's branch when a run pushed it already, else the default branch (where a first run would start from). */
async function dispatchRef(request: GitHubRequest, issue: GitHubIssue, repo: string, issueNumber: number): Promise<string> {
  let branchPrefix = "issue-";
  try {
    branchPrefix = parseRepoConfig(await issue.repoConfigText()).branchPrefix;
  } catch {
    // An invalid venom.yml is the next run's to report: the default prefix is the best guess here.
  }
  const branch = issueBranch({ branchPrefix }, issueNumber);
  return (await branchExists(request, repo, branch)) ? branch : issue.defaultBranch();
}

function describeInputs(inputs: Record<string, string>): string {
  const keys = Object.keys(inputs);
  return keys.length === 0 ? "" : ` with ${keys.map((key) => `\`${key}\``).join(", ")}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
