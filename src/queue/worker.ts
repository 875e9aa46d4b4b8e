// Claims jobs with a lease, keeps the lease alive, runs the job handler and records the outcome.
import type { Logger } from "pino";
import { CancelledError, errorMessage, isTransient, ShutdownError, VenomError } from "../errors.js";
import type { WorkerGate } from "../shared/worker-gate.js";
import { newWorkerId } from "./worker-id.js";
import type { Job, JobOutcome, JobQueue, Lease } from "./types.js";

export interface JobContext {
  job: Job;
  /** Aborted when the job is cancelled (`/venom cancel`) or the worker shuts down. */
  signal: AbortSignal;
  /** Records the current step and checkpoint data, so a resumed run skips finished work. */
  checkpoint(patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void>;
  log: Logger;
}

/** The pipeline's entry point: one job in, its outcome out. Throw VenomError to say how it failed. */
export type JobHandler = (context: JobContext) => Promise<JobOutcome>;

/** Called when a job reaches a final state (notifications, metrics). */
export type JobFinishedListener = (job: Job) => void;

export interface WorkerOptions {
  queue: JobQueue;
  handler: JobHandler;
  log: Logger;
  concurrency?: number;
  leaseMs?: number;
  idlePollMs?: number;
  maxAttempts?: number;
  gate?: WorkerGate;
  onFinished?: JobFinishedListener;
  workerId?: string;
}

export class Worker {
  readonly id: string;
  readonly #options: Required<Omit<WorkerOptions, "gate" | "onFinished" | "workerId">> &
    Pick<WorkerOptions, "gate" | "onFinished">;
  readonly #running = new Map<string, AbortController>();
  /** Each running job's heartbeat, to run at once when a cancel was requested in this process. */
  readonly #beats = new Map<string, () => void>();
  #loops: Promise<void>[] = [];
  #stopped = true;
  readonly #waiters = new Set<() => void>();

  constructor(options: WorkerOptions) {
    this.id = options.workerId ?? newWorkerId();
    this.#options = {
      concurrency: 1,
      leaseMs: 60_000,
      idlePollMs: 1_000,
      maxAttempts: 3,
      ...options,
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loops = Array.from({ length: this.#options.concurrency }, (_, slot) => this.#loop(slot));
  }

  /** Wakes idle loops at once (called after an enqueue in this process). */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Stops claiming; running jobs are aborted and their leases released for the next start. A handler stuck
   * in a call that ignores the abort is not waited for past `graceMs`: its lease is reclaimed on the next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    for (const controller of this.#running.values()) controller.abort(new ShutdownError());
    this.notify();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all(this.#loops), grace]);
    clearTimeout(timer);
  }

  /** A cancel was requested for this job (the dashboard): when it runs here, it stops now, not at the next heartbeat. */
  checkCancellation(jobId: string): void {
    this.#beats.get(jobId)?.();
  }

  get activeJobs(): number {
    return this.#running.size;
  }

  async #loop(slot: number): Promise<void> {
    const { queue, log, leaseMs, idlePollMs, gate } = this.#options;
    while (!this.#stopped) {
      let lease: Lease | undefined;
      if (!gate || gate.allowStart()) {
        try {
          lease = await queue.claim(this.id, leaseMs);
        } catch (error) {
          log.error({ err: error, slot }, "Could not claim a job; retrying shortly");
        }
      }
      if (!lease) {
        await this.#idle(idlePollMs);
        continue;
      }
      await this.#run(lease);
    }
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  async #run(lease: Lease): Promise<void> {
    const { queue, handler, log: baseLog, leaseMs, maxAttempts } = this.#options;
    const { job } = lease;
    const log = baseLog.child({ jobId: job.id, repo: job.repo, issue: job.issue });
    const controller = new AbortController();
    this.#running.set(job.id, controller);
    let cancelReason: string | undefined;
    const beat = () => {
      void queue
        .heartbeat(lease, leaseMs)
        .then(({ ok, cancelRequested }) => {
          if (cancelRequested) {
            cancelReason = "cancelled by /venom cancel";
            controller.abort(new CancelledError(cancelReason));
          } else if (!ok) {
            controller.abort(new Error("lease lost"));
          }
        })
        .catch((error: unknown) => log.warn({ err: error }, "Heartbeat failed; will try again"));
    };
    const heartbeat = setInterval(beat, Math.max(50, Math.floor(leaseMs / 3)));
    this.#beats.set(job.id, beat);

    log.info({ attempt: job.attempts, trigger: job.trigger }, "Job started");
    let finished: Job | undefined;
    try {
      const outcome = await handler({
        job,
        signal: controller.signal,
        checkpoint: (patch) => queue.checkpoint(lease, patch),
        log,
      });
      if (outcome.cancelled !== undefined) {
        finished = await queue.markCancelled(lease, outcome.cancelled);
        log.info({ reason: outcome.cancelled }, "Job ended without a run");
      } else {
        finished = await queue.complete(lease, outcome);
        log.info({ prUrl: outcome.prUrl, checks: outcome.checks }, "Job succeeded");
      }
    } catch (error) {
      finished = await this.#recordFailure(lease, error, cancelReason, controller.signal, log, maxAttempts);
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(job.id);
      this.#beats.delete(job.id);
    }
    if (finished && finished.state !== "queued") this.#options.onFinished?.(finished);
  }

  async #recordFailure(
    lease: Lease,
    error: unknown,
    cancelReason: string | undefined,
    signal: AbortSignal,
    log: Logger,
    maxAttempts: number,
  ): Promise<Job | undefined> {
    const { queue } = this.#options;
    const { job } = lease;
    if (cancelReason) {
      log.info("Job cancelled");
      return queue.markCancelled(lease, cancelReason);
    }
    if (signal.aborted && signal.reason instanceof ShutdownError) {
      // Not the job's fault: leave it for the next start without spending an attempt.
      log.info("Job interrupted by shutdown; it will resume on the next start");
      return queue.fail(lease, "interrupted by shutdown", { retryAt: new Date() });
    }
    const message = errorMessage(error);
    if (isTransient(error) && job.attempts < maxAttempts) {
      const waitSeconds = (error as VenomError).retryAfterSeconds ?? Math.min(600, 15 * 2 ** (job.attempts - 1));
      log.warn({ err: error, waitSeconds, attempt: job.attempts }, "Job hit a transient error; re-queued");
      return queue.fail(lease, message, { retryAt: new Date(Date.now() + waitSeconds * 1000) });
    }
    log.error({ err: error }, "Job failed");
    return queue.fail(lease, message);
  }
}
