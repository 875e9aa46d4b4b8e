// A follow-up round on the app's own pull request: one Coder round on the reviewers' or CI's feedback, pushed without force, answered in each thread.
import { parseRepoConfig, type RepoConfig } from "../../config/repo-config.js";
import { CancelledError, errorMessage, isTransient, permanentError, VenomError } from "../../errors.js";
import { createMasker } from "../../log.js";
import type { Job, JobOutcome } from "../../queue/types.js";
import type { JobContext } from "../../queue/worker.js";
import { runAgents, type Plan } from "../agents.js";
import { GitHubIssue } from "../github-issue.js";
import { cachedReader } from "../instruction-files.js";
import { issueBranch } from "../issue-branch.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import { costData, startBudget } from "../run-cost.js";
import { readIssueText } from "../issue-text.js";
import { publishCommit, type Published } from "../publish-commit.js";
import { coAuthorTrailer, findRequester } from "../requester.js";
import { closeRunCheck, openRunCheck, type RunCheckTarget } from "../run-check.js";
import { scanDiffForSecrets } from "../secret-scan.js";
import { TraceRecorder } from "../trace-recorder.js";
import { ChangeSet } from "../tools/change-set.js";
import type { Workspace } from "../workspace/workspace.js";
import { writerCheck, type PermissionRequest } from "../writer-check.js";
import { FOLLOW_UP_DATA_KEY, type FollowUpFeedback } from "./feedback.js";
import { awaitingApprovalLine } from "./ci-round.js";
import { answerFeedback, roundLine } from "./follow-up-answers.js";
import { FOLLOW_UP_ROUND_KEY, followUpCheckpoint, roundTrailer, type FollowUpCheckpoint } from "./follow-up-checkpoint.js";
import { followUpPrompt, planFromFeedback } from "./follow-up-prompt.js";
import { dropFollowUpWorkspace, followUpWorkspace } from "./follow-up-workspace.js";
import { PullRequestThread } from "./pull-request-thread.js";
import { nextRound, withRoundLine } from "./round-lines.js";

/** Pushes tried when the branch keeps moving under the round (a reviewer pushing meanwhile). */
const PUSH_ATTEMPTS = 3;

export async function runFollowUp(context: JobContext, deps: IssueJobDependencies): Promise<JobOutcome> {
  const { job } = context;
  const saved = followUpCheckpoint(job.data);
  const save = async (patch: Partial<FollowUpCheckpoint>, tokens?: number): Promise<void> => {
    Object.assign(saved, patch);
    await context.checkpoint({ data: { [FOLLOW_UP_ROUND_KEY]: { ...saved } }, ...(tokens !== undefined ? { tokens } : {}) });
  };
  const octokit = await deps.github.forInstallation(job.installationId);
  const mask = createMasker(deps.config.secrets);
  // The run page of the round: its steps, the Coder's tool calls and the checks, as the issue run records them.
  const recorder = new TraceRecorder(context, mask);
  await recorder.enterStep("follow_up");
  try {
    return await followUpRound(context, deps, { saved, save, octokit, mask, recorder });
  } finally {
    await recorder.finish();
  }
}

interface RoundSetup {
  saved: FollowUpCheckpoint;
  save: (patch: Partial<FollowUpCheckpoint>, tokens?: number) => Promise<void>;
  octokit: Awaited<ReturnType<IssueJobDependencies["github"]["forInstallation"]>>;
  mask: (text: string) => string;
  recorder: TraceRecorder;
}

