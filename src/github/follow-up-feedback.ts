// What a follow-up round on the app's own pull request works from: a review's requests or a CI failure (shared by intake and pipeline).

/** One inline review comment to address, with where it points. */
export interface InlineComment {
  /** The review comment's id: the reply goes into its thread. */
  id: number;
  path: string;
  /** The line in the PR's diff it is attached to (new side), when GitHub gives one. */
  line?: number;
  /** GitHub's `diff_hunk`: the lines the reviewer saw. */
  diffHunk: string;
  body: string;
  author: string;
}

/** A reviewer's request: a `changes_requested` review, or a `/venom …` review, review comment or PR comment. */
export interface ReviewFeedback {
  kind: "review";
  prNumber: number;
  /** The review, when the request came as one. */
  reviewId?: number;
  /** The review's (or the PR comment's) own text, command prefix stripped. */
  body: string;
  author: string;
  inlineComments: InlineComment[];
  /** A PR conversation comment that asked (`/venom …` on the PR): answered with one PR comment. */
  commentId?: number;
}

/** One failing check on the PR's head commit. */
export interface CheckFailure {
  /** Check run / status context / workflow job name. */
  name: string;
  /** The run's `output` (title, summary, text) or the status's description, trimmed. */
  summary: string;
  /** For GitHub Actions: the job's log, trimmed to the failing part. */
  log?: string;
  url?: string;
}

/** CI failed on the PR's head commit. */
export interface CiFeedback {
  kind: "ci";
  prNumber: number;
  headSha: string;
  failures: CheckFailure[];
  /** Set (a workflow run's name) when the event was a run awaiting a maintainer's approval: reported, not fixed. */
  awaitingApproval?: string[];
}

export type FollowUpFeedback = ReviewFeedback | CiFeedback;

/** Where a follow-up job keeps its feedback in `job.data`. */
export const FOLLOW_UP_DATA_KEY = "followUp";
