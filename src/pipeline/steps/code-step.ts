// Step `code`: the Coder edits to the plan and the Guardian's checks judge it (failures go back to the Coder).
import { runAgents } from "../agents.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { ChangeSet } from "../tools/change-set.js";
import { agentsInput } from "./agents-input.js";

/** Coding and validating are one step: the repair rounds interleave them, and both redo on a resumed attempt. */
export async function codeStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const plan = run.checkpoint.plan;
  if (!plan) throw new Error('Pipeline step "code" needs a plan, which the plan step makes.');
  const changes = new ChangeSet();
  run.artifacts.changes = changes;
  const agents = await runAgents({ ...agentsInput(run, deps), existingPlan: plan, changes });
  run.artifacts.agents = agents;
  run.trace.checks(agents.checks, agents.checksSummary, agents.checksOutput);
  run.record({
    tokens: run.need("budget").used,
    checks: { result: agents.checks, summary: agents.checksSummary },
    ...(agents.isolation ? { isolation: agents.isolation } : {}),
  });
}
