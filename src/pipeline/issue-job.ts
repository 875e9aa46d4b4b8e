// The Issue-to-PR job: named steps over one checkpoint (intake → workspace → plan → code → commit → pull request → notify).
import { CancelledError, errorMessage, isTransient } from "../errors.js";
import { createMasker } from "../log.js";
import type { JobOutcome } from "../queue/types.js";
import type { JobHandler } from "../queue/worker.js";
import { runFollowUp } from "./follow-up/follow-up-job.js";
import { keepForFollowUps } from "./follow-up/follow-up-workspace.js";
import type { IssueJobDependencies } from "./issue-job-dependencies.js";
import { IssueRun } from "./issue-run.js";
import { dispatchAfterPullRequest } from "./integrations/dispatch-after-pr.js";
import { moveProjectItem } from "./integrations/project-stage.js";
import { runWorkflowJob } from "./integrations/workflow-job.js";
import type { PipelineStep } from "./run-checkpoint.js";
import { codeStep } from "./steps/code-step.js";
import { commitStep } from "./steps/commit-step.js";
import { intakeStep } from "./steps/intake-step.js";
import { notifyStep, sendNotification } from "./steps/notify-step.js";
import { planStep } from "./steps/plan-step.js";
import { closeRunCheck, issueRunCheckTarget } from "./run-check.js";
import { pullRequestStep } from "./steps/pull-request-step.js";
import { workspaceStep } from "./steps/workspace-step.js";

export type { IssueJobDependencies };

/**
 * A step does its part and records the result in the run's checkpoint; it checks what exists (status comment,
 * plan, pull request) before creating it, so a resumed attempt or a retry never duplicates. A step that ends
 * the run early (a stale trigger, a plan-only run) records why, and no later step runs.
 */
export type RunStep = (run: IssueRun, deps: IssueJobDependencies) => Promise<void>;

const STEPS: ReadonlyArray<readonly [PipelineStep, RunStep]> = [
  ["intake", intakeStep],
  ["workspace", workspaceStep],
  ["plan", planStep],
  ["code", codeStep],
  ["commit", commitStep],
  ["pull_request", pullRequestStep],
  ["notify", notifyStep],
];

/**
 * The optional integrations after a step (`.github/venom.yml`: `project`, `dispatch_after_pr`): the issue's project
 * item goes "running" once the run is under way and "review" once its PR is open; the listed workflows are
 * dispatched on the PR branch. Best effort: a problem is a status line, never a failed run.
 */
const AFTER_STEP: Partial<Record<PipelineStep, RunStep>> = {
  intake: async (run) => {
    if (await moveProjectItem(run, "running")) await run.publish();
  },
  pull_request: async (run) => {
    const moved = await moveProjectItem(run, "review");
    const dispatched = await dispatchAfterPullRequest(run);
    if (moved || dispatched) await run.publish();
  },
};

export function createIssueJobHandler(deps: IssueJobDependencies): JobHandler {
  return async (context) => {
    // A reviewer's request or a failing check on the app's own pull request: a follow-up round, not a new run.
    if (context.job.trigger === "review" || context.job.trigger === "ci") return runFollowUp(context, deps);
    // `/venom run <workflow>`: a workflow dispatched and watched, no model run.
    if (context.job.command === "run") return runWorkflowJob(context, deps);
    const run = new IssueRun(context, createMasker(deps.config.secrets));
    try {
      await runSteps(run, deps);
      return jobOutcome(run);
    } catch (error) {
      await reportFailure(run, deps, error);
      throw error;
    }
  };
}

async function runSteps(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  try {
    for (const [name, step] of STEPS) {
      if (run.checkpoint.attempt.ending) return;
      await run.enter(name);
      await step(run, deps);
      if (!run.checkpoint.attempt.ending) await AFTER_STEP[name]?.(run, deps);
    }
  } finally {
    await run.finishTrace();
    await releaseWorkspace(run, deps);
  }
}

/** The clone of a run that opened its pull request is kept for the PR's follow-ups (they fetch only what changed); any other is deleted. */
async function releaseWorkspace(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const workspace = run.artifacts.workspace;
  if (!workspace) return;
  const { attempt } = run.checkpoint;
  if (attempt.pullRequest && !attempt.ending) {
    const kept = await keepForFollowUps(workspace, { dataDir: deps.config.dataDir, repo: run.job.repo, issue: run.job.issue }).then(
      () => true,
      (error: unknown) => run.log.warn({ err: error }, "Could not keep the workspace for follow-ups"),
    );
    if (kept) return;
  }
  await workspace.remove().catch((error: unknown) => run.log.warn({ err: error }, "Could not remove the workspace"));
}

/** The job's record of how the run ended: the pull request, the posted plan, or why nothing ran. */
function jobOutcome(run: IssueRun): JobOutcome {
  const { attempt, plan } = run.checkpoint;
  const tokens = attempt.tokens ?? run.job.tokens ?? 0;
  if (attempt.ending?.kind === "stale") return { cancelled: `trigger no longer holds: ${attempt.ending.reason}` };
  if (attempt.ending?.kind === "plan_ready") return { checks: "none", tokens, summary: `plan only: ${plan?.summary.slice(0, 120) ?? ""}` };
  const pull = attempt.pullRequest;
  if (!pull) throw new Error("The run's steps ended without a pull request or a reason.");
  return { prUrl: pull.url, checks: attempt.checks?.result ?? "none", tokens, summary: `pull request ${pull.url}` };
}

/** The status comment says why the run stopped; a final failure gets 😕 and a notification. */
async function reportFailure(run: IssueRun, deps: IssueJobDependencies, error: unknown): Promise<void> {
  const { job, signal } = run;
  const cancelled = signal.aborted && signal.reason instanceof CancelledError;
  if (signal.aborted && !cancelled) return; // shutdown: the next start resumes
  const willRetry = isTransient(error) && job.attempts < deps.maxAttempts && !signal.aborted;
  const message = errorMessage(error);
  run.end(cancelled ? { kind: "cancelled" } : { kind: "failed", message, willRetry });
  try {
    if (!willRetry && !cancelled) await moveProjectItem(run, "failed");
    await run.publish();
    // A check run the run opened gets its verdict now, unless another attempt will carry on with it.
    if (!willRetry && run.checkpoint.checkRun) {
      await closeRunCheck(issueRunCheckTarget(run, deps), run.checkpoint.checkRun.id, {
        plan: run.checkpoint.plan,
        checks: run.checkpoint.attempt.checks?.result ?? "none",
        checksSummary: run.checkpoint.attempt.checks?.summary ?? "not finished",
        ...(cancelled ? { cancelled: true } : { failure: message }),
      });
    }
    if (!willRetry && !cancelled) {
      await run.artifacts.issue?.react("confused").catch((reactError: unknown) => run.log.warn({ err: reactError }, "Could not react 😕"));
      await sendNotification(run, deps.notifier, { title: `Venom could not fix ${job.repo}#${job.issue}`, message, status: "failure" });
    }
  } catch (reportError) {
    run.log.warn({ err: reportError }, "Could not report the failure on the issue");
  }
}
