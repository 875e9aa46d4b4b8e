// What the Issue-to-PR job is given: services, hooks and settings, passed in by the wiring.
import type { Logger } from "pino";
import type { VenomConfig } from "../config/env.js";
import type { GitHubClients } from "../github/clients.js";
import type { LlmClient } from "../llm/client.js";
import type { Notifier } from "../skills/notify/notifier.js";
import type { AgentsInput, Plan } from "./agents.js";
import type { CheckRunner } from "./guardian.js";
import type { RunGuard } from "./run-guard.js";
import type { PermissionLookup } from "./writer-check.js";

export interface IssueJobDependencies {
  config: VenomConfig;
  github: GitHubClients;
  /** Undefined when no LLM is configured: jobs then fail with what to set. */
  llm: LlmClient | undefined;
  checks: CheckRunner;
  notifier: Notifier;
  permissions: PermissionLookup;
  botLogin: () => Promise<string | undefined>;
  /** Extra Architect tools from the skills (web_search, hf_search), when configured. */
  architectTools?: () => NonNullable<AgentsInput["extraArchitectTools"]>;
  /** Called once a pull request is open (e.g. a "Review PR #N" event on the Venom calendar); failures are logged only. */
  afterPullRequest?: (pull: { repo: string; issue: number; prNumber: number; prUrl: string }) => Promise<void>;
  /** The plan of the issue's last plan-only run (`/venom plan`, `require_plan_approval`), which a `/venom fix` applies. */
  approvedPlan?: (repo: string, issue: number, currentJobId: string) => Promise<Plan | undefined>;
  /** Anti-loop: a cap on runs per issue per hour. */
  runGuard?: Pick<RunGuard, "allowRun">;
  /** Attempts the worker makes before a transient failure is final (for the status comment's wording). */
  maxAttempts: number;
  log: Logger;
}
