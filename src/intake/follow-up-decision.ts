// Whether an event on the app's own pull request starts a follow-up (a review round or a CI round): pure, like decide().
import type { CiFeedback, FollowUpFeedback, InlineComment, ReviewFeedback } from "../github/follow-up-feedback.js";
import { isWriter, type Permission } from "../github/permissions.js";
import { isBot, type BotUser } from "./bot-sender.js";

/** The branch prefix of the app's branches when the repository sets none (`branch_prefix` in venom.yml). */
export const DEFAULT_BRANCH_PREFIX = "issue-";

interface PullRef {
  number?: number;
  head?: { ref?: string; sha?: string } | null;
}

/** The payload fields a follow-up decision reads, as GitHub names them. */
export interface FollowUpPayload {
  pull_request?: (PullRef & { state?: string }) | null;
  review?: { id?: number; state?: string; body?: string | null; user?: BotUser | null } | null;
  check_run?: {
    id?: number;
    name?: string;
    conclusion?: string | null;
    head_sha?: string;
    app?: { id?: number } | null;
    check_suite?: { head_branch?: string | null } | null;
    pull_requests?: PullRef[];
  } | null;
  check_suite?: {
    id?: number;
    conclusion?: string | null;
    head_branch?: string | null;
    head_sha?: string;
    app?: { id?: number } | null;
    pull_requests?: PullRef[];
  } | null;
  workflow_run?: {
    id?: number;
    name?: string | null;
    conclusion?: string | null;
    head_branch?: string | null;
    head_sha?: string;
    pull_requests?: PullRef[];
  } | null;
  /** `status` events: the commit, its state and the branches whose head it is. */
  sha?: string;
  state?: string;
  context?: string;
  branches?: Array<{ name?: string; commit?: { sha?: string } | null }>;
}

/** A review comment's fields (`pull_request_review_comment`), on top of a comment's id, body and user. */
export interface ReviewCommentFields {
  path?: string;
  line?: number | null;
  diff_hunk?: string;
  in_reply_to_id?: number;
}

export interface FollowUpEvent {
  name: string;
  action?: string | undefined;
  sender?: BotUser | null | undefined;
  comment?: ({ id?: number; body?: string; user?: BotUser | null } & ReviewCommentFields) | null | undefined;
  /** For `issue_comment` on a pull request: the number, and the head branch when intake looked it up. */
  issuePull?: PullRef | undefined;
  payload: FollowUpPayload;
}

export interface FollowUpSettings {
  botLogin?: string | undefined;
  /** The app's id (App mode): check runs and suites it created are its own, not CI to fix. */
  appId?: number | undefined;
  branchPrefix?: string | undefined;
}

export type FollowUpDecision =
  | { action: "follow-up"; trigger: "review" | "ci"; issue: number; feedback: FollowUpFeedback; onceKey?: string }
  | { action: "cancel"; issue: number }
  | { action: "ignore"; reason: string };

/** The events a follow-up may come from (besides `issue_comment.created` on a pull request). */
export const FOLLOW_UP_EVENTS = [
  "pull_request_review.submitted",
  "pull_request_review_comment.created",
  "check_run.completed",
  "check_suite.completed",
  "workflow_run.completed",
  "status",
] as const;

export function isFollowUpEvent(name: string, action: string | undefined): boolean {
  return name === "status" || (FOLLOW_UP_EVENTS as readonly string[]).includes(`${name}.${action ?? ""}`);
}

/** The review events whose sender's permission decides: the CI ones start whoever sent them. */
export function isReviewEvent(name: string): boolean {
  return name === "pull_request_review" || name === "pull_request_review_comment" || name === "issue_comment";
}

/** `issue-12` → 12 (with the prefix given); anything else → undefined. Linear: a prefix compare and digits. */
export function issueOfBranch(branch: string | null | undefined, prefix = DEFAULT_BRANCH_PREFIX): number | undefined {
  if (!branch || !branch.startsWith(prefix)) return undefined;
  const digits = branch.slice(prefix.length);
  if (!/^[1-9][0-9]{0,9}$/.test(digits)) return undefined;
  return Number(digits);
}

/** `/venom` then space or end, at the very start (a `> ` quote-reply of our comment is not a command). */
export function venomRequest(body: string | null | undefined): string | undefined {
  if (!body) return undefined;
  const trimmed = body.trimStart();
  if (!/^\/venom(?:\s|$)/i.test(trimmed)) return undefined;
  return trimmed.slice("/venom".length).trim();
}

const FAILED_CONCLUSIONS = new Set(["failure", "timed_out"]);

/** Why a follow-up event on someone else's branch starts nothing (intake retries it with the repository's prefix). */
export const NOT_APP_BRANCH = "is not on one of the app's branches";

