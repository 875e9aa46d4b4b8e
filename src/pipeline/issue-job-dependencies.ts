// What the Issue-to-PR job is given: services, hooks and settings, passed in by the wiring.
import type { Logger } from "pino";
import type { VenomConfig } from "../config/env.js";
import type { GitHubClients } from "../github/clients.js";
import type { CheckEvents } from "../github/head-checks.js";
import type { LlmClient } from "../llm/client.js";
import type { Notifier } from "../skills/notify/notifier.js";
import type { AgentsInput, Plan } from "./agents.js";
import type { CiRoundCheck } from "./follow-up/ci-round.js";
import type { CheckFailure, CiFeedback, FollowUpFeedback } from "./follow-up/feedback.js";
import type { PreviousRun } from "./follow-up/previous-run.js";
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
  architectTools?: () => Promise<NonNullable<AgentsInput["extraArchitectTools"]>>;
  /** Called once a pull request is open (e.g. a "Review PR #N" event on the Venom calendar); failures are logged only. */
  afterPullRequest?: (pull: { repo: string; issue: number; prNumber: number; prUrl: string }) => Promise<void>;
  /** The plan of the issue's last plan-only run (`/venom plan`, `require_plan_approval`), which a `/venom fix` applies. */
  approvedPlan?: (repo: string, issue: number, currentJobId: string) => Promise<Plan | undefined>;
  /** Follow-ups: feedback that arrived while another job of the issue ran, taken (removed) from the queue's pending list. */
  takePendingFeedback?: (repo: string, issue: number) => Promise<FollowUpFeedback[]>;
  /** Follow-ups: CI's failing runs (output, trimmed job logs) for a CI round whose feedback names none yet. */
  ciFailures?: (feedback: CiFeedback, where: { repo: string; installationId?: number }) => Promise<CheckFailure[]>;
  /**
   * Follow-ups: whether a CI item gets a Coder round — within `max_ci_rounds` for the PR, with its failures (runs'
   * output, trimmed Actions logs) filled in — or, when not, the status line saying why (the limit, an approval wait).
   */
  ciRound?: CiRoundCheck;
  /** Follow-ups: what the issue's last run left (its plan, its pull request), when the queue still has it. */
  previousRun?: (repo: string, issue: number, currentJobId: string) => Promise<PreviousRun | undefined>;
  /** `checks: ci`: completed check runs and suites seen by intake, so a run waiting for CI reads them at once. */
  checkEvents?: CheckEvents;
  /** Anti-loop: a cap on runs per issue per hour. */
  runGuard?: Pick<RunGuard, "allowRun">;
  /** Attempts the worker makes before a transient failure is final (for the status comment's wording). */
  maxAttempts: number;
  log: Logger;
}
