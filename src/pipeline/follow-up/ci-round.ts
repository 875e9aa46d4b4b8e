// Whether a CI follow-up runs a Coder round: within `max_ci_rounds` for the pull request, and with failures to fix.
import type { RepoConfig } from "../../config/repo-config.js";
import { collectCiFailures, type CiFailureOptions, type CiState } from "../../github/ci-failures.js";
import type { GitHubRequest } from "../../github/conditional-request.js";
import type { Job, JobQueue } from "../../queue/types.js";
import { FOLLOW_UP_DATA_KEY, type CiFeedback, type FollowUpFeedback } from "./feedback.js";
import { followUpCheckpoint } from "./follow-up-checkpoint.js";

/** How far back in the repository's jobs earlier CI rounds are counted (newest first). */
const RECENT_JOBS = 200;

export interface CiRoundInput {
  request: GitHubRequest;
  queue: Pick<JobQueue, "list">;
  repoConfig: Pick<RepoConfig, "maxCiRounds">;
  /** The follow-up job asking: it is not one of the rounds already done. */
  job: Pick<Job, "id" | "repo" | "issue">;
  /** From intake: the pull request and its failing head commit; `failures` is filled here. */
  feedback: CiFeedback;
  /** The pull request, found by the runner when the feedback names none (0: a `status` event names no PR). */
  prNumber?: number;
  /** The app's id (App mode) and the secrets' mask, for the collector. */
  collector?: CiFailureOptions;
  /** The collector, passed in so tests can give the CI's state directly. */
  collect?: (request: GitHubRequest, repo: string, headSha: string, options: CiFailureOptions) => Promise<CiState>;
}

export type CiRoundDecision =
  | {
      proceed: true;
      /** The feedback with the failing runs' output and logs. */
      feedback: CiFeedback;
      /** This round's number among the pull request's CI rounds (1 for the first). */
      ciRound: number;
      /** Check runs waiting for approval meanwhile: worth a mention, not a fix. */
      awaitingApproval: string[];
    }
  | {
      proceed: false;
      /** For the log. */
      reason: string;
      /** The line for the status comment, when the maintainers should know why nothing ran. */
      statusLine?: string;
    };

/** Counts the pull request's CI rounds so far, then reads what failed on its head commit. */
export async function prepareCiRound(input: CiRoundInput): Promise<CiRoundDecision> {
  const { repoConfig, job } = input;
  const feedback = { ...input.feedback, prNumber: input.prNumber ?? input.feedback.prNumber };
  const done = await ciRoundsDone(input.queue, job, feedback.prNumber);
  if (done >= repoConfig.maxCiRounds) {
    return { proceed: false, reason: `${done} of max_ci_rounds ${repoConfig.maxCiRounds} CI rounds done`, statusLine: ciLimitLine(done, repoConfig.maxCiRounds) };
  }
  const collect = input.collect ?? collectCiFailures;
  const state = await collect(input.request, job.repo, feedback.headSha, input.collector ?? {});
  if (state.failures.length === 0) {
    if (state.awaitingApproval.length > 0) {
      return { proceed: false, reason: "CI is waiting for approval", statusLine: awaitingApprovalLine(feedback.headSha, state.awaitingApproval) };
    }
    // A failing check re-run meanwhile, or only the app's own: no round, and nothing worth a line.
    return { proceed: false, reason: state.pending ? "no failed check yet; some still run" : "no failed check on the head commit" };
  }
  return { proceed: true, feedback: { ...feedback, failures: state.failures }, ciRound: done + 1, awaitingApproval: state.awaitingApproval };
}

/** What the runner asks per CI item of a round; the rest (queue, GitHub, app id, mask) is bound by the wiring. */
export type CiRoundCheck = (
  input: Pick<CiRoundInput, "job" | "feedback" | "repoConfig" | "prNumber"> & { installationId?: number | undefined },
) => Promise<CiRoundDecision>;

export function ciRoundFrom(options: {
  queue: Pick<JobQueue, "list">;
  /** The request function for an installation (App mode) or the token. */
  request: (installationId: number | undefined) => Promise<GitHubRequest>;
  collector: CiFailureOptions;
}): CiRoundCheck {
  return async ({ installationId, ...input }) =>
    prepareCiRound({ ...input, queue: options.queue, request: await options.request(installationId), collector: options.collector });
}

/** The status line for runs awaiting a maintainer's approval: reported, never a round. */
export function awaitingApprovalLine(headSha: string, names: string[]): string {
  return `CI on \`${headSha.slice(0, 7)}\` is waiting for a maintainer's approval (${names.join(", ")}); nothing to fix yet.`;
}

/** The status line when the pull request used its CI rounds. */
export function ciLimitLine(done: number, maxCiRounds: number): string {
  if (maxCiRounds === 0) return "CI failed; CI follow-ups are off (max_ci_rounds: 0) — a maintainer can push a fix or comment /venom fix";
  return `CI still failing after ${done} round${done === 1 ? "" : "s"} (max_ci_rounds); stopping here — a maintainer can push a fix or comment /venom fix`;
}

/**
 * The pull request's CI rounds so far, from the queue's durable job records: every other job of the issue whose
 * round ran the Coder (it pushed, or found nothing to change) on CI feedback for this pull request — a review
 * round that folded in a CI failure counts too; a review round alone does not, nor does it reset the count.
 */
export async function ciRoundsDone(queue: Pick<JobQueue, "list">, job: Pick<Job, "id" | "repo" | "issue">, prNumber: number): Promise<number> {
  const jobs = await queue.list({ repo: job.repo, limit: RECENT_JOBS });
  return jobs.filter((other) => other.issue === job.issue && other.id !== job.id && ranCiRound(other, prNumber)).length;
}

function ranCiRound(job: Job, prNumber: number): boolean {
  const round = followUpCheckpoint(job.data);
  if (round.pushedSha === undefined && round.noChange === undefined) return false;
  // The round's CI items all dropped out (awaiting approval, nothing failed, limit) while a review item ran: no CI round.
  if (round.ciRound === false) return false;
  const feedback = round.feedback ?? jobFeedback(job.data);
  // A `status` event names no pull request (0): the round's own record says which one it worked on.
  return feedback.some((item) => item.kind === "ci" && (item.prNumber || round.prNumber) === prNumber);
}

function jobFeedback(data: Record<string, unknown>): FollowUpFeedback[] {
  const items = data[FOLLOW_UP_DATA_KEY];
  return Array.isArray(items) ? (items as FollowUpFeedback[]) : [];
}
