// What failed in CI on a commit: its check runs, its commit statuses and, for GitHub Actions, the failing job's log.
import type { GitHubRequest } from "./conditional-request.js";
import type { CheckFailure } from "./follow-up-feedback.js";
import { gitHubError } from "./github-error.js";

export interface CiFailureOptions {
  /** The app's own id (App mode): check runs it created (its `Venom` run) are not CI to fix. */
  appId?: number | undefined;
  /** Masks secrets in what goes to the model and the status comment (createMasker with the config's secrets). */
  mask?: (text: string) => string;
  /** Failing GitHub Actions jobs whose log is read, the first ones listed (default 5). */
  maxLogs?: number;
}

export interface CiState {
  failures: CheckFailure[];
  /** Check runs waiting for a maintainer's approval (`action_required`, or a deployment waiting): reported, not fixed. */
  awaitingApproval: string[];
  /** Some check run or status has not finished yet. */
  pending: boolean;
}

/** The check run fields read here, as GitHub's REST API names them. */
interface CheckRunItem {
  id: number;
  name: string;
  status: string;
  conclusion?: string | null;
  html_url?: string | null;
  details_url?: string | null;
  output?: { title?: string | null; summary?: string | null; text?: string | null } | null;
  app?: { id?: number; slug?: string } | null;
}

interface StatusItem {
  context: string;
  state: string;
  description?: string | null;
  target_url?: string | null;
}

/** A conclusion that is the code's fault (cancelled and skipped runs are not). */
const FAILED = new Set(["failure", "timed_out", "startup_failure"]);
/** Statuses of a check run that has not finished and asks nobody for anything. */
const UNFINISHED = new Set(["queued", "in_progress", "requested", "pending"]);
/** Check runs are read 100 a page; a commit with more than this many pages is cut there. */
const MAX_PAGES = 10;
const MAX_SUMMARY_CHARS = 2_000;
/** The failing part of a job's log: at most this many lines, then this many characters. */
const LOG_LINES = 150;
const MAX_LOG_CHARS = 8_000;

/** Reads the commit's check runs (paginated), its combined status and, for failing Actions jobs, their logs. */
export async function collectCiFailures(request: GitHubRequest, repo: string, headSha: string, options: CiFailureOptions = {}): Promise<CiState> {
  const [owner, name] = repo.split("/") as [string, string];
  const mask = options.mask ?? ((text: string) => text);
  const state: CiState = { failures: [], awaitingApproval: [], pending: false };
  const failedActions: Array<{ failure: CheckFailure; jobId: number }> = [];

  for (const run of await checkRuns(request, owner, name, headSha)) {
    if (options.appId !== undefined && run.app?.id === options.appId) continue;
    if (run.conclusion === "action_required" || run.status === "waiting") {
      state.awaitingApproval.push(run.name);
      continue;
    }
    if (run.status !== "completed") {
      if (UNFINISHED.has(run.status)) state.pending = true;
      continue;
    }
    if (!FAILED.has(run.conclusion ?? "")) continue;
    const url = run.html_url ?? run.details_url ?? undefined;
    const failure: CheckFailure = { name: run.name, summary: mask(outputText(run)), ...(url ? { url } : {}) };
    state.failures.push(failure);
    if (run.app?.slug === "github-actions") failedActions.push({ failure, jobId: actionsJobId(run) });
  }

  for (const status of await statuses(request, owner, name, headSha)) {
    if (status.state === "pending") state.pending = true;
    if (status.state !== "failure" && status.state !== "error") continue;
    const summary = trimmed(status.description ?? "", MAX_SUMMARY_CHARS) || `${status.context} reported ${status.state}`;
    state.failures.push({ name: status.context, summary: mask(summary), ...(status.target_url ? { url: status.target_url } : {}) });
  }

  for (const { failure, jobId } of failedActions.slice(0, options.maxLogs ?? 5)) {
    const log = await jobLog(request, owner, name, jobId);
    if (log) failure.log = mask(failingPart(log));
  }
  return state;
}

