// Feedback that arrived while another job of the issue ran: taken from the queue's durable pending list by the next round.
import type { JobQueue } from "../../queue/types.js";
import type { FollowUpFeedback } from "./feedback.js";

/** Items of another shape (another release's, or not feedback at all) are dropped, not guessed at. */
export function pendingFeedbackFrom(queue: Pick<JobQueue, "takePending">): (repo: string, issue: number) => Promise<FollowUpFeedback[]> {
  return async (repo, issue) => (await queue.takePending(repo, issue)).filter(isFeedback);
}

function isFeedback(item: Record<string, unknown>): item is Record<string, unknown> & FollowUpFeedback {
  if (typeof item.prNumber !== "number") return false;
  if (item.kind === "review") return typeof item.author === "string" && typeof item.body === "string" && Array.isArray(item.inlineComments);
  return item.kind === "ci" && typeof item.headSha === "string" && Array.isArray(item.failures);
}
