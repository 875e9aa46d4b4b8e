// Acts on a chat button or command (approve, retry, cancel) for a mapped GitHub login with write access, and says what happened.
import type { Logger } from "pino";
import { isWriter, type PermissionCache, type PermissionRequest } from "../../github/permissions.js";
import type { Job, JobQueue } from "../../queue/types.js";
import { describeTarget, type ChatCommand } from "./chat-command.js";

export type ChatPlatform = "slack" | "teams";

export interface ChatActionRequest {
  via: ChatPlatform;
  /** The GitHub login the chat user maps to; undefined when VENOM_SLACK_USERS / VENOM_TEAMS_USERS has no entry. */
  login: string | undefined;
  command: ChatCommand;
}

export interface ChatActionResult {
  /** True when the queue was changed. */
  acted: boolean;
  /** What to tell the chat user (plain text). */
  text: string;
  job?: Job;
}

export interface ChatActionEntry {
  action: "enqueue" | "retry" | "cancel";
  /** `slack:<login>` or `teams:<login>`. */
  by: string;
  detail?: string;
}

export interface ChatActionsOptions {
  queue: JobQueue;
  permissions: PermissionCache;
  /** The GitHub request function of the job's installation (the permission check). */
  requestFor: (job: Job) => Promise<PermissionRequest>;
  /** Whether a finished job was a plan-only run (`/venom plan`, or `require_plan_approval`) whose plan a fix applies. */
  isPlanOnly: (job: Job) => boolean;
  /** Appends the action to the job's action log (the dashboard's `data.actions`). */
  record: (job: Job, entry: ChatActionEntry) => Promise<void>;
  log: Logger;
  /** A job was queued or re-queued: the worker looks at once. */
  onQueued?: (job: Job) => void;
  /** A running job was asked to stop: a worker of this process that runs it stops at once. */
  onCancelRequested?: (jobId: string) => void;
}

const MAPPING_VARIABLE: Record<ChatPlatform, string> = { slack: "VENOM_SLACK_USERS", teams: "VENOM_TEAMS_USERS" };
const PLATFORM_NAME: Record<ChatPlatform, string> = { slack: "Slack", teams: "Teams" };

export class ChatActions {
  readonly #options: ChatActionsOptions;

  constructor(options: ChatActionsOptions) {
    this.#options = options;
  }

  async act(request: ChatActionRequest): Promise<ChatActionResult> {
    const { via, login, command } = request;
    const { log } = this.#options;
    if (!login) {
      return { acted: false, text: `Your ${PLATFORM_NAME[via]} user is not mapped to a GitHub login (${MAPPING_VARIABLE[via]}); nothing was done.` };
    }
    const job = await this.#find(command);
    if (!job) return { acted: false, text: `No Venom run for ${describeTarget(command.target)}; nothing was done.` };
    let permission;
    try {
      permission = await this.#options.permissions.lookup(await this.#options.requestFor(job), job.repo, login);
    } catch (error) {
      log.warn({ err: error, via, login, repo: job.repo }, "Chat action: permission check failed");
      return { acted: false, text: `Could not check ${login}'s permission on ${job.repo} (GitHub did not answer); nothing was done, try again.` };
    }
    if (!isWriter(permission)) {
      log.info({ via, login, repo: job.repo, permission, action: command.action }, "Chat action refused: no write access");
      return { acted: false, text: `${login} has ${permission} access to ${job.repo}; ${command.action} needs write access. Nothing was done.` };
    }
    const by = `${via}:${login}`;
    switch (command.action) {
      case "retry":
        return this.#retry(job, by);
      case "cancel":
        return this.#cancel(job, by);
      case "approve":
        return this.#approve(job, by, login);
    }
  }

  async #find(command: ChatCommand): Promise<Job | undefined> {
    const { queue } = this.#options;
    const { target } = command;
    return "jobId" in target ? queue.get(target.jobId) : queue.latest(target.repo, target.issue);
  }

  async #retry(existing: Job, by: string): Promise<ChatActionResult> {
    const job = await this.#options.queue.retry({ id: existing.id });
    if (!job) {
      return { acted: false, text: `${label(existing)} is ${existing.state} or its issue has another active run; only finished runs can be retried.` };
    }
    await this.#done(job, { action: "retry", by });
    this.#options.onQueued?.(job);
    return { acted: true, text: `${label(job)} queued again by ${by}.`, job };
  }

  async #cancel(existing: Job, by: string): Promise<ChatActionResult> {
    if (existing.state !== "queued" && existing.state !== "running") {
      return { acted: false, text: `${label(existing)} is already ${existing.state}; only queued or running runs can be cancelled.` };
    }
    const job = await this.#options.queue.cancel(existing.repo, existing.issue, `cancelled from ${by}`);
    if (!job || job.id !== existing.id) return { acted: false, text: `${label(existing)} is no longer active; nothing was done.` };
    await this.#done(job, { action: "cancel", by });
    if (job.state === "running") this.#options.onCancelRequested?.(job.id);
    return { acted: true, text: job.state === "running" ? `${label(job)}: stop requested by ${by}.` : `${label(job)} cancelled by ${by}.`, job };
  }

  /** The same as a writer's `/venom fix` on the issue: a comment-triggered fix, which applies the last approved plan. */
  async #approve(existing: Job, by: string, login: string): Promise<ChatActionResult> {
    if (existing.state !== "succeeded" || !this.#options.isPlanOnly(existing)) {
      return { acted: false, text: `${label(existing)} is not a finished plan awaiting approval; nothing was done.` };
    }
    // An old message's button: a later run of the issue (this plan's fix, or another) already followed it.
    const latest = await this.#options.queue.latestStatus(existing.repo, existing.issue);
    if (latest && latest.id !== existing.id) {
      return { acted: false, text: `${existing.repo}#${existing.issue} has a later run (job ${latest.id}, ${latest.state}); nothing was done.` };
    }
    const result = await this.#options.queue.enqueue({
      repo: existing.repo,
      issue: existing.issue,
      trigger: "comment",
      command: "fix",
      actor: login,
      ...(existing.installationId !== undefined ? { installationId: existing.installationId } : {}),
    });
    if (result.status === "already_active") {
      return { acted: false, text: `${existing.repo}#${existing.issue} already has an active run (job ${result.job.id}); nothing was done.` };
    }
    await this.#done(result.job, { action: "enqueue", by, detail: `approved the plan of job ${existing.id}` });
    this.#options.onQueued?.(result.job);
    return { acted: true, text: `Plan of ${existing.repo}#${existing.issue} approved by ${by}: fix queued as job ${result.job.id}.`, job: result.job };
  }

  async #done(job: Job, entry: ChatActionEntry): Promise<void> {
    this.#options.log.info(
      { action: entry.action, by: entry.by, jobId: job.id, repo: job.repo, issue: job.issue },
      `Chat action: ${entry.action} ${job.repo}#${job.issue} by ${entry.by}`,
    );
    await this.#options.record(job, entry);
  }
}

function label(job: Job): string {
  return `Run ${job.id} (${job.repo}#${job.issue})`;
}

/** `work`'s result if it settles within `ms`, else undefined (the work goes on): chat platforms wait only seconds. */
export async function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
