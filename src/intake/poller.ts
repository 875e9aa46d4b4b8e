// The polling fallback for machines with no public IP: finds triggered issues with conditional GETs.
import type { Logger } from "pino";
import { EtagCache, type GitHubRequest } from "../github/conditional-request.js";
import type { Intake } from "./intake.js";

/** One repository to poll, with the request function authenticated for it. */
export interface PollTarget {
  repo: string;
  installationId?: number;
  request: GitHubRequest;
}

export interface PollSettings {
  triggerLabel: string;
  botLogin?: string | undefined;
}

export interface PollReport {
  repos: number;
  requests: number;
  notModified: number;
  issuesSeen: number;
  enqueued: number;
}

interface ListedIssue {
  number: number;
  pull_request?: unknown;
}

export interface PollerOptions {
  /** Lists the repositories to poll (all installations' repos in App mode, GITHUB_REPO_NAME in token mode). */
  targets: (etags: EtagCache) => Promise<{ targets: PollTarget[]; requests: number; notModified: number }>;
  intake: Intake;
  /** Resolved once per cycle (the bot login may need a lookup). */
  settings: () => Promise<PollSettings>;
  log: Logger;
  etags?: EtagCache;
}

export class Poller {
  readonly #options: PollerOptions;
  readonly #etags: EtagCache;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PollReport> | undefined;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#etags = options.etags ?? new EtagCache();
  }

  /** One poll cycle; concurrent calls share the cycle in progress. */
  pollOnce(): Promise<PollReport> {
    this.#running ??= this.#poll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  start(intervalMs: number): void {
    if (this.#timer) return;
    const tick = () => {
      this.pollOnce().catch((error: unknown) =>
        this.#options.log.error({ err: error }, "Issue poll failed; the next cycle will try again"),
      );
    };
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #poll(): Promise<PollReport> {
    const { targets, intake, settings, log } = this.#options;
    const listed = await targets(this.#etags);
    const report: PollReport = {
      repos: listed.targets.length,
      requests: listed.requests,
      notModified: listed.notModified,
      issuesSeen: 0,
      enqueued: 0,
    };
    const { triggerLabel, botLogin } = await settings();
    for (const target of listed.targets) {
      const [owner, repo] = target.repo.split("/") as [string, string];
      const queries: Array<Record<string, unknown>> = [{ labels: triggerLabel }];
      if (botLogin) queries.push({ assignee: botLogin });
      const found = new Set<number>();
      for (const query of queries) {
        const result = await this.#etags.get<ListedIssue[]>(
          target.request,
          "GET /repos/{owner}/{repo}/issues",
          { owner, repo, state: "open", per_page: 100, ...query },
          String(target.installationId ?? "token"),
        );
        report.requests += 1;
        if (result.notModified) {
          report.notModified += 1;
          continue;
        }
        for (const issue of result.data) if (!issue.pull_request) found.add(issue.number);
      }
      for (const number of found) {
        report.issuesSeen += 1;
        const outcome = await intake.handlePolledIssue({
          repo: target.repo,
          issue: number,
          ...(target.installationId !== undefined ? { installationId: target.installationId } : {}),
        });
        if (outcome.kind === "enqueued") report.enqueued += 1;
      }
    }
    log.debug({ ...report }, "Issue poll finished");
    return report;
  }
}
