// Step `intake`: the issue read again, the trigger checked, the status comment found or posted, the issue's text fenced.
import { parseRepoConfig, type RepoConfig } from "../../config/repo-config.js";
import { transientError, VenomError } from "../../errors.js";
import { createMasker } from "../../log.js";
import { GitHubIssue } from "../github-issue.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { readIssueText } from "../issue-text.js";
import { staleTriggerReason } from "../stale-trigger.js";
import { writerCheck, type PermissionRequest } from "../writer-check.js";

export async function intakeStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job } = run;
  const octokit = await deps.github.forInstallation(job.installationId);
  // What the run publishes (status comment, pull request) carries model text and checks' output: masked there.
  const issue = new GitHubIssue(octokit, job.repo, job.issue, { mask: createMasker(deps.config.secrets) });
  run.artifacts.issue = issue;
  run.artifacts.octokit = octokit;

  // Events arrive late and out of order: a trigger that no longer holds (label removed, unassigned, issue
  // closed) starts nothing, not even a comment.
  const details = await issue.details();
  let configText: Promise<string | undefined> | undefined;
  const readConfigText = () => (configText ??= issue.repoConfigText());
  const stale = await staleTriggerReason(job.trigger, details, {
    triggerLabel: deps.config.triggerLabel,
    repoLabel: () => repoLabel(readConfigText),
    assignee: () => deps.github.assignee(),
  });
  if (stale) {
    run.log.info({ trigger: job.trigger, reason: stale }, "The trigger no longer holds; the job ends without a run");
    run.end({ kind: "stale", reason: stale });
    // A resumed job that already showed a status comment says why it stopped there.
    if (run.checkpoint.commentId !== undefined) await run.publish();
    return;
  }

  // Anti-loop: a new run (not a resumed attempt) counts against the issue's hourly cap.
  if (job.attempts === 1 && deps.runGuard) {
    const decision = deps.runGuard.allowRun(job.repo, job.issue);
    if (!decision.allowed) {
      throw transientError(
        `Issue #${job.issue} already had ${decision.runsInWindow} runs in the last hour (VENOM_RUNS_PER_ISSUE_PER_HOUR); waiting ${decision.retryAfterSeconds} s.`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
  }

  const comments = await issue.comments();
  const botLogin = await deps.botLogin();
  const found = run.checkpoint.commentId ?? GitHubIssue.findStatusComment(comments, botLogin)?.id;
  // Known in memory only: the publish below saves the id when the comment has to be posted again.
  if (found !== undefined) run.checkpoint.commentId = found;
  let repoConfig: RepoConfig;
  try {
    repoConfig = parseRepoConfig(await readConfigText());
  } finally {
    // The status comment goes up even when the config is bad: the failure report edits it.
    await run.publish();
  }
  run.artifacts.repoConfig = repoConfig;
  // The dashboard shows the title; saved with the reaction's checkpoint when that one is due, else alone when it changed.
  const title = details.title.slice(0, 300);
  if (run.checkpoint.title !== title && run.checkpoint.reacted) await run.save({ title });
  if (!run.checkpoint.reacted) {
    // A reaction is a courtesy: a GitHub that refuses it must not stop the run.
    await issue.react("eyes", run.checkpoint.triggerCommentId).catch((error: unknown) => run.log.warn({ err: error }, "Could not react 👀 on the issue"));
    await run.save({ reacted: true, title });
  }
  if (details.isPullRequest) throw new VenomError("user", `#${job.issue} is a pull request; Venom works on issues.`);
  if (!deps.llm) throw new VenomError("user", "No LLM is configured; set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) and retry.");
  run.artifacts.llm = deps.llm;
  run.artifacts.details = details;
  const name = botLogin ?? "venom-integrator[bot]";
  run.artifacts.author = { name, email: `${name}@users.noreply.github.com` };
  run.artifacts.issueText = await readIssueText({
    details,
    comments,
    botLogin,
    canWrite: writerCheck(deps.permissions, octokit.request as unknown as PermissionRequest, job.repo),
    // A retry (a writer's `/venom retry`, or the dashboard's operator) asks for a run on the text as it is now.
    triggerFingerprint: job.trigger === "retry" ? undefined : run.checkpoint.triggerTextFingerprint,
  });
}

/** The repository's own trigger label; a broken venom.yml names none (and the run would stop on it anyway). */
async function repoLabel(readConfigText: () => Promise<string | undefined>): Promise<string | undefined> {
  try {
    return parseRepoConfig(await readConfigText()).label;
  } catch (error) {
    if (!(error instanceof VenomError) || error.kind === "transient") throw error;
    return undefined;
  }
}
