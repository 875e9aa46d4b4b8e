// A JobQueue that tells listeners about every job change made through it (the dashboard's live events).
//
// A decorator, not a backend feature: both backends get it alike, and neither learns about listeners. It sees only
// the changes of this process; changes made by other processes (a `venom worker` beside `venom serve`, several
// machines on one Redis) reach the dashboard through its own cheap poll of the newest jobs (dashboard/job-events.ts).
import type {
  CountOptions, EnqueueRequest, EnqueueResult, FailOptions, Job, JobOutcome, JobQueue, JobStatus, Lease, ListOptions, QueueCounts,
} from "./types.js";

export type JobChangeListener = (job: Job) => void;

export class ObservedJobQueue implements JobQueue {
  readonly #inner: JobQueue;
  readonly #clock: () => number;
  readonly #listeners = new Set<JobChangeListener>();

  constructor(inner: JobQueue, options: { now?: () => number } = {}) {
    this.#inner = inner;
    this.#clock = options.now ?? Date.now;
  }

  /** Calls `listener` with the job after each change; returns the function that stops it. */
  onChange(listener: JobChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(job: Job | undefined): void {
    if (!job) return;
    for (const listener of this.#listeners) {
      try {
        listener(job);
      } catch {
        // A listener's failure (a closed connection) is its own: the queue's caller never sees it.
      }
    }
  }

  async #emitted<T extends Job | undefined>(change: Promise<T>): Promise<T> {
    const job = await change;
    this.#emit(job);
    return job;
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    const result = await this.#inner.enqueue(request);
    if (result.status === "enqueued") this.#emit(result.job);
    return result;
  }

  async claim(workerId: string, leaseMs: number): Promise<Lease | undefined> {
    const lease = await this.#inner.claim(workerId, leaseMs);
    this.#emit(lease?.job);
    return lease;
  }

  heartbeat(lease: Lease, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }> {
    return this.#inner.heartbeat(lease, leaseMs);
  }

  async checkpoint(lease: Lease, patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void> {
    await this.#inner.checkpoint(lease, patch);
    // The lease's copy is current after a checkpoint but for the stored time and tokens: no read for each step.
    if (this.#listeners.size === 0) return;
    this.#emit({
      ...lease.job,
      ...(patch.tokens !== undefined ? { tokens: patch.tokens } : {}),
      updatedAt: new Date(this.#clock()).toISOString(),
    });
  }

  complete(lease: Lease, outcome: JobOutcome): Promise<Job | undefined> {
    return this.#emitted(this.#inner.complete(lease, outcome));
  }

  fail(lease: Lease, error: string, options?: FailOptions): Promise<Job | undefined> {
    return this.#emitted(this.#inner.fail(lease, error, options));
  }

  markCancelled(lease: Lease, reason: string): Promise<Job | undefined> {
    return this.#emitted(this.#inner.markCancelled(lease, reason));
  }

  cancel(repo: string, issue: number, reason?: string): Promise<Job | undefined> {
    return this.#emitted(this.#inner.cancel(repo, issue, reason));
  }

  retry(target: { id: string } | { repo: string; issue: number }): Promise<Job | undefined> {
    return this.#emitted(this.#inner.retry(target));
  }

  appendData(id: string, key: string, item: Record<string, unknown>, keep: number): Promise<Job | undefined> {
    return this.#emitted(this.#inner.appendData(id, key, item, keep));
  }

  get(id: string): Promise<Job | undefined> {
    return this.#inner.get(id);
  }

  latest(repo: string, issue: number): Promise<Job | undefined> {
    return this.#inner.latest(repo, issue);
  }

  latestStatus(repo: string, issue: number): Promise<JobStatus | undefined> {
    return this.#inner.latestStatus(repo, issue);
  }

  list(options?: ListOptions): Promise<Job[]> {
    return this.#inner.list(options);
  }

  count(options?: CountOptions): Promise<number> {
    return this.#inner.count(options);
  }

  counts(): Promise<QueueCounts> {
    return this.#inner.counts();
  }

  rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.#inner.rememberOnce(key, ttlMs);
  }

  forgetOnce(key: string): Promise<void> {
    return this.#inner.forgetOnce(key);
  }

  appendPending(repo: string, issue: number, item: Record<string, unknown>): Promise<void> {
    return this.#inner.appendPending(repo, issue, item);
  }

  listPending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    return this.#inner.listPending(repo, issue);
  }

  takePending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    return this.#inner.takePending(repo, issue);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
