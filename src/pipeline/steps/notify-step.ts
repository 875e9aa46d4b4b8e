// Step `notify`: the pull request announced on the notification channels, and the after-PR hook (calendar).
import type { NotificationEvent, Notifier } from "../../skills/notify/notifier.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";

/** The "pull request ready" notification: the job's and `integrator.finalizeIssue()`'s. */
export function pullRequestReady(pull: {
  repo: string;
  issue: number;
  prUrl: string;
  message: string;
  failed?: boolean;
  issueUrl?: string;
}): NotificationEvent {
  return {
    title: `Pull Request ready for review: ${pull.repo}#${pull.issue}`,
    message: pull.message,
    status: pull.failed ? "failure" : "success",
    url: pull.prUrl,
    prUrl: pull.prUrl,
    ...(pull.issueUrl ? { issueUrl: pull.issueUrl } : {}),
    repo: pull.repo,
    issue: pull.issue,
  };
}

export async function notifyStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job } = run;
  const pull = run.checkpoint.attempt.pullRequest;
  if (!pull) throw new Error('Pipeline step "notify" needs the pull request, which the pull_request step opens.');
  const details = run.need("details");
  const checks = run.need("agents").checks;
  await sendNotification(
    run,
    deps.notifier,
    pullRequestReady({
      repo: job.repo,
      issue: job.issue,
      prUrl: pull.url,
      message: `${details.title} — checks ${checks}`,
      failed: checks === "failed",
      issueUrl: details.htmlUrl,
    }),
  );
  if (pull.created && deps.afterPullRequest) {
    await deps
      .afterPullRequest({ repo: job.repo, issue: job.issue, prNumber: pull.number, prUrl: pull.url })
      .catch((error: unknown) => run.log.warn({ err: error }, "After-PR hook failed; the run still succeeded"));
  }
}

/** Sends `event` about the run's issue; channels that refused it are recorded on the job. */
export async function sendNotification(run: IssueRun, notifier: Notifier, event: NotificationEvent): Promise<void> {
  const results = await notifier.send({ ...event, repo: run.job.repo, issue: run.job.issue, jobId: run.job.id });
  const failed = results.filter((result) => !result.ok);
  if (failed.length) await run.save({ notificationErrors: failed.map((result) => `${result.channel}: ${result.error ?? "failed"}`) });
}
