// Step `pull_request`: opens the issue's pull request, or updates the one the branch already has: never a second.
import type { AgentsResult } from "../agents.js";
import type { PullRequestRef } from "../github-issue.js";
import { awaitCiChecks, checksOnCi } from "../integrations/ci-checks.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { renderPullRequestBody } from "../pull-request.js";
import { closeRunCheck, issueRunCheckTarget } from "../run-check.js";

export async function pullRequestStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { checkpoint } = run;
  let agents = run.need("agents");
  const budget = run.need("budget");
  const repoConfig = run.need("repoConfig");
  // `checks: ci`: the PR opens as a draft while the repository's CI runs on its head, then CI's verdict decides.
  const onCi = checksOnCi(run, agents);
  const draft = onCi || (agents.checks === "failed" && repoConfig.draftOnFailure) || agents.checksNotRun !== undefined;
  let pull = await openOrUpdate(run, agents, draft);
  await run.save({ prNumber: pull.number, prUrl: pull.url }, budget.used);
  run.record({ pullRequest: { number: pull.number, url: pull.url, created: pull.created, draft } });
  await run.publish();
  if (onCi) {
    agents = await awaitCiChecks(run, deps, { number: pull.number, url: pull.url, created: pull.created, draft }, agents);
    // The body carries CI's verdict now.
    pull = await openOrUpdate(run, agents, checkpoint.attempt.pullRequest?.draft ?? draft);
    await run.publish();
  }
  // The verdict goes on the commit once the pull request is there: the check run links to it.
  await closeRunCheck(issueRunCheckTarget(run, deps), checkpoint.checkRun?.id, {
    plan: agents.plan,
    checks: agents.checks,
    checksSummary: agents.checksSummary,
    checksOutput: agents.checksOutput,
    checksNotRun: agents.checksNotRun,
    pullRequestUrl: pull.url,
  });
}

function openOrUpdate(run: IssueRun, agents: AgentsResult, draft: boolean): Promise<PullRequestRef> {
  const { job, checkpoint } = run;
  return run.need("issue").openOrUpdatePullRequest({
    branch: run.need("branch"),
    base: run.need("base"),
    title: `Fix #${job.issue}: ${run.need("details").title}`,
    body: renderPullRequestBody({ issue: job.issue, result: agents, changedFiles: checkpoint.attempt.changedFiles ?? [], tokens: run.need("budget").used, jobId: job.id }),
    draft,
    // A PR an earlier attempt opened is updated without asking GitHub which one it is.
    ...(checkpoint.prNumber ? { knownNumber: checkpoint.prNumber } : {}),
  });
}
