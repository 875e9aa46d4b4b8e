// Intake: parse → decide → act on the queue, for webhook events and polled issues alike.
import type { Logger } from "pino";
import type { Job, JobQueue } from "../queue/types.js";
import {
  decide,
  isFollowUpCandidate,
  needsPermission,
  REPLAY_WINDOW_MS,
  replayKey,
  type Decision,
  type DecisionSettings,
  type Permission,
  type TriggerPayload,
} from "./decide.js";
import { triggerTextFingerprint } from "../github/issue-fingerprint.js";
import { isWriter, type PermissionCache, type PermissionRequest } from "../github/permissions.js";
import type { ContentRequest, RepoLabelCache } from "./repo-label.js";
import { enqueueFollowUp, followPending } from "./follow-up-queue.js";
import { DEFAULT_BRANCH_PREFIX, NOT_APP_BRANCH } from "./follow-up-decision.js";

/** The one REST call a `/venom` comment on a pull request needs: the PR's head branch. */
type PullRequestRequest = (
  route: "GET /repos/{owner}/{repo}/pulls/{pull_number}",
  parameters: { owner: string; repo: string; pull_number: number },
) => Promise<{ data: { head?: { ref?: string } } }>;

export type IntakeOutcome =
  | { kind: "enqueued"; job: Job }
  | { kind: "already_active"; jobId: string }
  /** A follow-up request kept for the round after the issue's active job. */
  | { kind: "pending"; jobId: string }
  | { kind: "cancelled"; job: Job }
  | { kind: "retried"; job: Job }
  /** The app's pull request was merged: the issue's project item was moved (best effort). */
  | { kind: "merged"; repo: string; issue: number }
  | { kind: "ignored"; reason: string };

export interface IntakeEvent {
  id: string;
  name: string;
  payload: TriggerPayload;
  /** Authenticated request function for the event's installation (for the permission check). */
  request: PermissionRequest;
}

export interface PolledIssue {
  repo: string;
  issue: number;
  installationId?: number;
}

export interface IntakeOptions {
  queue: JobQueue;
  permissions: PermissionCache;
  settings: () => DecisionSettings;
  log: Logger;
  /** Per-repository trigger labels; without it only the global label triggers. */
  repoLabels?: RepoLabelCache;
  /** Told about every new or re-queued job (wakes the worker, posts the 👀 reaction…). */
  onQueued?: (job: Job) => void;
  /**
   * The app's pull request was merged (the issue's project item moves to "done"). Called directly, not queued: a
   * job would take the issue's one active slot and become the job `/venom retry` re-runs; a lost call costs a stale
   * column only. It must not throw for GitHub's failures (it reports them on the status comment).
   */
  onMerged?: (merged: { repo: string; issue: number; prNumber: number; installationId?: number }) => Promise<void>;
  /** A check run or suite completed on a commit (whatever its outcome): a run waiting for CI (`checks: ci`) looks again. */
  onCheckCompleted?: (repo: string, sha: string) => void;
}

export class Intake {
  readonly #options: IntakeOptions;

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  async handleEvent(event: IntakeEvent): Promise<IntakeOutcome> {
    const { queue, permissions, settings, log } = this.#options;
    const completed = event.payload.action === "completed" ? (event.payload.check_run?.head_sha ?? event.payload.check_suite?.head_sha) : undefined;
    const checkRepo = event.payload.repository?.full_name;
    if (completed && checkRepo) this.#options.onCheckCompleted?.(checkRepo, completed);
    let permission: Permission | undefined;
    if (needsPermission(event.name, event.payload)) {
      const repo = event.payload.repository?.full_name;
      const user = event.payload.sender?.login;
      if (repo && user) permission = await permissions.lookup(event.request, repo, user);
    }
    let decisionSettings = settings();
    const label = event.payload.label?.name;
    const repo = event.payload.repository?.full_name;
    if (
      this.#options.repoLabels &&
      event.name === "issues" &&
      event.payload.action === "labeled" &&
      label &&
      repo &&
      label.toLowerCase() !== decisionSettings.triggerLabel.toLowerCase()
    ) {
      // Not the global label: it may be this repository's own (`label:` in .github/venom.yml).
      const repoLabel = await this.#options.repoLabels.lookup(event.request as unknown as ContentRequest, repo);
      if (repoLabel && repoLabel.toLowerCase() === label.toLowerCase()) decisionSettings = { ...decisionSettings, triggerLabel: repoLabel };
    }
    const pullHeadRef = isWriter(permission) ? await this.#pullHeadRef(event) : undefined;
    let decision = decide(event.name, event.payload, decisionSettings, permission, { pullHeadRef });
    const onAppBranch = isFollowUpCandidate(event.name, event.payload) || event.name === "pull_request";
    if (this.#options.repoLabels && repo && onAppBranch && (decision.action !== "ignore" || decision.reason.endsWith(NOT_APP_BRANCH))) {
      // The branch names the issue: read with the repository's own `branch_prefix:` when it sets one.
      const branchPrefix = await this.#options.repoLabels.branchPrefix(event.request as unknown as ContentRequest, repo);
      if (branchPrefix !== undefined && branchPrefix !== DEFAULT_BRANCH_PREFIX) {
        decision = decide(event.name, event.payload, { ...decisionSettings, branchPrefix }, permission, { pullHeadRef });
      }
    }
    const logContext = { deliveryId: event.id, event: `${event.name}.${event.payload.action ?? ""}` };
    // The same comment, label or assignment under a new delivery id (GitHub's redelivery, or a replayed signed body)
    // is acted on once; so is a review, and a failing head commit (its check run, suite and workflow run: one round).
    const replay =
      decision.action === "ignore" ? undefined : decision.action === "follow-up" ? decision.onceKey : replayKey(event.name, event.payload);
    if (replay !== undefined && !(await queue.rememberOnce(replay, REPLAY_WINDOW_MS))) {
      const reason = "this comment, label or assignment was already acted on under another delivery id";
      log.info({ ...logContext, reason }, "Replayed event dropped");
      return { kind: "ignored", reason };
    }
    try {
      return await this.#act(decision, event, logContext);
    } catch (error) {
      // Nothing was done: the dispatcher's retry (or GitHub's redelivery) may act on it after all.
      if (replay !== undefined) await queue.forgetOnce(replay).catch(() => undefined);
      throw error;
    }
  }

