// The status comment as a pure function of the run's checkpoint: every publish renders statusView(checkpoint).
import type { RunCheckpoint, RunEnding } from "./run-checkpoint.js";
import type { StatusView, StepState } from "./status-comment.js";

export function statusView(checkpoint: RunCheckpoint, jobId: string): StatusView {
  const revised = checkpoint.revision !== undefined;
  const { attempt, plan } = checkpoint;
  const { ending } = attempt;
  // A row still under way when the attempt ended failed, or was skipped when the run was called off.
  const underWay: StepState = !ending ? "running" : ending.kind === "stale" || ending.kind === "cancelled" ? "skipped" : "failed";
  const planReady = ending?.kind === "plan_ready";
  const view: StatusView = {
    steps: {
      queued: "done",
      planning: plan ? "done" : underWay,
      // Once there is a plan, coding is what the run does next (unless it stops at the plan).
      coding: planReady ? "skipped" : attempt.checks ? "done" : plan && !attempt.stopAfterPlan ? underWay : "pending",
      validating: planReady ? "skipped" : validating(attempt.checks?.result),
      pull_request: planReady ? "skipped" : attempt.pullRequest ? "done" : attempt.changedFiles ? underWay : "pending",
    },
    jobId,
  };
  if (plan) view.plan = plan;
  if (attempt.checks) view.checks = attempt.checks;
  if (attempt.isolation) view.isolation = attempt.isolation;
  if (attempt.instructions?.length) view.instructions = attempt.instructions;
  if (attempt.notes && Object.keys(attempt.notes).length > 0) view.notes = Object.values(attempt.notes);
  if (attempt.tokens) view.tokens = attempt.tokens;
  const pull = attempt.pullRequest;
  if (pull) {
    view.prUrl = pull.url;
    view.outcome = {
      kind: "success",
      message: `${pull.created ? "Opened" : "Updated"} ${pull.draft ? "draft " : ""}pull request ${pull.url} (checks ${attempt.checks?.result ?? "none"}).`,
    };
  }
  if (ending) view.outcome = outcome(ending, revised);
  return view;
}

function validating(result: "passed" | "failed" | "none" | undefined): StepState {
  if (result === undefined) return "pending";
  return result === "failed" ? "failed" : result === "none" ? "skipped" : "done";
}

function outcome(ending: RunEnding, revised: boolean): NonNullable<StatusView["outcome"]> {
  switch (ending.kind) {
    case "stale":
      return { kind: "cancelled", message: `Stopped: the trigger no longer holds (${ending.reason}).` };
    case "plan_ready":
      return revised
        ? { kind: "waiting", message: "Revised plan ready. Comment `/venom fix` to apply it, or `/venom revise <what to change>` again." }
        : { kind: "waiting", message: "Plan ready. Comment `/venom fix` to apply it." };
    case "cancelled":
      return { kind: "cancelled", message: "Cancelled by `/venom cancel`." };
    case "failed":
      return ending.willRetry
        ? { kind: "waiting", message: `Temporary problem: ${ending.message} Venom will retry automatically.` }
        : { kind: "failure", message: `Stopped: ${ending.message}` };
  }
}
