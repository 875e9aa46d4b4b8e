// Step `plan`: the Architect's plan, made once per run (a resumed attempt or a retry keeps it; `/venom revise` re-plans); plan-only runs end here.
import { runAgents } from "../agents.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import type { PlanRevision } from "../prompts.js";
import { startBudget } from "../run-cost.js";
import { agentsInput } from "./agents-input.js";

export async function planStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job } = run;
  const repoConfig = run.need("repoConfig");
  // One budget for the whole run, attempts included: the job carries what earlier attempts spent.
  const budget = startBudget(job, repoConfig);
  run.artifacts.budget = budget;
  // Only a maintainer's `/venom fix` skips `require_plan_approval`: label, assign, poll, retry and api runs stop at the plan.
  const stopAfterPlan = job.command === "plan" || (repoConfig.requirePlanApproval && job.trigger !== "comment");
  run.record({ stopAfterPlan });

  // A maintainer's `/venom fix` after a plan-only run applies the plan they reviewed.
  if (!stopAfterPlan && !run.checkpoint.plan && job.trigger === "comment" && deps.approvedPlan) {
    const approved = await deps.approvedPlan(job.repo, job.issue, job.id);
    if (approved) {
      await run.save({ plan: approved });
      run.log.info("Applying the plan posted by the previous plan-only run");
    }
  }
  if (!run.checkpoint.plan) {
    const revision = await planRevision(run, deps);
    const { plan } = await runAgents({
      ...agentsInput(run, deps),
      extraArchitectTools: (await deps.architectTools?.()) ?? [],
      planOnly: true,
      ...(revision ? { revision } : {}),
    });
    await run.save({ plan }, budget.used);
    await run.publish();
  }
  if (stopAfterPlan) {
    run.record({ tokens: budget.used });
    run.end({ kind: "plan_ready" });
    await run.save({ planOnly: true });
    await run.publish();
  }
}

/** A `/venom revise` run plans again from the plan the maintainer saw: the last plan-only run's, when there is one. */
async function planRevision(run: IssueRun, deps: IssueJobDependencies): Promise<PlanRevision | undefined> {
  const { job, checkpoint } = run;
  if (!checkpoint.revision) return undefined;
  const previousPlan = await deps.approvedPlan?.(job.repo, job.issue, job.id);
  if (!previousPlan) run.log.info("No earlier plan to revise; planning with the maintainer's revision only");
  return { request: checkpoint.revision, author: job.actor ?? "maintainer", ...(previousPlan ? { previousPlan } : {}) };
}
