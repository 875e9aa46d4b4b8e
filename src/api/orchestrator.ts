// Programmatic entry points mirroring the seed: Orchestrator.handleRemoteIssue and the Integrator's steps.
import type { VenomConfig } from "../config/env.js";
import { errorMessage, VenomError } from "../errors.js";
import type { GitHubClients } from "../github/clients.js";
import type { Poller, TriggeredIssue } from "../intake/poller.js";
import type { Job, JobQueue, JobStatus } from "../queue/types.js";
import type { Worker } from "../queue/worker.js";
import type { Notifier } from "../skills/notify/notifier.js";
import { GitHubIssue, type IssueComment, type IssueDetails } from "../pipeline/github-issue.js";
import { issueBranch } from "../pipeline/issue-branch.js";
import { savedCheckpoint } from "../pipeline/run-checkpoint.js";
import { pullRequestReady } from "../pipeline/steps/notify-step.js";

export interface RemoteIssueResult {
  success: boolean;
  issueNumber: number;
  message: string;
  prUrl?: string;
  jobId?: string;
}

/** An issue found by `pollIssues()`, with the issue's latest job when it had one. */
export interface PolledIssue extends TriggeredIssue {
  job?: JobStatus;
}

/** What `handleIssue()` prepared: the issue as read now, and its branch on GitHub. */
export interface HandledIssue {
  repo: string;
  issueNumber: number;
  issue: IssueDetails;
  comments: IssueComment[];
  /** `issue-<N>` (or the repository's `branch_prefix`), on GitHub. */
  branch: string;
  /** The branch it starts from and the pull request targets: `base` from `.github/venom.yml`, else the default branch. */
  base: string;
  /** False when the branch already existed: a second call, or a re-run, reuses it. */
  branchCreated: boolean;
}

/** What `finalizeIssue()` did: the pull request (opened, or the open one updated) and the comment on the issue. */
export interface FinalizedIssue {
  prUrl: string;
  prNumber: number;
  /** False when a pull request for the branch was already open and got the new title and body. */
  created: boolean;
  commentId: number;
}

interface Dependencies {
  config: VenomConfig;
  queue: JobQueue;
  worker: Worker;
  github: GitHubClients;
  poller: Poller;
  notifier: Notifier;
}

function notConfigured(): VenomError {
  return new VenomError("user", "GitHub not configured: set APP_ID and PRIVATE_KEY (App) or GITHUB_TOKEN and GITHUB_REPO_NAME (token mode).");
}

/** Resolves `repo` (default GITHUB_REPO_NAME) and, in App mode, its installation. */
async function target(deps: Dependencies, repo: string | undefined): Promise<{ repo: string; installationId?: number }> {
  if (deps.config.github.mode === "none") throw notConfigured();
  const fullName = repo ?? deps.config.github.repo;
  if (!fullName) throw new VenomError("user", "No repository given: pass repo (owner/name) or set GITHUB_REPO_NAME.");
  if (deps.config.github.mode !== "app") return { repo: fullName };
  const [owner = "", name = ""] = fullName.split("/");
  return { repo: fullName, installationId: await deps.github.installationFor(owner, name) };
}

export class Integrator {
  readonly #deps: Dependencies;

  constructor(deps: Dependencies) {
    this.#deps = deps;
  }

