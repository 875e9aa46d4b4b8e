// A run's token and dollar budget: started from what the job already spent, saved back into the job's data.
import type { RepoConfig } from "../config/repo-config.js";
import type { TokenBudget } from "../llm/tokens.js";
import type { Job } from "../queue/types.js";
import type { StatusView } from "./status-comment.js";

/** The job-data key holding the run's estimated USD (the job record's `costUsd` reads it). */
export const COST_KEY = "costUsd";

/** One budget for the whole run, attempts included: the job carries what earlier attempts spent. */
export function startBudget(job: Pick<Job, "tokens" | "data">, repoConfig: Pick<RepoConfig, "maxTokens" | "maxCostUsd">): TokenBudget {
  const spent = job.data[COST_KEY];
  return {
    used: job.tokens ?? 0,
    max: repoConfig.maxTokens,
    ...(typeof spent === "number" ? { costUsd: spent } : {}),
    ...(repoConfig.maxCostUsd !== undefined ? { maxCostUsd: repoConfig.maxCostUsd } : {}),
  };
}

/** The job-data patch that keeps the run's cost with its tokens. */
export function costData(budget: TokenBudget | undefined): Record<string, number> {
  return budget?.costUsd !== undefined ? { [COST_KEY]: budget.costUsd } : {};
}

/** The status comment's spend line, once the run has spent anything. */
export function spendView(budget: TokenBudget | undefined): Pick<StatusView, "tokens" | "costUsd" | "priceKnown"> {
  if (!budget?.used) return {};
  return { tokens: budget.used, costUsd: budget.costUsd ?? 0, priceKnown: budget.priceKnown !== false };
}
