// Programmatic entry points mirroring the seed: Orchestrator.handleRemoteIssue and the Integrator's steps.
import type { VenomConfig } from "../config/env.js";
import { errorMessage, VenomError } from "../errors.js";
import type { GitHubClients } from "../github/clients.js";
import type { PollReport, Poller } from "../intake/poller.js";
import type { Job, JobQueue, JobRecord } from "../queue/types.js";
import { toRecord } from "../queue/types.js";
import type { Worker } from "../queue/worker.js";
import type { Notifier } from "../skills/notify/notifier.js";
import { GitHubIssue } from "./github-issue.js";

export interface RemoteIssueResult {
  success: boolean;
  issueNumber: number;
  message: string;
  prUrl?: string;
  jobId?: string;
}

interface Dependencies {
  config: VenomConfig;
  queue: JobQueue;
  worker: Worker;
  github: GitHubClients;
  poller: Poller;
  notifier: Notifier;
}

/** Resolves `repo` (default GITHUB_REPO_NAME) and, in App mode, its installation. */
async function target(deps: Dependencies, repo: string | undefined): Promise<{ repo: string; installationId?: number }> {
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

  /** One poll cycle: triggered issues found and queued (the seed's poll_issues). */
  pollIssues(): Promise<PollReport> {
    return this.#deps.poller.pollOnce();
  }

  /** Queues a run for the issue (one active job per issue); returns its job record. */
  async handleIssue(options: { issueNumber: number; repo?: string }): Promise<JobRecord> {
    const where = await target(this.#deps, options.repo);
    const result = await this.#deps.queue.enqueue({ ...where, issue: options.issueNumber, trigger: "comment", actor: "api" });
    this.#deps.worker.notify();
    return toRecord(result.job);
  }

  /** Opens (or updates) the PR for a pushed branch, comments on the issue and notifies (the seed's finalize_issue). */
  async finalizeIssue(options: {
    issueNumber: number;
    branch: string;
    title: string;
    body: string;
    repo?: string;
    base?: string;
  }): Promise<{ prUrl: string }> {
    const where = await target(this.#deps, options.repo);
    const octokit = await this.#deps.github.forInstallation(where.installationId);
    const issue = new GitHubIssue(octokit, where.repo, options.issueNumber);
    const base = options.base ?? (await octokit.rest.repos.get({ owner: issue.owner, repo: issue.repo })).data.default_branch;
    const body = options.body.includes(`Closes #${options.issueNumber}`) ? options.body : `${options.body}\n\nCloses #${options.issueNumber}`;
    const pull = await issue.openOrUpdatePullRequest({ branch: options.branch, base, title: options.title, body, draft: false });
    await issue.upsertComment(undefined, `Pull request ready for review: ${pull.url}`);
    await this.#deps.notifier.send({
      title: `Pull Request ready for review: ${where.repo}#${options.issueNumber}`,
      message: options.title,
      status: "success",
      url: pull.url,
      prUrl: pull.url,
      repo: where.repo,
      issue: options.issueNumber,
    });
    return { prUrl: pull.url };
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
      const { job } = await queue.enqueue({ ...where, issue: options.issueNumber, trigger: "comment", actor: "api" });
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
    return { ...base, success: true, message: job.prUrl ? `Pull request ${job.prUrl} (checks ${job.checks ?? "none"})` : job.step };
  }
  return { ...base, success: false, message: job.error ?? `job ${job.state}` };
}
