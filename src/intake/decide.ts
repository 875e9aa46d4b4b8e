// Whether an event starts, cancels or retries a run: a pure function of (event, settings, permission).
import { isWriter, type Permission } from "../github/permissions.js";
import type { JobCommand, Trigger } from "../queue/types.js";

export { isWriter, type Permission };
import { triggerTextFingerprint, type IssueTextFields } from "../github/issue-fingerprint.js";
import { isBot } from "./bot-sender.js";
import {
  decideFollowUp,
  isFollowUpEvent,
  isReviewEvent,
  slimFollowUp,
  venomRequest,
  type FollowUpPayload,
  type ReviewCommentFields,
} from "./follow-up-decision.js";
import type { FollowUpFeedback } from "../github/follow-up-feedback.js";
import { decideMerged, type MergedPayload } from "./merged-pull.js";
import { parseRunCommand, type RunRequest } from "./run-command.js";


/** The few payload fields the decision reads; the official webhook payloads satisfy it. */
export interface TriggerPayload extends FollowUpPayload {
  action?: string;
  /** A review's pull request, or a closed one (`merged`, and `user`: who opened it). */
  pull_request?: (NonNullable<FollowUpPayload["pull_request"]> & Pick<NonNullable<MergedPayload["pull_request"]>, "merged" | "user">) | null;
  /** `id` names the requester in the commit's Co-authored-by trailer. */
  sender?: { login?: string; type?: string; id?: number } | null;
  repository?: { full_name?: string } | null;
  installation?: { id?: number } | null;
  issue?: ({
    number?: number;
    state?: string;
    pull_request?: unknown;
    locked?: boolean;
    /** When the issue last changed: a label or assignment event's time (payloads carry no other). */
    updated_at?: string;
  } & IssueTextFields) | null;
  label?: { name?: string } | null;
  assignee?: { login?: string } | null;
  comment?: ({ id?: number; body?: string; user?: { login?: string; type?: string } | null } & ReviewCommentFields) | null;
}

export interface DecisionSettings {
  /** The trigger label (VENOM_TRIGGER_LABEL), compared case-insensitively as GitHub does. */
  triggerLabel: string;
  /** The app's own bot login (`slug[bot]`, or the token's user in token mode), once known. */
  botLogin?: string | undefined;
  /**
   * The login whose assignment starts a run (VENOM_ASSIGNEE; in token mode the token's user by default).
   * Unset in App mode unless configured: GitHub does not let an App's bot account be assigned.
   */
  assignee?: string | undefined;
  /** The app's id (App mode): its own check runs and suites are not CI to fix. */
  appId?: number | undefined;
  /** The prefix of the app's branches (`branch_prefix`, default `issue-`): a follow-up's issue is in its PR's branch. */
  branchPrefix?: string | undefined;
}

/** What intake looked up for the decision besides the permission. */
export interface DecisionContext {
  /** For a comment on a pull request: the PR's head branch (the event does not carry it). */
  pullHeadRef?: string | undefined;
}

export interface IssueRef {
  repo: string;
  issue: number;
  installationId?: number;
  actor: string;
}

export type Decision =
  | ({
      action: "enqueue";
      trigger: Exclude<Trigger, "poll" | "retry" | "api">;
      command: JobCommand;
      commentId?: number;
      /** `/venom revise <text>`: the maintainer's change to the plan; the run plans again with it. */
      revision?: string;
      /** `/venom run <workflow> [key=value …]` (command "run"): what to dispatch. */
      workflowRun?: RunRequest;
    } & IssueRef)
  /** The app's pull request was merged: the issue's project item moves to "done" (best effort, no job). */
  | ({ action: "merged"; prNumber: number } & IssueRef)
  | ({ action: "cancel" } & IssueRef)
  | ({ action: "retry" } & IssueRef)
  /** A review or CI round on the app's own PR; `onceKey` makes one round of one review or failing head commit. */
  | ({ action: "follow-up"; trigger: "review" | "ci"; feedback: FollowUpFeedback; onceKey?: string } & IssueRef)
  | { action: "ignore"; reason: string };