  /** A `/venom` comment on a pull request: its head branch says whether the PR is ours, and for which issue. */
  async #pullHeadRef(event: IntakeEvent): Promise<string | undefined> {
    const { payload } = event;
    const repo = payload.repository?.full_name;
    const number = payload.issue?.number;
    if (event.name !== "issue_comment" || !payload.issue?.pull_request || !repo || typeof number !== "number") return undefined;
    const [owner = "", name = ""] = repo.split("/");
    const request = event.request as unknown as PullRequestRequest;
    const { data } = await request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo: name, pull_number: number });
    return data.head?.ref;
  }

  /** After a job ends: requests on its PR that arrived meanwhile start the next round. */
  async followPending(job: Job): Promise<Job | undefined> {
    return followPending(job, { queue: this.#options.queue, log: this.#options.log, onQueued: this.#options.onQueued });
  }

  async #act(decision: Decision, event: IntakeEvent, logContext: Record<string, string>): Promise<IntakeOutcome> {
    const { queue, log } = this.#options;
    switch (decision.action) {
      case "follow-up": {
        const { action: _action, onceKey: _onceKey, ...request } = decision;
        log.debug({ ...logContext, repo: decision.repo, issue: decision.issue }, "Follow-up on the app's pull request");
        return enqueueFollowUp(request, { queue, log: log.child(logContext), onQueued: this.#options.onQueued });
      }
      case "merged": {
        log.info({ ...logContext, repo: decision.repo, issue: decision.issue, prNumber: decision.prNumber }, "The app's pull request was merged");
        const { repo, issue, prNumber, installationId } = decision;
        await this.#options.onMerged?.({ repo, issue, prNumber, ...(installationId !== undefined ? { installationId } : {}) });
        return { kind: "merged", repo, issue };
      }
      case "ignore":
        log.debug({ ...logContext, reason: decision.reason }, "Event starts nothing");
        return { kind: "ignored", reason: decision.reason };
      case "cancel": {
        const job = await queue.cancel(decision.repo, decision.issue, `cancelled by ${decision.actor}`);
        if (!job) return { kind: "ignored", reason: "no queued or running job to cancel" };
        log.info({ ...logContext, jobId: job.id }, "Job cancel requested");
        return { kind: "cancelled", job };
      }
      case "retry": {
        const job = await queue.retry({ repo: decision.repo, issue: decision.issue });
        if (job) {
          log.info({ ...logContext, jobId: job.id }, "Job re-queued by /venom retry");
          this.#options.onQueued?.(job);
          return { kind: "retried", job };
        }
        // Nothing finished to retry: a first run, or one already active.
        return this.#enqueue({ ...decision, trigger: "retry", command: "fix", ...triggerData(event.payload) }, logContext);
      }
      case "enqueue": {
        // Labels and assignments repeat (re-label, re-assign); a resolved issue re-runs only on an explicit command.
        if (decision.trigger !== "comment") {
          const previous = await queue.latestStatus(decision.repo, decision.issue);
          if (previous?.state === "queued" || previous?.state === "running") {
            log.info({ ...logContext, jobId: previous.id }, "A job for this issue is already queued or running");
            return { kind: "already_active", jobId: previous.id };
          }
          if (previous?.state === "succeeded") {
            const reason = `issue already resolved by job ${previous.id}${previous.prUrl ? ` (${previous.prUrl})` : ""}; comment /venom retry to run again`;
            log.info({ ...logContext, jobId: previous.id }, reason);
            return { kind: "ignored", reason };
          }
        }
        const { commentId, revision, workflowRun, ...request } = decision;
        const data = triggerData(event.payload, commentId, revision);
        // `/venom run`: the workflow and its inputs ride in the job's data for the workflow runner.
        if (workflowRun) data.data = { ...data.data, workflowRun };
        return this.#enqueue({ ...request, ...data }, logContext);
      }
    }
  }

  /** A polled issue starts a run only if it never had one: retries are explicit (`/venom retry`). */
  async handlePolledIssue(polled: PolledIssue): Promise<IntakeOutcome> {
    const previous = await this.#options.queue.latestStatus(polled.repo, polled.issue);
    if (previous) {
      return previous.state === "queued" || previous.state === "running"
        ? { kind: "already_active", jobId: previous.id }
        : { kind: "ignored", reason: `issue already handled by job ${previous.id} (${previous.state})` };
    }
    return this.#enqueue(
      { ...polled, trigger: "poll", command: "fix", actor: "poller" },
      { deliveryId: "poll", event: "poll" },
    );
  }

  /**
   * Polling mode's CI follow-up: the head commit of the app's pull request failed. Acted on once per failing
   * head commit, under the key the webhook path uses, so a poll and a late event make one round between them.
   */
  async handlePolledCi(polled: PolledIssue & { prNumber: number; headSha: string }): Promise<IntakeOutcome> {
    const { queue, log, onQueued } = this.#options;
    const key = `ci:${polled.issue}:${polled.headSha}`;
    if (!(await queue.rememberOnce(key, REPLAY_WINDOW_MS))) return { kind: "ignored", reason: "this failing head commit already had its round" };
    try {
      return await enqueueFollowUp(
        {
          repo: polled.repo,
          issue: polled.issue,
          trigger: "ci",
          feedback: { kind: "ci", prNumber: polled.prNumber, headSha: polled.headSha, failures: [] },
          ...(polled.installationId !== undefined ? { installationId: polled.installationId } : {}),
          actor: "poller",
        },
        { queue, log: log.child({ deliveryId: "poll", event: "poll.ci" }), onQueued },
      );
    } catch (error) {
      await queue.forgetOnce(key).catch(() => undefined);
      throw error;
    }
  }

  async #enqueue(
    request: Parameters<JobQueue["enqueue"]>[0],
    logContext: Record<string, string>,
  ): Promise<IntakeOutcome> {
    const result = await this.#options.queue.enqueue(request);
    if (result.status === "already_active") {
      this.#options.log.info({ ...logContext, jobId: result.job.id }, "A job for this issue is already queued or running");
      return { kind: "already_active", jobId: result.job.id };
    }
    this.#options.log.info(
      { ...logContext, jobId: result.job.id, repo: request.repo, issue: request.issue, trigger: request.trigger },
      "Job queued",
    );
    this.#options.onQueued?.(result.job);
    return { kind: "enqueued", job: result.job };
  }
}

/**
 * What a run needs from its trigger: the `/venom` comment (👀 goes on it), a `/venom revise` text, and the
 * fingerprint of the issue's text as the trigger saw it, so the run stops if someone without write access edits
 * it before the run starts.
 */
function triggerData(payload: TriggerPayload, commentId?: number, revision?: string): { data?: Record<string, unknown> } {
  const fingerprint = triggerTextFingerprint(payload.issue);
  const sender = payload.sender;
  const data = {
    // Whose label, assignment or command started the run: the co-author of its commits.
    ...(sender?.login && typeof sender.id === "number" ? { requester: { login: sender.login, id: sender.id } } : {}),
    ...(commentId !== undefined ? { triggerCommentId: commentId } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(fingerprint !== undefined ? { triggerTextFingerprint: fingerprint } : {}),
  };
  return Object.keys(data).length > 0 ? { data } : {};
}

export function describeOutcome(outcome: IntakeOutcome): string {
  if (outcome.kind === "ignored") return `ignored: ${outcome.reason}`;
  if (outcome.kind === "merged") return `merged: ${outcome.repo}#${outcome.issue}`;
  return `${outcome.kind}: ${outcome.kind === "already_active" || outcome.kind === "pending" ? outcome.jobId : outcome.job.id}`;
}
