// The polling fallback for machines with no public IP: finds triggered issues with conditional GETs.
import type { Logger } from "pino";
import { EtagCache, type GitHubRequest } from "../github/conditional-request.js";
import { mapLimited } from "../github/map-limited.js";
import type { PollTarget } from "../github/poll-target.js";
import { headCiOutcome, openPulls, type PollCost } from "../github/pull-ci-poll.js";
import { issueOfBranch } from "./follow-up-decision.js";

export type { PollTarget };
import type { Intake } from "./intake.js";


export interface PollSettings {
  triggerLabel: string;
  /** The login whose assigned issues are runs to start (VENOM_ASSIGNEE, or the token's user in token mode). */
  assignee?: string | undefined;
}

export interface PollReport {
  repos: number;
  requests: number;
  notModified: number;
  issuesSeen: number;
  enqueued: number;
  /** Repositories whose poll failed this cycle (the next cycle tries them again). */
  failed: number;
  /** CI follow-ups started: a failing head commit on one of the app's open pull requests (when `ci` is set). */
  ciEnqueued?: number;
}

/**
 * Repositories polled at once. Octokit's throttling lets 10 requests of one installation run at a time, shared with
 * the pipeline: 8 leaves runs room, stays far below GitHub's secondary limit (100 in flight), and at 100 ms a round
 * trip polls 1,000 repositories in about 17 s (`npm run bench:poll`), inside the one-minute minimum interval.
 */
export const POLL_CONCURRENCY = 8;

/** An open issue that triggers a run (the trigger label, or assigned to the bot), as `integrator.pollIssues()` answers it. */
export interface TriggeredIssue {
  repo: string;
  number: number;
  title: string;
  url: string;
  labels: string[];
  assignees: string[];
  installationId?: number;
}

interface ListedIssue {
  number: number;
  title?: string;
  html_url?: string;
  labels?: Array<string | { name?: string }>;
  assignees?: Array<{ login?: string }> | null;
  pull_request?: unknown;
}

/** One listing of every polled repository; `changed` marks issues from a list that was not 304 Not Modified. */
interface Listing {
  repos: number;
  requests: number;
  notModified: number;
  /** Repositories whose listing failed, and the first error. */
  failed: number;
  firstError?: unknown;
  issues: Array<TriggeredIssue & { changed: boolean }>;
  targets: PollTarget[];
}

export interface PollerOptions {
  /** Lists the repositories to poll (all installations' repos in App mode, GITHUB_REPO_NAME in token mode). */
  targets: (etags: EtagCache) => Promise<{ targets: PollTarget[]; requests: number; notModified: number }>;
  intake: Intake;
  /** Resolved once per cycle (the bot login may need a lookup). */
  settings: () => Promise<PollSettings>;
  /**
   * The repository's own trigger label (`label:` in .github/venom.yml), read with `request`; `version` is the
   * repository's `pushed_at`, so an unchanged repository costs no request.
   */
  repoLabel?: (repo: string, request: GitHubRequest, version: string | undefined) => Promise<string | undefined>;
  log: Logger;
  etags?: EtagCache;
  /** Repositories polled at once (default POLL_CONCURRENCY). */
  concurrency?: number;
  /**
   * CI follow-ups when no CI event arrives: each cycle reads the open pull requests on the app's branches and their
   * head commit's check runs (conditional GETs: free while nothing changed). `appId`: the app's own runs do not count.
   */
  ci?: { appId?: number | undefined; branchPrefix?: string | undefined };
}

/** The poller as the dashboard shows it: on or off, paused, and when it last polled and polls next. */
export interface PollerState {
  /** Started with an interval (`ENABLE_ISSUE_POLLING` and GitHub configured). */
  enabled: boolean;
  /** Paused from the dashboard: cycles are skipped until resumed. */
  paused: boolean;
  intervalMs: number | null;
  /** When the last cycle ended (ISO), null before the first. */
  lastPollAt: string | null;
  /** The last cycle's outcome: ok, or its error's message. */
  lastError: string | null;
  lastReport: PollReport | null;
  /** When the next cycle starts (ISO); null when not enabled or paused. */
  nextPollAt: string | null;
}