export type SlashCommand = "fix" | "plan" | "revise" | "retry" | "cancel" | "run";
const SLASH_COMMANDS: readonly SlashCommand[] = ["fix", "plan", "revise", "retry", "cancel", "run"];

/** `/venom fix` → "fix"; `/venom` alone → "fix"; anything else after `/venom` → undefined. */
export function parseSlashCommand(body: string | undefined): SlashCommand | "unknown" | undefined {
  if (!body) return undefined;
  const match = /^\s*\/venom(?=\s|$)(?:[ \t]+(\S+))?/i.exec(body);
  if (!match) return undefined;
  const word = (match[1] ?? "fix").toLowerCase() as SlashCommand;
  return SLASH_COMMANDS.includes(word) ? word : "unknown";
}

// Anchored, one optional run of blanks, then a literal: linear on any comment.
const REVISE_PREFIX = /^\s*\/venom[ \t]+revise(?=\s|$)/i;
/** The longest revision text kept: the Architect's prompt fences it again with its own cap. */
const MAX_REVISION_CHARS = 4_000;

/** `/venom revise use a different approach` → "use a different approach"; "" when nothing follows; undefined for other comments. */
export function parseRevision(body: string | undefined): string | undefined {
  if (!body) return undefined;
  const match = REVISE_PREFIX.exec(body);
  return match ? body.slice(match[0].length).trim().slice(0, MAX_REVISION_CHARS) : undefined;
}

export { isBot };

/** Events that can start, cancel or retry a run; every other delivery is only remembered for deduplication. */
export function isTriggerCandidate(name: string, action: string | undefined): boolean {
  return (
    (name === "issues" && (action === "labeled" || action === "assigned")) ||
    (name === "issue_comment" && action === "created") ||
    (name === "pull_request" && action === "closed") ||
    isFollowUpEvent(name, action)
  );
}

/** The fields the decision reads: what the inbox stores (≈1 KB instead of the ≈12 KB delivery). */
export function slimPayload(payload: TriggerPayload): TriggerPayload {
  const user = (value: { login?: string; type?: string; id?: number } | null | undefined) =>
    value ? { login: value.login, type: value.type, ...(typeof value.id === "number" ? { id: value.id } : {}) } : value;
  return {
    action: payload.action,
    sender: user(payload.sender),
    repository: payload.repository ? { full_name: payload.repository.full_name } : payload.repository,
    installation: payload.installation ? { id: payload.installation.id } : payload.installation,
    issue: payload.issue
      ? {
          number: payload.issue.number,
          state: payload.issue.state,
          ...(payload.issue.pull_request ? { pull_request: true } : {}),
          ...(payload.issue.updated_at ? { updated_at: payload.issue.updated_at } : {}),
          // The text itself is not kept, only what a run needs to see whether it was edited since.
          ...withFingerprint(payload.issue),
        }
      : payload.issue,
    ...(payload.label ? { label: { name: payload.label.name } } : {}),
    ...(payload.assignee ? { assignee: { login: payload.assignee.login } } : {}),
    ...(payload.comment
      ? { comment: { id: payload.comment.id, body: payload.comment.body, user: user(payload.comment.user), ...reviewCommentFields(payload.comment) } }
      : {}),
    ...slimFollowUp(payload),
    ...slimMerged(payload),
  };
}

/** A closed pull request: whether it was merged, and who opened it (the app's own PRs only count). */
function slimMerged(payload: TriggerPayload): TriggerPayload {
  const pull = payload.pull_request;
  if (!pull || typeof pull.merged !== "boolean") return {};
  return { pull_request: { ...slimFollowUp(payload).pull_request, merged: pull.merged, ...(pull.user ? { user: { login: pull.user.login, type: pull.user.type } } : {}) } };
}

/** Where an inline review comment points: what the Coder is shown and where the reply goes. */
function reviewCommentFields(comment: ReviewCommentFields): ReviewCommentFields {
  return {
    ...(comment.path !== undefined ? { path: comment.path } : {}),
    ...(typeof comment.line === "number" ? { line: comment.line } : {}),
    ...(comment.diff_hunk !== undefined ? { diff_hunk: comment.diff_hunk } : {}),
    ...(comment.in_reply_to_id !== undefined ? { in_reply_to_id: comment.in_reply_to_id } : {}),
  };
}