async function followUpRound(context: JobContext, deps: IssueJobDependencies, setup: RoundSetup): Promise<JobOutcome> {
  const { job, log, signal } = context;
  const { saved, save, octokit, mask, recorder } = setup;
  const issue = new GitHubIssue(octokit, job.repo, job.issue, { mask });
  const thread = new PullRequestThread(octokit, job.repo, mask);
  const botLogin = await deps.botLogin();

  // The feedback is taken from the pending list once and kept in the checkpoint: a resumed attempt answers the same.
  if (!saved.feedback) {
    const given = Array.isArray(job.data[FOLLOW_UP_DATA_KEY]) ? (job.data[FOLLOW_UP_DATA_KEY] as FollowUpFeedback[]) : [];
    const pending = (await deps.takePendingFeedback?.(job.repo, job.issue)) ?? [];
    await save({ feedback: [...given, ...pending] });
  }
  const feedback = await Promise.all((saved.feedback ?? []).map((item) => withReviewComments(item, thread)));
  if (feedback.some((item, index) => item !== saved.feedback?.[index])) await save({ feedback });
  const [details, comments, configText] = await Promise.all([issue.details(), issue.comments(), issue.repoConfigText()]);
  const repoConfig = parseRepoConfig(configText);
  const branch = issueBranch(repoConfig, job.issue);
  const previous = await deps.previousRun?.(job.repo, job.issue, job.id);

  const statusComment = comments.find((comment) => comment.id === (saved.commentId ?? previous?.commentId)) ?? GitHubIssue.findStatusComment(comments, botLogin);
  let statusBody = statusComment?.body;
  if (saved.round === undefined) await save({ round: nextRound(statusBody), ...(statusComment ? { commentId: statusComment.id } : {}) });
  const round = saved.round ?? 2;
  const report = async (text: string): Promise<void> => {
    if (statusBody === undefined) return;
    statusBody = withRoundLine(statusBody, round, text);
    await issue.upsertComment(saved.commentId, statusBody).catch((error: unknown) => log.warn({ err: error }, "Could not update the status comment"));
  };
  const who = describeFeedback(feedback);

  try {
    const pull = await thread.find(branch, saved.prNumber ?? feedback[0]?.prNumber ?? previous?.prNumber);
    if (!pull) {
      await dropFollowUpWorkspace({ dataDir: deps.config.dataDir, repo: job.repo, issue: job.issue });
      await report(`(${who}): not run: the pull request from ${branch} is no longer open.`);
      return { cancelled: `no open pull request from ${branch}` };
    }
    if (saved.prNumber === undefined) await save({ prNumber: pull.number, prUrl: pull.url });
    if (!deps.llm) throw new VenomError("user", "No LLM is configured; set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) and retry.");

    let checks: JobOutcome["checks"] = "none";
    let tokens = job.tokens ?? 0;
    if (saved.pushedSha === undefined && saved.noChange === undefined) {
      // CI items within `max_ci_rounds` get their failing runs' output; the others drop out with the reason.
      const gated = await gateCiFeedback(feedback, deps, { job, repoConfig, prNumber: pull.number });
      if (gated.feedback.length === 0) {
        const line = gated.statusLines.join(" ") || "nothing failed on the head commit any more";
        await report(`(${who}): ${line}`);
        return { prUrl: pull.url, checks: "none", tokens: job.tokens ?? 0, summary: `follow-up round ${round}: ${line}`.slice(0, 200) };
      }
      if (saved.ciRound === undefined) await save({ ciRound: gated.feedback.some((item) => item.kind === "ci") });
      const token = await deps.github.gitToken(job.installationId);
      const name = botLogin ?? "venom-integrator[bot]";
      const { workspace, reused } = await followUpWorkspace(
        {
          dataDir: deps.config.dataDir,
          repo: job.repo,
          issue: job.issue,
          cloneUrl: deps.github.cloneUrl(job.repo),
          token,
          refreshToken: () => deps.github.gitToken(job.installationId, { refresh: true }),
          branch,
          author: { name, email: `${name}@users.noreply.github.com` },
        },
        log,
      );
      log.info({ reused, branch }, "Follow-up workspace ready");
      // A commit an earlier attempt pushed before it crashed: the round's work is on GitHub already.
      const earlier = await workspace.findCommit("HEAD", roundTrailer(job.id));
      if (earlier) {
        await save({ pushedSha: earlier, summary: saved.summary ?? "the change pushed by an earlier attempt" });
      } else {
        if (!saved.reported) await report(`(${who}): working on it…`);
        const roundFeedback = gated.feedback;
        ({ checks, tokens } = await codeRound({ context, deps, workspace, token, branch, pullNumber: pull.number, feedback: roundFeedback, save, details, comments, botLogin, repoConfig, previousPlan: previous?.plan, thread, recorder }));
      }
    }

    // The round's commit gets its `Venom` check run: in progress while the threads are answered, then the verdict.
    const checkTarget: RunCheckTarget = { octokit: deps.github.mode === "app" ? octokit : undefined, repo: job.repo, jobId: job.id, publicUrl: deps.config.server.publicUrl, log };
    if (saved.pushedSha !== undefined && saved.checkRunId === undefined) {
      const id = await openRunCheck(checkTarget, saved.pushedSha, `Follow-up round ${round}`);
      if (id !== undefined) await save({ checkRunId: id });
    }
    const answered = await answerFeedback({
      feedback,
      checkpoint: saved,
      thread,
      prNumber: saved.prNumber ?? pull.number,
      resumed: job.attempts > 1,
      botLogin,
      onAnswered: (key) => save({ answered: [...(saved.answered ?? []), key] }),
    });
    await report(roundLine(who, saved, answered));
    await closeRunCheck(checkTarget, saved.checkRunId, {
      checks: saved.checks?.result ?? "none",
      checksSummary: saved.checks?.summary ?? "not recorded by an earlier attempt",
      checksNotRun: saved.checks?.notRun,
      pullRequestUrl: saved.prUrl ?? pull.url,
    });
    await save({ reported: true });
    const summary = saved.pushedSha ? `follow-up round ${round}: pushed ${saved.pushedSha.slice(0, 7)}` : `follow-up round ${round}: nothing to change`;
    return { prUrl: saved.prUrl ?? pull.url, checks, tokens, summary };
  } catch (error) {
    const cancelled = signal.aborted && signal.reason instanceof CancelledError;
    if (signal.aborted && !cancelled) throw error; // shutdown: the next start resumes
    const willRetry = isTransient(error) && job.attempts < deps.maxAttempts && !signal.aborted;
    await report(`(${who}): ${cancelled ? "cancelled" : willRetry ? `temporary problem, retrying: ${errorMessage(error)}` : `stopped: ${errorMessage(error)}`}`);
    if (!willRetry && saved.checkRunId !== undefined) {
      const checkTarget = { octokit, repo: job.repo, jobId: job.id, publicUrl: deps.config.server.publicUrl, log };
      await closeRunCheck(checkTarget, saved.checkRunId, {
        checks: saved.checks?.result ?? "none",
        checksSummary: saved.checks?.summary ?? "not finished",
        ...(cancelled ? { cancelled: true } : { failure: errorMessage(error) }),
      });
    }
    throw error;
  }
}