export class Poller {
  readonly #options: PollerOptions;
  readonly #etags: EtagCache;
  #paused = false;
  #intervalMs: number | undefined;
  #nextPollAt: number | undefined;
  #last: { at: number; report: PollReport | null; error: string | null } | undefined;
  /** `triggeredIssues()` keeps its own ETags: sharing the poller's would make its next cycle see 304 and skip new issues. */
  readonly #listingEtags = new EtagCache();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PollReport> | undefined;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#etags = options.etags ?? new EtagCache();
  }

  /** One poll cycle; concurrent calls share the cycle in progress. */
  pollOnce(): Promise<PollReport> {
    this.#running ??= this.#poll().then(
      (report) => {
        this.#running = undefined;
        this.#last = { at: Date.now(), report, error: null };
        return report;
      },
      (error: unknown) => {
        this.#running = undefined;
        this.#last = { at: Date.now(), report: null, error: error instanceof Error ? error.message : String(error) };
        throw error;
      },
    );
    return this.#running;
  }

  /** Stops starting cycles (a cycle under way finishes) until `resume`; the interval keeps its rhythm. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  state(): PollerState {
    const iso = (time: number | undefined) => (time === undefined ? null : new Date(time).toISOString());
    return {
      enabled: this.#timer !== undefined,
      paused: this.#paused,
      intervalMs: this.#intervalMs ?? null,
      lastPollAt: iso(this.#last?.at),
      lastError: this.#last?.error ?? null,
      lastReport: this.#last?.report ?? null,
      nextPollAt: this.#timer && !this.#paused ? iso(this.#nextPollAt) : null,
    };
  }

  /** The open triggered issues in every polled repository, whether or not they had a run; starts nothing. */
  async triggeredIssues(): Promise<TriggeredIssue[]> {
    const listing = await this.#list(this.#listingEtags);
    return listing.issues.map(({ changed: _changed, ...issue }) => issue);
  }

  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#intervalMs = intervalMs;
    const tick = () => {
      this.#nextPollAt = Date.now() + intervalMs;
      if (this.#paused) return;
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
    this.#nextPollAt = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #poll(): Promise<PollReport> {
    const { intake, log } = this.#options;
    const listing = await this.#list(this.#etags);
    const report: PollReport = {
      repos: listing.repos,
      requests: listing.requests,
      notModified: listing.notModified,
      issuesSeen: 0,
      enqueued: 0,
      failed: listing.failed,
    };
    // Issues of an unchanged (304) list were handed to intake when it last changed.
    for (const issue of listing.issues) {
      if (!issue.changed) continue;
      report.issuesSeen += 1;
      const outcome = await intake.handlePolledIssue({
        repo: issue.repo,
        issue: issue.number,
        ...(issue.installationId !== undefined ? { installationId: issue.installationId } : {}),
      });
      if (outcome.kind === "enqueued") report.enqueued += 1;
    }
    if (this.#options.ci) await this.#pollCi(listing.targets, report, this.#options.ci);
    log.debug({ ...report }, "Issue poll finished");
    return report;
  }

  /** A failing head commit on one of the app's open pull requests starts a CI round (once per commit: intake keeps the key). */
  async #pollCi(targets: PollTarget[], report: PollReport, ci: NonNullable<PollerOptions["ci"]>): Promise<void> {
    const { intake, log } = this.#options;
    const cost: PollCost = { requests: 0, notModified: 0 };
    const failing = await mapLimited(targets, this.#options.concurrency ?? POLL_CONCURRENCY, async (target) => {
      const scope = String(target.installationId ?? "token");
      try {
        const pulls = (await openPulls(this.#etags, target.request, target.repo, scope, cost)).flatMap((pull) => {
          const issue = issueOfBranch(pull.headRef, ci.branchPrefix);
          return issue === undefined ? [] : [{ ...pull, issue }];
        });
        const found: Array<{ target: PollTarget; pull: (typeof pulls)[number] }> = [];
        for (const pull of pulls) {
          const outcome = await headCiOutcome(this.#etags, target.request, target.repo, pull.headSha, { scope, appId: ci.appId, cost });
          if (outcome === "failure") found.push({ target, pull });
        }
        return found;
      } catch (error) {
        // CI polling is a fallback for missed events: its trouble is logged, never a failed repository poll.
        log.warn({ err: error, repo: target.repo }, "Could not poll the pull requests' CI; the next cycle tries again");
        return [];
      }
    });
    report.requests += cost.requests;
    report.notModified += cost.notModified;
    report.ciEnqueued = 0;
    for (const { target, pull } of failing.flat()) {
      const outcome = await intake.handlePolledCi({
        repo: target.repo,
        issue: pull.issue,
        prNumber: pull.number,
        headSha: pull.headSha,
        ...(target.installationId !== undefined ? { installationId: target.installationId } : {}),
      });
      if (outcome.kind === "enqueued") report.ciEnqueued += 1;
    }
  }

  /** Every polled repository's triggered issues, a bounded number of repositories at a time. */
  async #list(etags: EtagCache): Promise<Listing> {
    const { targets, settings, log } = this.#options;
    const listed = await targets(etags);
    const listing: Listing = {
      repos: listed.targets.length,
      requests: listed.requests,
      notModified: listed.notModified,
      failed: 0,
      issues: [],
      targets: listed.targets,
    };
    const pollSettings = await settings();
    const perRepo = await mapLimited(listed.targets, this.#options.concurrency ?? POLL_CONCURRENCY, async (target) => {
      try {
        return await this.#triggeredIn(target, pollSettings, etags, listing);
      } catch (error) {
        // One repository's trouble (removed meanwhile, a 5xx) must not stop the others.
        listing.failed += 1;
        listing.firstError ??= error;
        return [];
      }
    });
    listing.issues = perRepo.flat();
    if (listing.failed > 0) {
      if (listing.failed === listing.repos) throw listing.firstError;
      log.warn(
        { err: listing.firstError, failed: listing.failed, repos: listing.repos },
        `Issue poll failed for ${listing.failed} of ${listing.repos} repositories; the next cycle tries them again`,
      );
    }
    return listing;
  }

  /** Open issues (not pull requests) carrying the global or the repository's own label, or assigned to the assignee. */
  async #triggeredIn(
    target: PollTarget,
    settings: PollSettings,
    etags: EtagCache,
    listing: Listing,
  ): Promise<Array<TriggeredIssue & { changed: boolean }>> {
    const [owner, repo] = target.repo.split("/") as [string, string];
    const counted: GitHubRequest = (route, parameters) => {
      listing.requests += 1;
      return target.request(route, parameters);
    };
    const labels = [settings.triggerLabel];
    const own = await this.#options.repoLabel?.(target.repo, counted, target.pushedAt);
    if (own && own.toLowerCase() !== settings.triggerLabel.toLowerCase()) labels.push(own);
    const queries: Array<Record<string, unknown>> = labels.map((label) => ({ labels: label }));
    if (settings.assignee) queries.push({ assignee: settings.assignee });
    const found = new Map<number, TriggeredIssue & { changed: boolean }>();
    for (const query of queries) {
      const result = await etags.getPages<ListedIssue>(
        target.request,
        "GET /repos/{owner}/{repo}/issues",
        { owner, repo, state: "open", per_page: 100, ...query },
        String(target.installationId ?? "token"),
        (data) => data as ListedIssue[],
      );
      listing.requests += result.requests;
      listing.notModified += result.notModified;
      const changed = result.notModified < result.requests;
      for (const issue of result.items) {
        if (issue.pull_request) continue;
        const known = found.get(issue.number);
        if (known) known.changed ||= changed;
        else found.set(issue.number, { ...triggeredIssue(target, issue), changed });
      }
    }
    return [...found.values()];
  }
}

function triggeredIssue(target: PollTarget, issue: ListedIssue): TriggeredIssue {
  return {
    repo: target.repo,
    number: issue.number,
    title: issue.title ?? "",
    url: issue.html_url ?? "",
    labels: (issue.labels ?? []).map((label) => (typeof label === "string" ? label : (label.name ?? ""))).filter((name) => name !== ""),
    assignees: (issue.assignees ?? []).map((assignee) => assignee.login ?? "").filter((login) => login !== ""),
    ...(target.installationId !== undefined ? { installationId: target.installationId } : {}),
  };
}