function withFingerprint(issue: IssueTextFields): { text_sha256?: string } {
  const fingerprint = triggerTextFingerprint(issue);
  return fingerprint === undefined ? {} : { text_sha256: fingerprint };
}

/** How long an event's replay key is kept: GitHub redelivers (and a captured delivery is replayed) within days. */
export const REPLAY_WINDOW_MS = 7 * 86_400_000;

/**
 * What makes an event the same event when it is delivered again under a new delivery id (a signature covers the
 * body only, so anyone holding one signed body can resend it): a comment by its id; a label or an assignment by
 * (repository, issue, label or assignee, the issue's `updated_at` — the event's time). Undefined: no key.
 */
export function replayKey(name: string, payload: TriggerPayload): string | undefined {
  const repo = payload.repository?.full_name;
  const issue = payload.issue?.number;
  if (!repo || typeof issue !== "number") return undefined;
  if (name === "issue_comment" && typeof payload.comment?.id === "number") return `comment:${repo}#${issue}:${payload.comment.id}`;
  const time = payload.issue?.updated_at;
  if (name !== "issues" || !time) return undefined;
  if (payload.action === "labeled" && payload.label?.name) return `label:${repo}#${issue}:${payload.label.name.toLowerCase()}:${time}`;
  if (payload.action === "assigned" && payload.assignee?.login) return `assign:${repo}#${issue}:${payload.assignee.login.toLowerCase()}:${time}`;
  return undefined;
}

/** True when deciding this event needs the sender's repository permission (a `/venom` comment). */
export function needsPermission(name: string, payload: TriggerPayload): boolean {
  if (isFollowUpCandidate(name, payload) && isReviewEvent(name)) {
    const asks = name === "pull_request_review"
      ? payload.review?.state?.toLowerCase() === "changes_requested" || venomRequest(payload.review?.body) !== undefined
      : venomRequest(payload.comment?.body) !== undefined;
    return asks && !isBot(payload.sender, undefined);
  }
  if (name !== "issue_comment" || payload.action !== "created") return false;
  const command = parseSlashCommand(payload.comment?.body);
  return command !== undefined && command !== "unknown" && !isBot(payload.sender, undefined);
}

