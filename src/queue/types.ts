// The JobQueue contract shared by the SQLite (embedded) and Redis backends.

export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";
/**
 * What started a job; `api` is the programmatic API (`orchestrator.handleRemoteIssue`); `review` and `ci` are
 * follow-ups on the app's own pull request (a reviewer's request, a failing check).
 */
export type Trigger = "label" | "assign" | "comment" | "poll" | "retry" | "api" | "review" | "ci";
export type ChecksResult = "passed" | "failed" | "none";
/** What the maintainer asked for: a full run, a plan only (`/venom plan`), or a workflow dispatch (`/venom run`). */
export type JobCommand = "fix" | "plan" | "run";

export const ACTIVE_STATES: readonly JobState[] = ["queued", "running"];
export const FINISHED_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];

/** The public job record: the shape of `venom jobs --json` items and `/venom/api/jobs`. */
export interface JobRecord {
  id: string;
  repo: string;
  issue: number;
  trigger: Trigger;
  state: JobState;
  step: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  prUrl?: string;
  checks?: ChecksResult;
  tokens?: number;
  /** Estimated USD the job's model calls cost (from the built-in or VENOM_MODEL_PRICES prices). */
  costUsd?: number;
  error?: string;
}

/** A job as the worker sees it: the record plus what the pipeline needs to resume. */
export interface Job extends JobRecord {
  installationId?: number;
  actor?: string;
  command: JobCommand;
  /** Checkpoints written by pipeline steps (comment id, branch, plan, PR number…). */
  data: Record<string, unknown>;
  /** Earliest time the job may be claimed again (ISO), when it waits for a retry. */
  runAfter?: string;
}

export interface JobStatus {
  id: string;
  state: JobState;
  prUrl?: string;
}

export interface EnqueueRequest {
  repo: string;
  issue: number;
  trigger: Trigger;
  installationId?: number;
  actor?: string;
  command?: JobCommand;
  /** Initial checkpoint data (e.g. the triggering comment's id, for the 👀 reaction). */
  data?: Record<string, unknown>;
}

export type EnqueueResult =
  | { status: "enqueued"; job: Job }
  | { status: "already_active"; job: Job };

export interface JobOutcome {
  prUrl?: string;
  checks?: ChecksResult;
  tokens?: number;
  /** A short human summary, kept as the job's final step text. */
  summary?: string;
  /**
   * Set when the run decided not to start (its trigger no longer holds, e.g. the label was removed before the
   * job ran): the job ends `cancelled` with this as its error, and a later trigger may start a new one.
   */
  cancelled?: string;
}

export interface FailOptions {
  /** Re-queue to run again at this time instead of failing (transient errors, long waits). */
  retryAt?: Date;
}

export interface ListOptions {
  limit?: number;
  /** Jobs skipped first (newest-first order), for pages. */
  offset?: number;
  state?: JobState;
  repo?: string;
  /**
   * Listings (the dashboard's job table): `data` holds only what `toRecord` reads (`costUsd`), so a page of jobs
   * never reads their run traces.
   */
  summary?: boolean;
}

/** Which jobs `count` counts: the same filters as `list`. */
export type CountOptions = Pick<ListOptions, "state" | "repo">;

export interface QueueCounts {
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** A claimed job's lease: lost when the worker dies, so another claim picks the job up again. */
export interface Lease {
  job: Job;
  workerId: string;
}

export interface JobQueue {
  /** One active job per (repo, issue): a trigger while one is queued or running returns it unchanged. */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
  /** Claims the oldest runnable job for `leaseMs`; expired leases and dead local owners are reclaimed. */
  claim(workerId: string, leaseMs: number): Promise<Lease | undefined>;
  /** Extends a lease; false when the lease was lost or cancellation was requested. */
  heartbeat(lease: Lease, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }>;
  /** Records a pipeline checkpoint: the current step and data to merge. */
  checkpoint(lease: Lease, patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void>;
  complete(lease: Lease, outcome: JobOutcome): Promise<Job | undefined>;
  fail(lease: Lease, error: string, options?: FailOptions): Promise<Job | undefined>;
  /** Marks the lease's job cancelled (after the worker noticed a cancel request). */
  markCancelled(lease: Lease, reason: string): Promise<Job | undefined>;
  /** `/venom cancel`: a queued job is cancelled at once; a running one is asked to stop. */
  cancel(repo: string, issue: number, reason?: string): Promise<Job | undefined>;
  /** `/venom retry`: re-queues the latest finished job of the issue, or the job with this id. */
  retry(target: { id: string } | { repo: string; issue: number }): Promise<Job | undefined>;
  get(id: string): Promise<Job | undefined>;
  latest(repo: string, issue: number): Promise<Job | undefined>;
  /** The issue's latest job in brief: what intake needs on every event, without reading the whole job. */
  latestStatus(repo: string, issue: number): Promise<JobStatus | undefined>;
  list(options?: ListOptions): Promise<Job[]>;
  /** How many jobs `list` would find with these filters and no limit (the dashboard's page count). */
  count(options?: CountOptions): Promise<number>;
  /**
   * Appends `item` to the array kept at `data[key]` of a job in any state (no lease needed), keeping the newest
   * `keep` items: an audit trail beside the checkpoint (the dashboard's actions). Undefined when there is no such job.
   */
  appendData(id: string, key: string, item: Record<string, unknown>, keep: number): Promise<Job | undefined>;
  counts(): Promise<QueueCounts>;
  /**
   * Records a one-time key (a replayed event's identity) for `ttlMs`: true when it was not already recorded, false
   * while it is. Atomic across handles, so of several racing callers exactly one gets true.
   */
  rememberOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Drops a one-time key again (the work it guarded failed before it was done, so a redelivery may do it). */
  forgetOnce(key: string): Promise<void>;
  /**
   * Keeps an item for the issue's next run (a review comment arriving while a job of the issue is queued or running),
   * durably and in arrival order.
   */
  appendPending(repo: string, issue: number, item: Record<string, unknown>): Promise<void>;
  /** The issue's pending items, oldest first, left in place. */
  listPending(repo: string, issue: number): Promise<Record<string, unknown>[]>;
  /** Removes and returns the issue's pending items, oldest first: atomic, so two takers never both get one item. */
  takePending(repo: string, issue: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Strips internal fields: what users, the CLI and the dashboard see. */
export function toRecord(job: Job): JobRecord {
  const record: JobRecord = {
    id: job.id,
    repo: job.repo,
    issue: job.issue,
    trigger: job.trigger,
    state: job.state,
    step: job.step,
    attempts: job.attempts,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
  if (job.prUrl !== undefined) record.prUrl = job.prUrl;
  if (job.checks !== undefined) record.checks = job.checks;
  if (job.tokens !== undefined) record.tokens = job.tokens;
  // The pipeline keeps the cost in the job's data (key "costUsd"), so no storage schema changes for it.
  const cost = job.data.costUsd;
  if (typeof cost === "number") record.costUsd = cost;
  if (job.error !== undefined) record.error = job.error;
  return record;
}
