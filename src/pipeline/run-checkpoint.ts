// The one checkpoint of an Issue-to-PR run: what its steps resume from, and what the status comment shows.
import type { ChecksResult, Plan } from "./agents.js";
import type { Requester } from "./requester.js";

/** The run's steps, in order. The job's `step` shows them, refined by the agents' phases (planning, coding, validating). */
export const PIPELINE_STEPS = ["intake", "workspace", "plan", "code", "commit", "pull_request", "notify"] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** Why an attempt ended before it opened a pull request; absent while it runs and when it succeeded. */
export type RunEnding =
  /** The trigger no longer holds (label removed, unassigned, issue closed): nothing ran. */
  | { kind: "stale"; reason: string }
  /** A plan-only run (`/venom plan`, `require_plan_approval`) posted its plan and waits for `/venom fix`. */
  | { kind: "plan_ready" }
  | { kind: "failed"; message: string; willRetry: boolean }
  /** `/venom cancel`. */
  | { kind: "cancelled" };

/**
 * This attempt's progress. Rebuilt by every attempt and kept in memory only: it carries checks' output and
 * error text, and a resumed attempt redoes what it describes (the workspace is cloned again).
 */
export interface AttemptProgress {
  step: PipelineStep;
  /** This run stops after planning: decided from the job's command and the repository's `require_plan_approval`. */
  stopAfterPlan?: boolean;
  /** The Coder and the Guardian's checks are done. */
  checks?: { result: ChecksResult; summary: string };
  /** Where the checks ran, e.g. "checks ran in bubblewrap, no network". */
  isolation?: string;
  /** What the commit holds, once it passed the secret scan: the pull request is next. */
  changedFiles?: string[];
  /** Opened (or the open one updated) by this attempt. */
  pullRequest?: { number: number; url: string; created: boolean; draft: boolean };
  tokens?: number;
  /** The maintainers' instruction files that reached the prompts, e.g. AGENTS.md, src/AGENTS.md. */
  instructions?: string[];
  /** Lines of the optional integrations (project moves, dispatched workflows) by key, e.g. "project:review". */
  notes?: Record<string, string>;
  ending?: RunEnding;
}

/** Saved in the job between attempts (and kept by a retry), so a resumed run finds what exists instead of duplicating it. */
export interface SavedCheckpoint {
  /** The status comment. */
  commentId?: number;
  /** 👀 is on the issue (or the trigger comment). */
  reacted?: boolean;
  plan?: Plan;
  /** Set when the run stopped after planning, so a later `/venom fix` can apply its plan. */
  planOnly?: boolean;
  /** The pull request the branch has: a re-run updates it. */
  prNumber?: number;
  prUrl?: string;
  /** `/venom revise <text>` (set at enqueue): this plan-only run plans again from the last plan with this text. */
  revision?: string;
  /** The `/venom` comment that started the run: 👀 goes on it. */
  triggerCommentId?: number;
  /** The title and body as the trigger saw them (set at intake), to notice an outsider's later edit. */
  triggerTextFingerprint?: string;
  /** Channels that refused the last notification. */
  notificationErrors?: string[];
  /** Whose label, assignment or command started the run (set at enqueue from the event, or looked up once). */
  requester?: Requester;
  /** The head commit the run published, and how (`api`: signed by GitHub, Verified; `git`: pushed). */
  commit?: { sha: string; via: "api" | "git" };
  /** The `Venom` check run on that commit, completed when the run ends. */
  checkRun?: { id: number; sha: string };
  /** The title as intake read it: the dashboard's run page shows it (escaped). */
  title?: string;
  /** The head commit `dispatch_after_pr` workflows were dispatched for: a resumed attempt does not dispatch them twice. */
  dispatchedFor?: string;
}

export interface RunCheckpoint extends SavedCheckpoint {
  attempt: AttemptProgress;
}

/** The saved checkpoint in a job's data (written by this module's runs, or by intake at enqueue time). */
export function savedCheckpoint(data: Record<string, unknown>): SavedCheckpoint {
  const saved = { ...data } as SavedCheckpoint;
  // A plan is read back from storage: one of another shape (an older release) is no plan at all.
  if (saved.plan !== undefined && !isPlan(saved.plan)) delete saved.plan;
  return saved;
}

function isPlan(value: unknown): value is Plan {
  const plan = value as Partial<Plan> | null;
  return typeof plan === "object" && plan !== null && typeof plan.summary === "string" && Array.isArray(plan.steps);
}