interface CodeRoundInput {
  context: JobContext;
  deps: IssueJobDependencies;
  workspace: Workspace;
  token: string;
  branch: string;
  pullNumber: number;
  feedback: FollowUpFeedback[];
  save: (patch: Partial<FollowUpCheckpoint>, tokens?: number) => Promise<void>;
  details: Awaited<ReturnType<GitHubIssue["details"]>>;
  comments: Awaited<ReturnType<GitHubIssue["comments"]>>;
  botLogin: string | undefined;
  repoConfig: RepoConfig;
  previousPlan: Plan | undefined;
  thread: PullRequestThread;
  /** The round's trace: the Coder's phases and tool calls, the checks. */
  recorder: TraceRecorder;
}

/** One Coder round (no Architect), the Guardian's checks, then exactly the model's files committed and pushed without force. */
async function codeRound(input: CodeRoundInput): Promise<{ checks: NonNullable<JobOutcome["checks"]>; tokens: number }> {
  const { context, deps, workspace, repoConfig, branch } = input;
  const { job, log, signal } = context;
  const octokit = await deps.github.forInstallation(job.installationId);
  if (repoConfig.setup.length) {
    const setup = await workspace.runSetup(repoConfig.setup, deps.checks, { signal, ...(repoConfig.image ? { image: repoConfig.image } : {}) });
    if (!setup.notRun && !setup.passed) throw permanentError(`The repository's setup commands failed: ${setup.summary}`);
  }
  const { feedback } = input;
  const issueText = await readIssueText({
    details: input.details,
    comments: input.comments,
    botLogin: input.botLogin,
    canWrite: writerCheck(deps.permissions, octokit.request as unknown as PermissionRequest, job.repo),
    triggerFingerprint: undefined,
  });
  const budget = startBudget(job, repoConfig);
  const changes = new ChangeSet();
  const agents = await runAgents({
    root: workspace.root,
    issue: issueText,
    repoConfig,
    llm: deps.llm as NonNullable<IssueJobDependencies["llm"]>,
    checks: deps.checks,
    budget,
    log,
    signal,
    // The job's step and the round's trace show the agents' phase; the run page lists every tool call (run-trace.ts).
    onPhase: (phase) => input.recorder.enterPhase(phase),
    onToolCall: (agent, name, args, result) => input.recorder.toolCall(agent, name, args, result),
    existingPlan: input.previousPlan ?? planFromFeedback(feedback),
    changes,
    followUp: followUpPrompt(feedback, await input.thread.diff(input.pullNumber)),
    // From the default branch: the pull request's branch holds the model's edits.
    instructions: cachedReader((filePath) => new GitHubIssue(octokit, job.repo, job.issue).defaultBranchFile(filePath)),
  });
  const summary = agents.coderSummary ?? "";
  input.recorder.trace.checks(agents.checks, agents.checksSummary, agents.checksOutput);
  await input.recorder.enterPhase("commit");
  await context.checkpoint({ tokens: budget.used, data: costData(budget) });

  await workspace.keepOnly(changes.entries());
  if ((await workspace.changedFiles()).length === 0) {
    await input.save({ noChange: summary || "the Coder changed nothing", summary }, budget.used);
    return { checks: agents.checks, tokens: budget.used };
  }
  const findings = scanDiffForSecrets(await workspace.diff(), [...deps.config.secrets, input.token]);
  if (findings.length) {
    const where = findings.slice(0, 3).map((finding) => `${finding.file}:${finding.line} (${finding.kind})`).join(", ");
    throw permanentError(`Refused to push: the change contains what looks like a secret at ${where}.`);
  }
  const firstLine = summary.split("\n").find((line) => line.trim() && !/^[\s*-]*#\d/.test(line))?.trim() ?? "address review feedback";
  const requester = await findRequester(job, {
    octokit,
    triggerLabels: [deps.config.triggerLabel, ...(repoConfig.label ? [repoConfig.label] : [])],
    assignee: await deps.github.assignee().catch(() => undefined),
  }).catch((error: unknown) => {
    log.warn({ err: error }, "Could not find who asked for the round; the commit names no co-author");
    return undefined;
  });
  const coAuthor = requester ? `\n${coAuthorTrailer(requester)}` : "";
  await workspace.commit(`Follow-up on #${input.pullNumber}: ${firstLine.slice(0, 60)}\n\n${summary}\n\n${roundTrailer(job.id)}${coAuthor}`);
  let published: Published;
  for (let attempt = 1; ; attempt += 1) {
    // Never a force-push: when someone pushed to the branch meanwhile, the round's commit goes on top of theirs.
    published = await publishCommit({
      workspace,
      repo: job.repo,
      branch,
      force: false,
      // App mode: through the Git Data API, so GitHub signs the round's commit too; token mode: git push.
      octokit: deps.github.mode === "app" ? octokit : undefined,
      gitToken: () => deps.github.gitToken(job.installationId),
      log,
    });
    if (!("moved" in published)) break;
    if (attempt >= PUSH_ATTEMPTS) throw permanentError(`${branch} kept moving on GitHub while Venom pushed its follow-up; comment again to retry.`);
    log.info({ branch, attempt }, "The branch moved on GitHub; rebasing the follow-up commit onto it");
    await workspace.updateBranch(branch, { keepLocalCommits: true });
  }
  const verdict = { result: agents.checks, summary: agents.checksSummary, ...(agents.checksNotRun ? { notRun: agents.checksNotRun } : {}) };
  await input.save({ pushedSha: published.sha, summary, checks: verdict }, budget.used);
  return { checks: agents.checks, tokens: budget.used };
}

/**
 * Each CI item asks whether it gets a round (within `max_ci_rounds`, with failures to fix) and comes back with its
 * failing runs' output and logs, read now so the Coder sees the latest; review items pass as they are.
 */
async function gateCiFeedback(
  feedback: FollowUpFeedback[],
  deps: IssueJobDependencies,
  where: { job: Job; repoConfig: RepoConfig; prNumber: number },
): Promise<{ feedback: FollowUpFeedback[]; statusLines: string[] }> {
  const kept: FollowUpFeedback[] = [];
  const statusLines: string[] = [];
  const { job, repoConfig, prNumber } = where;
  for (const item of feedback) {
    if (item.kind !== "ci") kept.push(item);
    else if (item.awaitingApproval?.length) statusLines.push(awaitingApprovalLine(item.headSha, item.awaitingApproval));
    else if (deps.ciRound) {
      const decision = await deps.ciRound({ job, feedback: item, repoConfig, prNumber, installationId: job.installationId });
      if (decision.proceed) kept.push(decision.feedback);
      else if (decision.statusLine) statusLines.push(decision.statusLine);
    } else if (deps.ciFailures && item.failures.length === 0) {
      kept.push({ ...item, failures: await deps.ciFailures(item, { repo: job.repo, ...(job.installationId !== undefined ? { installationId: job.installationId } : {}) }) });
    } else kept.push(item);
  }
  return { feedback: kept, statusLines };
}

/** A review's inline comments are not in its webhook: read once, when the round takes its feedback. */
async function withReviewComments(item: FollowUpFeedback, thread: PullRequestThread): Promise<FollowUpFeedback> {
  if (item.kind !== "review" || item.reviewId === undefined || item.inlineComments.length > 0) return item;
  const inlineComments = await thread.reviewComments(item.prNumber, item.reviewId);
  return inlineComments.length ? { ...item, inlineComments } : item;
}

/** "review by @alice", "review by @alice and @bob", "CI: test failed". */
function describeFeedback(feedback: FollowUpFeedback[]): string {
  const reviewers = [...new Set(feedback.flatMap((item) => (item.kind === "review" ? [`@${item.author}`] : [])))];
  const ciItems = feedback.flatMap((item) => (item.kind === "ci" ? [item] : []));
  const ci = ciItems.filter((item) => !item.awaitingApproval?.length);
  const waiting = ciItems.filter((item) => item.awaitingApproval?.length);
  const parts = [];
  if (reviewers.length) parts.push(`review by ${reviewers.join(" and ")}`);
  if (ci.length) parts.push(`CI failure on ${ci.map((item) => item.headSha.slice(0, 7)).join(", ")}`);
  if (waiting.length) parts.push(`CI awaiting approval on ${waiting.map((item) => item.headSha.slice(0, 7)).join(", ")}`);
  return parts.join("; ") || "follow-up";
}
