// A follow-up round's checkpoint in its job: what is done (the round's commit pushed, each answer posted), so a resume never doubles it.
import type { ChecksResult } from "../agents.js";
import type { FollowUpFeedback } from "./feedback.js";

/** Where the round's checkpoint lives in `job.data`. */
export const FOLLOW_UP_ROUND_KEY = "followUpRound";

export interface FollowUpCheckpoint {
  /** The round's number in the status comment (the first run is round 1). */
  round?: number;
  /** Everything this round answers: the job's feedback plus what was pending, taken once. */
  feedback?: FollowUpFeedback[];
  prNumber?: number;
  prUrl?: string;
  /** The status comment the round's line goes into. */
  commentId?: number;
  /** The round's commit, once it is on GitHub. */
  pushedSha?: string;
  /** Set instead of `pushedSha` when the Coder changed nothing: why (its summary). */
  noChange?: string;
  /** The Coder's finish summary: the answers are made from it. */
  summary?: string;
  /** Answers posted: `inline:<comment id>`, `review:<review id>`, `comment:<comment id>`. */
  answered?: string[];
  /** Whether a CI item was left for the Coder after gating (false: only review items ran; not a CI round). */
  ciRound?: boolean;
  /** The round's final status line is written. */
  reported?: boolean;
  /** The Guardian's verdict on the round's commit, for its `Venom` check run. */
  checks?: { result: ChecksResult; summary: string; notRun?: string };
  /** The `Venom` check run on the round's commit, completed when the round ends. */
  checkRunId?: number;
}

export function followUpCheckpoint(data: Record<string, unknown>): FollowUpCheckpoint {
  const saved = data[FOLLOW_UP_ROUND_KEY];
  return typeof saved === "object" && saved !== null && !Array.isArray(saved) ? { ...(saved as FollowUpCheckpoint) } : {};
}

/** The trailer in the round's commit message: how a resumed attempt finds the commit it pushed before a crash. */
export function roundTrailer(jobId: string): string {
  return `Venom-Follow-Up: ${jobId}`;
}
