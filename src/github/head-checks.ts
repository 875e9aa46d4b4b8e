// `checks: ci`: the repository's own CI on a commit — every other app's check run — waited for and summed up.
import type { GitHubRequest } from "./conditional-request.js";

export interface HeadChecksResult {
  result: "passed" | "failed" | "none";
  /** One line for the status comment and the PR body, e.g. "CI failed: test (failure); 2 of 3 check runs passed". */
  summary: string;
  /** The failing runs' titles, summaries and links: what the `Venom` check run's text shows. */
  output: string;
}

interface ListedCheckRun {
  name?: string;
  status?: string;
  conclusion?: string | null;
  html_url?: string | null;
  details_url?: string | null;
  app?: { id?: number; slug?: string } | null;
  output?: { title?: string | null; summary?: string | null } | null;
}

export interface HeadChecksOptions {
  repo: string;
  sha: string;
  /** The app's id: its own check runs (`Venom`) are not CI. Token mode has none. */
  appId?: number | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** With no check run at all after this long, the repository has no CI on this commit: "none" (default 5 minutes). */
  noChecksAfterMs?: number;
  /** Waits between reads (ms), the last one repeated. */
  delaysMs?: number[];
  /** Check events as they arrive (webhooks): a completed run on this commit ends a wait early; polling stays the fallback. */
  events?: CheckEvents | undefined;
}

/**
 * `check_run` / `check_suite` completions seen by intake, per commit: a run waiting for CI reads the check runs
 * again as soon as one arrives, instead of at its next poll. In-process only (a separate worker process polls).
 */
export class CheckEvents {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** A check run or suite completed on `repo`@`sha`. */
  notify(repo: string, sha: string): void {
    const key = `${repo.toLowerCase()}@${sha}`;
    for (const wake of [...(this.#waiters.get(key) ?? [])]) wake();
  }

  /** Resolves after `ms`, or sooner when a check completes on the commit; rejects when `signal` aborts. */
  wait(repo: string, sha: string, ms: number, signal?: AbortSignal): Promise<void> {
    const key = `${repo.toLowerCase()}@${sha}`;
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(key);
      };
      const wake = () => {
        done();
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(wake, ms);
      if (signal?.aborted) return onAbort();
      waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

const PASSING = new Set(["success", "neutral", "skipped"]);
const DEFAULT_DELAYS_MS = [3_000, 5_000, 10_000, 15_000, 30_000];

/**
 * Reads `GET …/commits/{sha}/check-runs` until every other app's run completed, none appeared, or the timeout
 * passed: again when a check event for the commit arrives (`events`), else at the next poll.
 */
export async function waitForHeadChecks(request: GitHubRequest, options: HeadChecksOptions): Promise<HeadChecksResult> {
  const started = Date.now();
  const delays = options.delaysMs ?? DEFAULT_DELAYS_MS;
  const noChecksAfterMs = Math.min(options.noChecksAfterMs ?? 5 * 60_000, options.timeoutMs);
  const minutes = Math.round(options.timeoutMs / 60_000);
  for (let attempt = 0; ; attempt += 1) {
    const runs = await checkRuns(request, options);
    const elapsed = Date.now() - started;
    const pending = runs.filter((run) => run.status !== "completed");
    if (runs.length > 0 && pending.length === 0) return verdict(runs);
    if (runs.length === 0 && elapsed >= noChecksAfterMs) {
      return { result: "none", summary: `no CI check run appeared on ${options.sha.slice(0, 7)} within ${Math.round(noChecksAfterMs / 60_000)} min`, output: "" };
    }
    if (elapsed >= options.timeoutMs) {
      const names = pending.map((run) => run.name ?? "?").join(", ");
      return { result: "failed", summary: `CI did not finish within ${minutes} min (ci_timeout_minutes): still running ${names}`, output: "" };
    }
    const delay = Math.min(delays[Math.min(attempt, delays.length - 1)] ?? 30_000, Math.max(0, options.timeoutMs - elapsed));
    await (options.events ? options.events.wait(options.repo, options.sha, delay, options.signal) : sleep(delay, options.signal));
  }
}

async function checkRuns(request: GitHubRequest, options: HeadChecksOptions): Promise<ListedCheckRun[]> {
  const [owner, repo] = options.repo.split("/");
  const { data } = await request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner, repo, ref: options.sha, per_page: 100, filter: "latest" });
  const runs = (data as { check_runs?: ListedCheckRun[] }).check_runs ?? [];
  // The app's own `Venom` run reports this very wait: it is never part of CI.
  return runs.filter((run) => (options.appId === undefined || run.app?.id !== options.appId) && run.name !== "Venom");
}

function verdict(runs: ListedCheckRun[]): HeadChecksResult {
  const failed = runs.filter((run) => !PASSING.has(run.conclusion ?? ""));
  const passedCount = runs.length - failed.length;
  if (failed.length === 0) {
    return { result: "passed", summary: `CI passed: ${runs.length} check run${runs.length === 1 ? "" : "s"} (${runs.map((run) => run.name ?? "?").join(", ")})`, output: "" };
  }
  const summary = `CI failed: ${failed.map((run) => `${run.name ?? "?"} (${run.conclusion ?? "?"})`).join(", ")}; ${passedCount} of ${runs.length} check runs passed`;
  const output = failed
    .map((run) => [`${run.name ?? "?"}: ${run.conclusion ?? "?"}`, run.output?.title, run.output?.summary, run.details_url ?? run.html_url].filter(Boolean).join("\n"))
    .join("\n\n");
  return { result: "failed", summary, output };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
