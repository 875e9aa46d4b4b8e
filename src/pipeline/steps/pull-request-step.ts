// Step `pull_request`: opens the issue's pull request, or updates the one the branch already has: never a second.
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { renderPullRequestBody } from "../pull-request.js";
import { closeRunCheck, issueRunCheckTarget } from "../run-check.js";

export async function pullRequestStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job, checkpoint } = run;
  const agents = run.need("agents");
  const budget = run.need("budget");
  const repoConfig = run.need("repoConfig");
  const draft = (agents.checks === "failed" && repoConfig.draftOnFailure) || agents.checksNotRun !== undefined;
  const pull = await run.need("issue").openOrUpdatePullRequest({
    branch: run.need("branch"),
    base: run.need("base"),
    title: `Fix #${job.issue}: ${run.need("details").title}`,
    body: renderPullRequestBody({ issue: job.issue, result: agents, changedFiles: checkpoint.attempt.changedFiles ?? [], tokens: budget.used, jobId: job.id }),
    draft,
    // A PR an earlier attempt opened is updated without asking GitHub which one it is.
    ...(checkpoint.prNumber ? { knownNumber: checkpoint.prNumber } : {}),
  });
  await run.save({ prNumber: pull.number, prUrl: pull.url }, budget.used);
  run.record({ pullRequest: { number: pull.number, url: pull.url, created: pull.created, draft } });
  await run.publish();
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
