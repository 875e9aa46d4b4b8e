// Polling mode's CI follow-ups: the open pull requests on a repository's own branches, and how CI ended on their head.
import type { EtagCache, GitHubRequest } from "./conditional-request.js";

export interface OpenPull {
  number: number;
  headRef: string;
  headSha: string;
}

/** How CI ended on a commit, as far as a follow-up cares: a failure starts a round, nothing else does. */
export type HeadCiOutcome = "failure" | "awaiting_approval" | "pending" | "passed" | "none";

/** Requests a poll sent, and how many of them GitHub answered 304 (free of rate limit). */
export interface PollCost {
  requests: number;
  notModified: number;
}

interface ListedPull {
  number: number;
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null } | null;
}

interface ListedCheckRun {
  status?: string;
  conclusion?: string | null;
  app?: { id?: number } | null;
}

const FAILED = new Set(["failure", "timed_out", "startup_failure"]);

/** The repository's open pull requests whose head branch is in the repository itself (a fork's `issue-5` is not ours). */
export async function openPulls(etags: EtagCache, request: GitHubRequest, repo: string, scope: string, cost: PollCost): Promise<OpenPull[]> {
  const [owner, name] = repo.split("/") as [string, string];
  const result = await etags.getPages<ListedPull>(
    request,
    "GET /repos/{owner}/{repo}/pulls",
    { owner, repo: name, state: "open", per_page: 100 },
    scope,
    (data) => data as ListedPull[],
  );
  cost.requests += result.requests;
  cost.notModified += result.notModified;
  return result.items.flatMap((pull) =>
    pull.head?.repo?.full_name?.toLowerCase() === repo.toLowerCase() && pull.head.ref && pull.head.sha
      ? [{ number: pull.number, headRef: pull.head.ref, headSha: pull.head.sha }]
      : [],
  );
}

/** The first page of the commit's check runs (a conditional GET: an unchanged answer costs no rate limit). */
export async function headCiOutcome(
  etags: EtagCache,
  request: GitHubRequest,
  repo: string,
  headSha: string,
  options: { scope: string; appId?: number | undefined; cost: PollCost },
): Promise<HeadCiOutcome> {
  const [owner, name] = repo.split("/") as [string, string];
  const result = await etags.get<{ check_runs?: ListedCheckRun[] }>(
    request,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { owner, repo: name, ref: headSha, per_page: 100 },
    options.scope,
  );
  options.cost.requests += 1;
  if (result.notModified) options.cost.notModified += 1;
  return ciOutcome(result.data.check_runs ?? [], options.appId);
}

/** A failure wins; then a run awaiting approval; then one still running. The app's own runs do not count. */
export function ciOutcome(runs: ListedCheckRun[], appId?: number): HeadCiOutcome {
  const others = runs.filter((run) => appId === undefined || run.app?.id !== appId);
  if (others.length === 0) return "none";
  if (others.some((run) => run.status === "completed" && FAILED.has(run.conclusion ?? ""))) return "failure";
  if (others.some((run) => run.conclusion === "action_required" || run.status === "waiting")) return "awaiting_approval";
  if (others.some((run) => run.status !== "completed")) return "pending";
  return "passed";
}