async function checkRuns(request: GitHubRequest, owner: string, repo: string, ref: string): Promise<CheckRunItem[]> {
  const runs: CheckRunItem[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    let data: { total_count?: number; check_runs?: CheckRunItem[] };
    try {
      // `filter: latest` (GitHub's default, said for clarity): a re-run replaces its earlier attempt.
      ({ data } = (await request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner, repo, ref, filter: "latest", per_page: 100, page })) as {
        data: typeof data;
      });
    } catch (error) {
      throw gitHubError("read the commit's check runs", error);
    }
    const items = data.check_runs ?? [];
    runs.push(...items);
    if (items.length < 100 || runs.length >= (data.total_count ?? 0)) break;
  }
  return runs;
}

async function statuses(request: GitHubRequest, owner: string, repo: string, ref: string): Promise<StatusItem[]> {
  try {
    const { data } = await request("GET /repos/{owner}/{repo}/commits/{ref}/status", { owner, repo, ref, per_page: 100 });
    return (data as { statuses?: StatusItem[] }).statuses ?? [];
  } catch (error) {
    throw gitHubError("read the commit's statuses", error);
  }
}

/** The Actions job behind a check run: named in its `details_url` (…/job/<id>), else the check run's own id, which Actions reuses. */
export function actionsJobId(run: Pick<CheckRunItem, "id" | "details_url">): number {
  const fromUrl = /\/job\/(\d{1,20})(?:[/?#]|$)/.exec(run.details_url ?? "")?.[1];
  return fromUrl ? Number(fromUrl) : run.id;
}

/** The job's whole log (GitHub answers with a redirect to it, which the client follows); undefined when gone or refused. */
async function jobLog(request: GitHubRequest, owner: string, repo: string, jobId: number): Promise<string | undefined> {
  try {
    const { data } = await request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", { owner, repo, job_id: jobId });
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
    return undefined;
  } catch {
    // Logs expire (410), or the token lacks `actions: read` (403): the run's output is still there to work from.
    return undefined;
  }
}

function outputText(run: CheckRunItem): string {
  const output = run.output ?? {};
  const parts = [output.title, output.summary, output.text].filter((part): part is string => typeof part === "string" && part.trim() !== "");
  return trimmed(parts.join("\n\n"), MAX_SUMMARY_CHARS) || `${run.name} ended ${run.conclusion ?? "unsuccessfully"}`;
}

function trimmed(text: string, maxChars: number): string {
  const clean = text.trim();
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}\n[… ${clean.length - maxChars} characters cut]` : clean;
}

// Actions prefixes each line with its time, e.g. `2024-05-01T10:00:00.1234567Z `: noise to the model.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z ?/;
const EXIT_CODE = /exit code [1-9]/i;

/**
 * The failing part of an Actions log: up to LOG_LINES lines ending at the first `##[error]` (or non-zero exit
 * code) line, the error lines right after it included; the log's end when neither is there. Cut to
 * MAX_LOG_CHARS from the end, where the error is.
 */
export function failingPart(log: string): string {
  const lines = log.replace(/\r\n?/g, "\n").split("\n").map((line) => line.replace(TIMESTAMP, ""));
  let end = lines.findIndex((line) => line.includes("##[error]"));
  if (end < 0) end = lines.findIndex((line) => EXIT_CODE.test(line));
  if (end < 0) end = lines.length - 1;
  // The error lines that follow the first one (several `##[error]`s, the exit code) belong to it.
  while (lines[end + 1]?.includes("##[error]")) end += 1;
  const start = Math.max(0, end + 1 - LOG_LINES);
  const part = lines.slice(start, end + 1).join("\n").trimEnd();
  const cut = part.length > MAX_LOG_CHARS ? `[… ${part.length - MAX_LOG_CHARS} characters cut]\n${part.slice(-MAX_LOG_CHARS)}` : part;
  return start > 0 ? `[… ${start} earlier lines not shown]\n${cut}` : cut;
}
