// What the plan and code steps hand the agents: the workspace, the fenced issue, the config, the budget.
import type { AgentsInput } from "../agents.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";

export function agentsInput(run: IssueRun, deps: IssueJobDependencies): AgentsInput {
  return {
    root: run.need("workspace").root,
    issue: run.need("issueText"),
    repoConfig: run.need("repoConfig"),
    llm: run.need("llm"),
    checks: deps.checks,
    budget: run.need("budget"),
    log: run.log,
    signal: run.signal,
    // The job's step shows the agents' phase: planning, coding, validating.
    onPhase: (phase) => run.phase(phase),
    // The run page lists every tool call in order (trimmed, capped: see run-trace.ts).
    onToolCall: (agent, name, args, result) => run.recordToolCall(agent, name, args, result),
    instructions: run.need("instructions"),
    // The status comment lists every instruction file that reached a prompt, the Architect's and the Coder's.
    onInstructions: (paths) => {
      const used = new Set([...(run.checkpoint.attempt.instructions ?? []), ...paths]);
      run.record({ instructions: [...used] });
    },
  };
}