  /**
   * The open issues that trigger a run (the trigger label, or assigned to the bot) in every polled repository, each
   * with its latest job (the seed's poll_issues). Starts nothing: hand each to handleIssue or handleRemoteIssue.
   */
  async pollIssues(): Promise<PolledIssue[]> {
    if (this.#deps.config.github.mode === "none") throw notConfigured();
    const issues = await this.#deps.poller.triggeredIssues();
    return Promise.all(
      issues.map(async (issue) => {
        const job = await this.#deps.queue.latestStatus(issue.repo, issue.number);
        return job ? { ...issue, job } : issue;
      }),
    );
  }

  /**
   * Intake for one issue (the seed's handle_issue): reads it and its comments, checks it is an open issue, and
   * creates its branch on GitHub from the base branch (or finds it there). Starts no run and calls no model.
   */
  async handleIssue(options: { issueNumber: number; repo?: string }): Promise<HandledIssue> {
    const where = await target(this.#deps, options.repo);
    const octokit = await this.#deps.github.forInstallation(where.installationId);
    const issue = new GitHubIssue(octokit, where.repo, options.issueNumber);
    const details = await issue.details();
    if (details.isPullRequest) throw new VenomError("user", `#${options.issueNumber} in ${where.repo} is a pull request; pass an issue number.`);
    if (details.state !== "open") throw new VenomError("user", `Issue #${options.issueNumber} in ${where.repo} is ${details.state}; reopen it to handle it.`);
    const [comments, repoConfig] = await Promise.all([issue.comments(), issue.repoConfigText().then(parseRepoConfigLazily)]);
    const base = repoConfig.base ?? (await issue.defaultBranch());
    const branch = issueBranch(repoConfig, options.issueNumber);
    const { created } = await issue.ensureBranch(branch, base);
    return { repo: where.repo, issueNumber: options.issueNumber, issue: details, comments, branch, base, branchCreated: created };
  }

  /** Opens (or updates) the PR for a pushed branch, comments on the issue and notifies (the seed's finalize_issue). */
  async finalizeIssue(options: {
    issueNumber: number;
    branch: string;
    title: string;
    body: string;
    repo?: string;
    base?: string;
  }): Promise<FinalizedIssue> {
    const where = await target(this.#deps, options.repo);
    const octokit = await this.#deps.github.forInstallation(where.installationId);
    const issue = new GitHubIssue(octokit, where.repo, options.issueNumber);
    const base = options.base ?? (await parseRepoConfigLazily(await issue.repoConfigText())).base ?? (await issue.defaultBranch());
    const body = options.body.includes(`Closes #${options.issueNumber}`) ? options.body : `${options.body}\n\nCloses #${options.issueNumber}`;
    const pull = await issue.openOrUpdatePullRequest({ branch: options.branch, base, title: options.title, body, draft: false });
    const commentId = await issue.upsertComment(
      undefined,
      pull.created ? `Pull request ready for review: ${pull.url}` : `Pull request updated: ${pull.url}`,
    );
    await this.#deps.notifier.send(pullRequestReady({ repo: where.repo, issue: options.issueNumber, prUrl: pull.url, message: options.title }));
    return { prUrl: pull.url, prNumber: pull.number, created: pull.created, commentId };
  }
}

export class Orchestrator {
  readonly #deps: Dependencies;

  constructor(deps: Dependencies) {
    this.#deps = deps;
  }

  /** The whole Issue-to-PR pipeline for one issue, waiting for its end (the seed's handle_remote_issue). */
  async handleRemoteIssue(options: { issueNumber: number; repo?: string; timeoutMs?: number }): Promise<RemoteIssueResult> {
    const { queue, worker } = this.#deps;
    try {
      const where = await target(this.#deps, options.repo);
      // Its own trigger: `require_plan_approval` applies to it as to a label, unlike a maintainer's `/venom fix`.
      const { job } = await queue.enqueue({ ...where, issue: options.issueNumber, trigger: "api", actor: "api" });
      worker.start();
      worker.notify();
      const finished = await waitForEnd(queue, job.id, options.timeoutMs ?? 60 * 60_000);
      return describe(finished, options.issueNumber);
    } catch (error) {
      return { success: false, issueNumber: options.issueNumber, message: errorMessage(error) };
    }
  }
}

async function waitForEnd(queue: JobQueue, id: string, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.get(id);
    if (!job) throw new VenomError("permanent", `Job ${id} disappeared from the queue.`);
    if (job.state === "succeeded" || job.state === "failed" || job.state === "cancelled") return job;
    if (Date.now() > deadline) throw new VenomError("transient", `Job ${id} is still ${job.state} after ${Math.round(timeoutMs / 1000)} s; see venom jobs.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function describe(job: Job, issueNumber: number): RemoteIssueResult {
  const base = { issueNumber, jobId: job.id, ...(job.prUrl ? { prUrl: job.prUrl } : {}) };
  if (job.state === "succeeded") {
    if (!job.prUrl && savedCheckpoint(job.data).planOnly === true) {
      return { ...base, success: true, message: "Plan posted on the issue (require_plan_approval); a maintainer comments /venom fix to apply it." };
    }
    return { ...base, success: true, message: job.prUrl ? `Pull request ${job.prUrl} (checks ${job.checks ?? "none"})` : job.step };
  }
  return { ...base, success: false, message: job.error ?? `job ${job.state}` };
}

/** `.github/venom.yml` parsing pulls in zod and yaml: loaded when the API is first used, not at start-up. */
async function parseRepoConfigLazily(text: string | undefined): Promise<import("../config/repo-config.js").RepoConfig> {
  const { parseRepoConfig } = await import("../config/repo-config.js");
  return parseRepoConfig(text);
}
