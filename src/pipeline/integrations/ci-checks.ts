// `checks: ci`: once the pull request is open, the PR head's check runs are the checks' result (no local commands).
import { errorMessage } from "../../errors.js";
import { asRequest } from "../../github/clients.js";
import { gitHubError } from "../../github/github-error.js";
import { waitForHeadChecks } from "../../github/head-checks.js";
import { markReadyForReview } from "../../github/pull-ready.js";
import type { AgentsResult } from "../agents.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";

/** Whether this run's checks are the repository's CI: `checks: ci`, and the Coder's edit went through (not a plan-only run). */
export function checksOnCi(run: IssueRun, agents: AgentsResult): boolean {
  return run.artifacts.repoConfig?.ciChecks === true && agents.checksNotRun === undefined;
}

/**
 * Waits for the PR head's check runs (every app's but this one's, GitHub Actions' included) up to
 * `ci_timeout_minutes`, polling with backoff, and makes their outcome the run's checks: the status comment, the PR
 * body and the `Venom` check run follow. The PR was opened as a draft; it is marked ready for review unless CI
 * failed and `draft_on_failure` holds. Returns the agents' result with CI's verdict in place of the checks'.
 */
export async function awaitCiChecks(
  run: IssueRun,
  deps: IssueJobDependencies,
  pull: { number: number; url: string; created: boolean; draft: boolean },
  agents: AgentsResult,
): Promise<AgentsResult> {
  const repoConfig = run.need("repoConfig");
  const octokit = run.need("octokit");
  const [owner = "", repo = ""] = run.job.repo.split("/");
  const sha = run.checkpoint.commit?.sha ?? (await octokit.rest.pulls.get({ owner, repo, pull_number: pull.number })).data.head.sha;
  await run.phase("validating");
  run.record({ notes: { ...run.checkpoint.attempt.notes, ci: `Checks: waiting for CI on \`${sha.slice(0, 7)}\` (up to ${repoConfig.ciTimeoutMinutes} min)…` } });
  await run.publish();

  const outcome = await waitForHeadChecks(asRequest(octokit), {
    repo: run.job.repo,
    sha,
    appId: deps.config.github.appId,
    timeoutMs: repoConfig.ciTimeoutMinutes * 60_000,
    signal: run.signal,
    events: deps.checkEvents,
  }).catch((error: unknown) => {
    if (run.signal.aborted) throw error;
    throw gitHubError(`read the check runs of ${sha.slice(0, 7)}`, error);
  });
  const result: AgentsResult = { ...agents, checks: outcome.result, checksSummary: outcome.summary, checksOutput: outcome.output };
  run.artifacts.agents = result;
  const { ci: _waiting, ...notes } = run.checkpoint.attempt.notes ?? {};
  run.record({ checks: { result: outcome.result, summary: outcome.summary }, notes });

  const draft = pull.draft && outcome.result === "failed" && repoConfig.draftOnFailure;
  if (pull.draft && !draft) {
    try {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pull.number });
      await markReadyForReview((query, variables) => octokit.graphql(query, variables), data.node_id);
    } catch (error) {
      run.log.warn({ err: error }, "Could not mark the pull request ready for review");
      run.record({ notes: { ...run.checkpoint.attempt.notes, ready: `Pull request: still a draft; could not mark it ready for review (${errorMessage(error)}).` } });
    }
  }
  run.record({ pullRequest: { ...pull, draft: pull.draft && (draft || run.checkpoint.attempt.notes?.ready !== undefined) } });
  return result;
}
