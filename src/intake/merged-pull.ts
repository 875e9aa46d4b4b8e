// Whether a `pull_request.closed` event is the merge of the app's own pull request (`issue-N`): pure, like decide().
import { isBot, type BotUser } from "./bot-sender.js";
import { DEFAULT_BRANCH_PREFIX, issueOfBranch, NOT_APP_BRANCH } from "./follow-up-decision.js";

/** The fields of `pull_request.closed` the decision reads. */
export interface MergedPayload {
  action?: string;
  pull_request?: { number?: number; merged?: boolean; user?: BotUser | null; head?: { ref?: string; sha?: string } | null; state?: string } | null;
  repository?: { full_name?: string } | null;
  installation?: { id?: number } | null;
  sender?: { login?: string } | null;
}

export type MergedDecision =
  | { action: "merged"; repo: string; issue: number; prNumber: number; actor: string; installationId?: number }
  | { action: "ignore"; reason: string };

export function decideMerged(payload: MergedPayload, settings: { botLogin?: string | undefined; branchPrefix?: string | undefined }): MergedDecision {
  const pull = payload.pull_request;
  const repo = payload.repository?.full_name;
  if (payload.action !== "closed" || !pull || !repo || typeof pull.number !== "number") return { action: "ignore", reason: `pull_request.${payload.action ?? ""} is not a merge` };
  if (pull.merged !== true) return { action: "ignore", reason: `pull request #${pull.number} was closed without merging` };
  // The app's own pull request: opened by its bot account (anyone may merge it).
  const opener = pull.user;
  const ours = settings.botLogin ? opener?.login?.toLowerCase() === settings.botLogin.toLowerCase() : isBot(opener);
  if (!ours) return { action: "ignore", reason: `pull request #${pull.number} was not opened by the app` };
  const issue = issueOfBranch(pull.head?.ref, settings.branchPrefix ?? DEFAULT_BRANCH_PREFIX);
  if (issue === undefined) return { action: "ignore", reason: `pull request #${pull.number} ${NOT_APP_BRANCH}` };
  return {
    action: "merged",
    repo,
    issue,
    prNumber: pull.number,
    actor: payload.sender?.login ?? "unknown",
    ...(payload.installation?.id !== undefined ? { installationId: payload.installation.id } : {}),
  };
}