export function decideFollowUp(event: FollowUpEvent, settings: FollowUpSettings, permission?: Permission): FollowUpDecision {
  return isReviewEvent(event.name) ? decideReview(event, settings, permission) : decideCi(event, settings);
}

function decideReview(event: FollowUpEvent, settings: FollowUpSettings, permission?: Permission): FollowUpDecision {
  const { payload } = event;
  const label = `${event.name}.${event.action ?? ""}`;
  if (isBot(event.sender, settings.botLogin)) return { action: "ignore", reason: `${label} sent by bot ${event.sender?.login ?? "?"}` };
  const pull = event.name === "issue_comment" ? event.issuePull : payload.pull_request;
  const prNumber = pull?.number;
  if (typeof prNumber !== "number") return { action: "ignore", reason: `${label} names no pull request` };
  if (payload.pull_request?.state && payload.pull_request.state !== "open") return { action: "ignore", reason: `pull request #${prNumber} is ${payload.pull_request.state}` };
  const issue = issueOfBranch(pull?.head?.ref, settings.branchPrefix);
  if (issue === undefined) return { action: "ignore", reason: `pull request #${prNumber} ${NOT_APP_BRANCH}` };
  const author = event.sender?.login ?? "unknown";

  let feedback: ReviewFeedback;
  let onceKey: string;
  if (event.name === "pull_request_review") {
    const review = payload.review;
    if (isBot(review?.user, settings.botLogin)) return { action: "ignore", reason: "review by a bot" };
    const request = venomRequest(review?.body);
    const changesRequested = review?.state?.toLowerCase() === "changes_requested";
    if (!changesRequested && request === undefined) return { action: "ignore", reason: "review neither requests changes nor starts with /venom" };
    feedback = {
      kind: "review",
      prNumber,
      ...(typeof review?.id === "number" ? { reviewId: review.id } : {}),
      body: request ?? review?.body ?? "",
      author,
      // The review's inline comments are not in the event: the run reads them (GET …/reviews/{id}/comments).
      inlineComments: [],
    };
    onceKey = `review:${review?.id ?? "?"}`;
  } else {
    const comment = event.comment;
    if (isBot(comment?.user, settings.botLogin)) return { action: "ignore", reason: "comment by a bot" };
    const request = venomRequest(comment?.body);
    if (request === undefined) return { action: "ignore", reason: "comment is not a /venom request" };
    if (request.toLowerCase() === "cancel") {
      if (!isWriter(permission)) return { action: "ignore", reason: `${author} has ${permission ?? "unknown"} permission; write, maintain or admin is needed` };
      return { action: "cancel", issue };
    }
    if (event.name === "pull_request_review_comment") {
      const inline: InlineComment = {
        id: comment?.id ?? 0,
        path: comment?.path ?? "",
        ...(typeof comment?.line === "number" ? { line: comment.line } : {}),
        diffHunk: comment?.diff_hunk ?? "",
        body: request,
        author,
      };
      feedback = { kind: "review", prNumber, body: "", author, inlineComments: [inline] };
    } else {
      feedback = { kind: "review", prNumber, body: request, author, inlineComments: [], ...(comment?.id !== undefined ? { commentId: comment.id } : {}) };
    }
    onceKey = `review-comment:${comment?.id ?? "?"}`;
  }
  if (!isWriter(permission)) return { action: "ignore", reason: `${author} has ${permission ?? "unknown"} permission; write, maintain or admin is needed` };
  return { action: "follow-up", trigger: "review", issue, feedback, onceKey };
}

interface CiResult {
  conclusion: string | null | undefined;
  branch: string | null | undefined;
  headSha: string | undefined;
  pulls: PullRef[] | undefined;
  appId?: number | undefined;
  what: string;
}

function ciResult(event: FollowUpEvent): CiResult | undefined {
  const { payload } = event;
  switch (event.name) {
    case "check_run": {
      const run = payload.check_run;
      return run ? { conclusion: run.conclusion, branch: run.check_suite?.head_branch ?? run.pull_requests?.[0]?.head?.ref, headSha: run.head_sha, pulls: run.pull_requests, appId: run.app?.id, what: `check run "${run.name ?? "?"}"` } : undefined;
    }
    case "check_suite": {
      const suite = payload.check_suite;
      return suite ? { conclusion: suite.conclusion, branch: suite.head_branch, headSha: suite.head_sha, pulls: suite.pull_requests, appId: suite.app?.id, what: "check suite" } : undefined;
    }
    case "workflow_run": {
      const run = payload.workflow_run;
      return run ? { conclusion: run.conclusion, branch: run.head_branch, headSha: run.head_sha, pulls: run.pull_requests, what: `workflow run "${run.name ?? "?"}"` } : undefined;
    }
    case "status": {
      const state = payload.state;
      // A status names no branch of its own: the branches whose head is this commit.
      const branch = payload.branches?.find((candidate) => candidate.commit?.sha === payload.sha)?.name;
      const conclusion = state === "error" || state === "failure" ? "failure" : state;
      return { conclusion, branch, headSha: payload.sha, pulls: undefined, what: `status "${payload.context ?? "?"}"` };
    }
    default:
      return undefined;
  }
}

