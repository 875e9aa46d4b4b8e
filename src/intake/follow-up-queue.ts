// Queues follow-up rounds on the app's PR: one job per issue at a time, requests arriving meanwhile kept for the next.
import type { Logger } from "pino";
import { FOLLOW_UP_DATA_KEY, type FollowUpFeedback } from "../github/follow-up-feedback.js";
import type { EnqueueResult, Job, JobQueue } from "../queue/types.js";

export interface FollowUpRequest {
  repo: string;
  issue: number;
  trigger: "review" | "ci";
  feedback: FollowUpFeedback;
  installationId?: number;
  actor: string;
}

export interface FollowUpQueueOptions {
  queue: JobQueue;
  log: Logger;
  onQueued?: ((job: Job) => void) | undefined;
}

export type FollowUpOutcome = { kind: "enqueued"; job: Job } | { kind: "pending"; jobId: string };

/**
 * A new round when the issue has no active job; else the request waits in the issue's pending list (durable, in the
 * queue) and {@link followPending} starts the round after the active job ends. The runner may also take the list
 * (`queue.takePending`) at its start, to fold in what arrived while it was queued.
 */
export async function enqueueFollowUp(request: FollowUpRequest, options: FollowUpQueueOptions): Promise<FollowUpOutcome> {
  const { queue, log } = options;
  const { feedback, ...rest } = request;
  const result = await queue.enqueue({ ...rest, data: { [FOLLOW_UP_DATA_KEY]: [feedback] } });
  if (result.status === "enqueued") {
    log.info({ jobId: result.job.id, repo: request.repo, issue: request.issue, trigger: request.trigger }, "Follow-up queued");
    options.onQueued?.(result.job);
    return { kind: "enqueued", job: result.job };
  }
  await queue.appendPending(request.repo, request.issue, { ...feedback });
  log.info({ jobId: result.job.id, repo: request.repo, issue: request.issue, trigger: request.trigger }, "A job for this issue is active: follow-up kept for the next round");
  // The active job may have ended between the enqueue and the append: then nobody else would start the round.
  const next = await followPending({ repo: request.repo, issue: request.issue, installationId: request.installationId, actor: request.actor }, options);
  return next ? { kind: "enqueued", job: next } : { kind: "pending", jobId: result.job.id };
}

/**
 * After a job of the issue ends (the worker's `onFinished`): the requests that arrived meanwhile become the next
 * round, if any and if no other job of the issue is active. Returns the new job, if one was queued.
 */
export async function followPending(
  finished: { repo: string; issue: number; installationId?: number | undefined; actor?: string | undefined },
  options: FollowUpQueueOptions,
): Promise<Job | undefined> {
  const { queue, log } = options;
  const status = await queue.latestStatus(finished.repo, finished.issue);
  if (status?.state === "queued" || status?.state === "running") return undefined;
  const items = await queue.takePending(finished.repo, finished.issue);
  if (items.length === 0) return undefined;
  const feedback = items as unknown as FollowUpFeedback[];
  const review = feedback.find((item) => item.kind === "review");
  let result: EnqueueResult;
  try {
    result = await queue.enqueue({
      repo: finished.repo,
      issue: finished.issue,
      // A reviewer's request names the round; CI failures ride along.
      trigger: review ? "review" : "ci",
      actor: review?.author ?? finished.actor ?? "ci",
      ...(finished.installationId !== undefined ? { installationId: finished.installationId } : {}),
      data: { [FOLLOW_UP_DATA_KEY]: feedback },
    });
  } catch (error) {
    await restore(queue, finished, items);
    throw error;
  }
  if (result.status === "already_active") {
    // Another round started meanwhile: it (or the one after it) takes these.
    await restore(queue, finished, items);
    return undefined;
  }
  log.info({ jobId: result.job.id, repo: finished.repo, issue: finished.issue, requests: items.length }, "Pending follow-ups queued");
  options.onQueued?.(result.job);
  return result.job;
}

async function restore(queue: JobQueue, where: { repo: string; issue: number }, items: Record<string, unknown>[]): Promise<void> {
  for (const item of items) await queue.appendPending(where.repo, where.issue, item);
}
