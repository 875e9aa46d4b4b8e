// What a follow-up builds on from the issue's last run: its plan and its pull request, read from the queue's jobs.
import type { JobQueue } from "../../queue/types.js";
import type { Plan } from "../agents.js";
import { savedCheckpoint } from "../run-checkpoint.js";

export interface PreviousRun {
  plan?: Plan;
  prNumber?: number;
  /** The issue's status comment, where each round adds its line. */
  commentId?: number;
}

/** How far back in the repository's jobs the issue's runs are looked for. */
const RECENT_JOBS = 50;

export function previousRunFrom(queue: Pick<JobQueue, "list">): (repo: string, issue: number, currentJobId: string) => Promise<PreviousRun | undefined> {
  return async (repo, issue, currentJobId) => {
    const jobs = (await queue.list({ repo, limit: RECENT_JOBS })).filter((job) => job.issue === issue && job.id !== currentJobId);
    // Newest first: the latest run that planned, and the latest that knew the pull request or the status comment.
    const withPlan = jobs.find((job) => savedCheckpoint(job.data).plan !== undefined);
    const withPull = jobs.find((job) => savedCheckpoint(job.data).prNumber !== undefined);
    const withComment = jobs.find((job) => savedCheckpoint(job.data).commentId !== undefined);
    if (!withPlan && !withPull && !withComment) return undefined;
    const previous: PreviousRun = {};
    const plan = withPlan && savedCheckpoint(withPlan.data).plan;
    if (plan) previous.plan = plan;
    const prNumber = withPull && savedCheckpoint(withPull.data).prNumber;
    if (prNumber !== undefined) previous.prNumber = prNumber;
    const commentId = withComment && savedCheckpoint(withComment.data).commentId;
    if (commentId !== undefined) previous.commentId = commentId;
    return previous;
  };
}