export function decide(
  name: string,
  payload: TriggerPayload,
  settings: DecisionSettings,
  permission?: Permission,
  context: DecisionContext = {},
): Decision {
  const event = `${name}.${payload.action ?? ""}`;
  if (name === "pull_request") return decideMerged(payload, settings);
  if (isFollowUpCandidate(name, payload)) return decideOnPullRequest(name, payload, settings, permission, context);
  if (isBot(payload.sender, settings.botLogin)) {
    return { action: "ignore", reason: `${event} sent by bot ${payload.sender?.login ?? "?"}` };
  }
  const repo = payload.repository?.full_name;
  const issue = payload.issue;
  if (!repo || !issue || typeof issue.number !== "number") {
    return { action: "ignore", reason: `${event} has no repository or issue` };
  }
  const ref: IssueRef = {
    repo,
    issue: issue.number,
    actor: payload.sender?.login ?? "unknown",
    ...(payload.installation?.id !== undefined ? { installationId: payload.installation.id } : {}),
  };

  if (name === "issues") {
    if (issue.pull_request) return { action: "ignore", reason: "pull requests are not issues to fix" };
    if (issue.state && issue.state !== "open") return { action: "ignore", reason: `issue #${issue.number} is ${issue.state}` };
    if (payload.action === "labeled") {
      const label = payload.label?.name ?? "";
      if (label.toLowerCase() !== settings.triggerLabel.toLowerCase()) {
        return { action: "ignore", reason: `label "${label}" is not the trigger label "${settings.triggerLabel}"` };
      }
      return { action: "enqueue", trigger: "label", command: "fix", ...ref };
    }
    if (payload.action === "assigned") {
      const assignee = payload.assignee?.login;
      if (!settings.assignee) {
        return { action: "ignore", reason: "no assignee starts a run; set VENOM_ASSIGNEE to the login whose assignment should" };
      }
      if (!assignee || assignee.toLowerCase() !== settings.assignee.toLowerCase()) {
        return { action: "ignore", reason: `assigned to ${assignee ?? "nobody"}, not to ${settings.assignee}` };
      }
      return { action: "enqueue", trigger: "assign", command: "fix", ...ref };
    }
    return { action: "ignore", reason: `${event} is not a trigger` };
  }

  if (name === "issue_comment") {
    if (payload.action !== "created") return { action: "ignore", reason: `${event} is not a trigger` };
    const command = parseSlashCommand(payload.comment?.body);
    if (command === undefined) return { action: "ignore", reason: "comment is not a /venom command" };
    if (command === "unknown") return { action: "ignore", reason: "unknown /venom command" };
    if (issue.pull_request) return { action: "ignore", reason: "/venom works on issues, not pull requests" };
    if (!isWriter(permission)) {
      return { action: "ignore", reason: `${ref.actor} has ${permission ?? "unknown"} permission; write, maintain or admin is needed` };
    }
    if (command === "cancel") return { action: "cancel", ...ref };
    if (command === "retry") return { action: "retry", ...ref };
    if (issue.state && issue.state !== "open") return { action: "ignore", reason: `issue #${issue.number} is ${issue.state}` };
    if (command === "run") {
      const parsed = parseRunCommand(payload.comment?.body);
      if (!parsed || "error" in parsed) return { action: "ignore", reason: `/venom run: ${parsed?.error ?? "not understood"}` };
      return {
        action: "enqueue",
        trigger: "comment",
        command: "run",
        workflowRun: parsed,
        ...ref,
        ...(payload.comment?.id !== undefined ? { commentId: payload.comment.id } : {}),
      };
    }
    const revision = command === "revise" ? parseRevision(payload.comment?.body) : undefined;
    if (command === "revise" && !revision) return { action: "ignore", reason: "/venom revise needs the change to the plan after it" };
    return {
      action: "enqueue",
      trigger: "comment",
      // A revision is a plan-only run: the maintainer approves the new plan with `/venom fix`.
      command: command === "revise" ? "plan" : command,
      ...(revision ? { revision } : {}),
      ...ref,
      ...(payload.comment?.id !== undefined ? { commentId: payload.comment.id } : {}),
    };
  }

  return { action: "ignore", reason: `${event} is not a trigger` };
}

/** Review and CI events, and `/venom` comments on a pull request: follow-ups on the app's own PR. */
export function isFollowUpCandidate(name: string, payload: TriggerPayload): boolean {
  if (name === "issue_comment") return payload.action === "created" && Boolean(payload.issue?.pull_request);
  return isFollowUpEvent(name, payload.action);
}

function decideOnPullRequest(
  name: string,
  payload: TriggerPayload,
  settings: DecisionSettings,
  permission: Permission | undefined,
  context: DecisionContext,
): Decision {
  const repo = payload.repository?.full_name;
  if (!repo) return { action: "ignore", reason: `${name}.${payload.action ?? ""} has no repository` };
  const issueNumber = payload.issue?.number;
  const decision = decideFollowUp(
    {
      name,
      action: payload.action,
      sender: payload.sender,
      comment: payload.comment,
      issuePull: name === "issue_comment" && typeof issueNumber === "number" ? { number: issueNumber, head: { ref: context.pullHeadRef ?? "" } } : undefined,
      payload,
    },
    settings,
    permission,
  );
  if (decision.action === "ignore") return decision;
  const ref: IssueRef = {
    repo,
    issue: decision.issue,
    actor: payload.sender?.login ?? "unknown",
    ...(payload.installation?.id !== undefined ? { installationId: payload.installation.id } : {}),
  };
  if (decision.action === "cancel") return { action: "cancel", ...ref };
  return {
    action: "follow-up",
    trigger: decision.trigger,
    feedback: decision.feedback,
    ...ref,
    ...(decision.onceKey !== undefined ? { onceKey: `${decision.onceKey}@${repo}` } : {}),
  };
}