function decideCi(event: FollowUpEvent, settings: FollowUpSettings): FollowUpDecision {
  const result = ciResult(event);
  const label = `${event.name}.${event.action ?? ""}`;
  if (!result) return { action: "ignore", reason: `${label} carries no check result` };
  if (settings.appId !== undefined && result.appId === settings.appId) return { action: "ignore", reason: `${result.what} is the app's own` };
  const awaiting = result.conclusion === "action_required";
  if (!awaiting && (!result.conclusion || !FAILED_CONCLUSIONS.has(result.conclusion))) return { action: "ignore", reason: `${result.what} ended ${result.conclusion ?? "without a conclusion"}` };
  const prefix = settings.branchPrefix;
  const issue = issueOfBranch(result.branch, prefix);
  if (issue === undefined || !result.headSha) return { action: "ignore", reason: `${result.what} ${NOT_APP_BRANCH}` };
  const pull = result.pulls?.find((candidate) => issueOfBranch(candidate.head?.ref, prefix) === issue) ?? result.pulls?.[0];
  const feedback: CiFeedback = {
    kind: "ci",
    // 0: the event names no pull request (a status): the run finds it by the branch.
    prNumber: typeof pull?.number === "number" ? pull.number : 0,
    headSha: result.headSha,
    // Filled at run time from the failing runs' output and logs.
    failures: [],
  };
  // Awaiting approval: a job that only reports it in the status comment (no Coder round), once per head commit.
  if (awaiting) return { action: "follow-up", trigger: "ci", issue, feedback: { ...feedback, awaitingApproval: [result.what] }, onceKey: `ci-approval:${issue}:${result.headSha}` };
  // check_run, check_suite and workflow_run for one failure: one round per failing head commit.
  return { action: "follow-up", trigger: "ci", issue, feedback, onceKey: `ci:${issue}:${result.headSha}` };
}

/** The follow-up fields the inbox keeps of a delivery (the check output and the PR body are read at run time). */
export function slimFollowUp(payload: FollowUpPayload): FollowUpPayload {
  const pulls = (list: PullRef[] | undefined) => list?.map(slimPull);
  const slim: FollowUpPayload = {};
  if (payload.pull_request) slim.pull_request = { ...slimPull(payload.pull_request), ...(payload.pull_request.state ? { state: payload.pull_request.state } : {}) };
  const { review, check_run: run, check_suite: suite, workflow_run: workflow } = payload;
  if (review) slim.review = { id: review.id, state: review.state, body: review.body, user: review.user ? { login: review.user.login, type: review.user.type } : review.user };
  if (run) {
    slim.check_run = {
      id: run.id, name: run.name, conclusion: run.conclusion, head_sha: run.head_sha, app: run.app ? { id: run.app.id } : run.app,
      check_suite: run.check_suite ? { head_branch: run.check_suite.head_branch } : run.check_suite, pull_requests: pulls(run.pull_requests),
    };
  }
  if (suite) {
    slim.check_suite = {
      id: suite.id, conclusion: suite.conclusion, head_branch: suite.head_branch, head_sha: suite.head_sha,
      app: suite.app ? { id: suite.app.id } : suite.app, pull_requests: pulls(suite.pull_requests),
    };
  }
  if (workflow) {
    slim.workflow_run = {
      id: workflow.id, name: workflow.name, conclusion: workflow.conclusion, head_branch: workflow.head_branch,
      head_sha: workflow.head_sha, pull_requests: pulls(workflow.pull_requests),
    };
  }
  if (payload.sha !== undefined) slim.sha = payload.sha;
  if (payload.state !== undefined) slim.state = payload.state;
  if (payload.context !== undefined) slim.context = payload.context;
  if (payload.branches) slim.branches = payload.branches.map((branch) => ({ name: branch.name, commit: branch.commit ? { sha: branch.commit.sha } : branch.commit }));
  return slim;
}

function slimPull(pull: PullRef): PullRef {
  return { number: pull.number, ...(pull.head ? { head: { ref: pull.head.ref, sha: pull.head.sha } } : {}) };
}
