// The plan a maintainer reviewed: the one the issue's last plan-only run posted, which a `/venom fix` applies.
import type { JobQueue } from "../queue/types.js";
import type { Plan } from "./agents.js";
import { savedCheckpoint } from "./run-checkpoint.js";

/** How far back in the repository's jobs a plan-only run is looked for. */
const RECENT_JOBS = 50;

export function approvedPlanFrom(queue: Pick<JobQueue, "list">): (repo: string, issue: number, currentJobId: string) => Promise<Plan | undefined> {
  return async (repo, issue, currentJobId) => {
    const previous = (await queue.list({ repo, limit: RECENT_JOBS })).find(
      (job) =>
        job.issue === issue &&
        job.id !== currentJobId &&
        job.state === "succeeded" &&
        (job.command === "plan" || savedCheckpoint(job.data).planOnly === true),
    );
    return previous ? savedCheckpoint(previous.data).plan : undefined;
  };
}
