// The Issue-to-PR job: Integrator intake → Architect → Coder → Guardian → Integrator finalize, resumable.
import type { Logger } from "pino";
import type { VenomConfig } from "../config/env.js";
import { parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { errorMessage, isTransient, permanentError, transientError, VenomError } from "../errors.js";
import type { GitHubClients } from "../github/clients.js";
import type { Permission } from "../intake/decide.js";
import { isWriter } from "../intake/decide.js";
import type { PermissionCache, PermissionRequest } from "../intake/permissions.js";
import type { LlmClient } from "../llm/client.js";
import type { LoopTool } from "../llm/tool-loop.js";
import { createMasker } from "../log.js";
import type { JobOutcome } from "../queue/types.js";
import type { JobContext, JobHandler } from "../queue/worker.js";
import type { Notifier } from "../skills/notify/notifier.js";
import { runAgents, type AgentsResult, type Plan } from "./agents.js";
import { GitHubIssue, type IssueComment, type IssueDetails } from "./github-issue.js";
import type { CheckRunner } from "./guardian.js";
import type { IssueText } from "./prompts.js";
import { renderPullRequestBody } from "./pull-request.js";
import { scanDiffForSecrets } from "./secret-scan.js";
import { unconfirmedEditError } from "./unconfirmed-edit.js";
import { renderStatus, type StatusView } from "./status-comment.js";
import { ChangeSet } from "./tools/change-set.js";
import { Workspace } from "./workspace/workspace.js";

export interface IssueJobDependencies {
  config: VenomConfig;
  github: GitHubClients;
  /** Undefined when no LLM is configured: jobs then fail with what to set. */
  llm: LlmClient | undefined;
  checks: CheckRunner;
  notifier: Notifier;
  permissions: PermissionCache;
  botLogin: () => Promise<string | undefined>;
  /** Extra Architect tools from the skills (web_search, hf_search), when configured. */
  architectTools?: () => LoopTool[];
  /** Called once a pull request is open (e.g. a "Review PR #N" event on the Venom calendar); failures are logged only. */
  afterPullRequest?: (pull: { repo: string; issue: number; prNumber: number; prUrl: string }) => Promise<void>;
  /** The plan of the issue's last plan-only run (`/venom plan`, `require_plan_approval`), which a `/venom fix` applies. */
  approvedPlan?: (repo: string, issue: number, currentJobId: string) => Promise<Plan | undefined>;
  /** Anti-loop: a cap on runs per issue per hour (the traffic layer). */
  runGuard?: { allowRun(repo: string, issue: number): { allowed: boolean; runsInWindow: number; retryAfterSeconds: number } };
  /** Attempts the worker makes before a transient failure is final (for the status comment's wording). */
  maxAttempts: number;
  log: Logger;
}

/** What a job stores between attempts, so a resumed run skips finished work. */
interface Checkpoint {
  commentId?: number;
  reacted?: boolean;
  plan?: Plan;
  prNumber?: number;
  prUrl?: string;
  /** Set when the run stopped after planning, so a later `/venom fix` can apply its plan. */
  planOnly?: boolean;
  /** The `/venom` comment that started the run: 👀 goes on it. */
  triggerCommentId?: number;
  /** The issue's title and body as the trigger saw them (set at intake), to notice an outsider's later edit. */
  triggerTextFingerprint?: string;
}

export function createIssueJobHandler(deps: IssueJobDependencies): JobHandler {
  return (context) => new IssueRun(deps, context).run();
}

class IssueRun {
  readonly #deps: IssueJobDependencies;
  readonly #context: JobContext;
  readonly #log: Logger;
  readonly #status: StatusView;
  #checkpoint: Checkpoint;
  #issue: GitHubIssue | undefined;

  constructor(deps: IssueJobDependencies, context: JobContext) {
    this.#deps = deps;
    this.#context = context;
    this.#log = context.log;
    this.#checkpoint = { ...(context.job.data as Checkpoint) };
    this.#status = { steps: { queued: "done", planning: "running" }, jobId: context.job.id };
  }

  async run(): Promise<JobOutcome> {
    try {
      return await this.#run();
    } catch (error) {
      await this.#reportFailure(error);
      throw error;
    }
  }

  async #run(): Promise<JobOutcome> {
    const { job, signal } = this.#context;
    const { config, github, llm } = this.#deps;
    const octokit = await github.forInstallation(job.installationId);
    // What the run publishes (status comment, pull request) carries model text and checks' output: masked there.
    const issue = new GitHubIssue(octokit, job.repo, job.issue, { mask: createMasker(config.secrets) });
    this.#issue = issue;

    // Integrator: intake. Events arrive late and out of order: the issue is read again, and a trigger that no
    // longer holds (label removed, unassigned, issue closed) starts nothing, not even a comment.
    await this.#step("intake");
    const details = await issue.details();
    let configText: Promise<string | undefined> | undefined;
    const readConfigText = () => (configText ??= issue.repoConfigText());
    const gone = await this.#triggerGone(details, readConfigText);
    if (gone) return this.#dropStale(gone);

    // Anti-loop: a new run (not a resumed attempt) counts against the issue's hourly cap.
    if (job.attempts === 1 && this.#deps.runGuard) {
      const decision = this.#deps.runGuard.allowRun(job.repo, job.issue);
      if (!decision.allowed) {
        throw transientError(
          `Issue #${job.issue} already had ${decision.runsInWindow} runs in the last hour (VENOM_RUNS_PER_ISSUE_PER_HOUR); waiting ${decision.retryAfterSeconds} s.`,
          { retryAfterSeconds: decision.retryAfterSeconds },
        );
      }
    }

    const comments = await issue.comments();
    const botLogin = await this.#deps.botLogin();
    this.#checkpoint.commentId ??= GitHubIssue.findStatusComment(comments, botLogin)?.id;
    let repoConfig: RepoConfig;
    try {
      repoConfig = parseRepoConfig(await readConfigText());
    } finally {
      // The status comment goes up even when the config is bad: the failure report edits it.
      await this.#publish();
    }
    if (!this.#checkpoint.reacted) {
      // A reaction is a courtesy: a GitHub that refuses it must not stop the run.
      await issue.react("eyes", this.#checkpoint.triggerCommentId).catch((error: unknown) => this.#log.warn({ err: error }, "Could not react 👀 on the issue"));
      await this.#save({ reacted: true });
    }
    if (details.isPullRequest) throw new VenomError("user", `#${job.issue} is a pull request; Venom works on issues.`);
    if (!llm) throw new VenomError("user", "No LLM is configured; set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) and retry.");
    const issueText = await this.#issueText(details, comments, botLogin, octokit.request as unknown as PermissionRequest);

    const token = await github.gitToken(job.installationId);
    const workspace = await Workspace.clone({
      dataDir: config.dataDir,
      repo: job.repo,
      cloneUrl: github.cloneUrl(job.repo),
      token,
      // A token GitHub refuses as expired or revoked (401) is replaced once, whatever command meets it.
      refreshToken: () => github.gitToken(job.installationId, { refresh: true }),
      ...(repoConfig.base ? { branch: repoConfig.base } : {}),
      jobId: job.id,
      author: commitAuthor(botLogin),
    });
    try {
      const base = repoConfig.base ?? (await workspace.currentBranch());
      const branch = `${repoConfig.branchPrefix}${job.issue}`;
      await workspace.checkoutBranch(branch);
      if (repoConfig.setup.length) {
        const setup = await workspace.runSetup(repoConfig.setup, this.#deps.checks, {
          signal,
          ...(repoConfig.image ? { image: repoConfig.image } : {}),
        });
        // Without isolation the checks cannot run either; the run goes on to a draft pull request.
        if (setup.notRun) this.#log.warn({ reason: setup.notRun }, "Setup commands not run");
        else if (!setup.passed) throw permanentError(`The repository's setup commands failed: ${setup.summary}`);
      }

      // Architect, Coder, Guardian
      // Only a maintainer's `/venom fix` skips `require_plan_approval`: label, assign, poll, retry and api runs stop at the plan.
      const planOnly = job.command === "plan" || (repoConfig.requirePlanApproval && job.trigger !== "comment");
      // A maintainer's `/venom fix` after a plan-only run applies the plan they reviewed.
      if (!planOnly && !this.#checkpoint.plan && job.trigger === "comment" && this.#deps.approvedPlan) {
        const approved = await this.#deps.approvedPlan(job.repo, job.issue, job.id);
        if (approved) {
          await this.#save({ plan: approved });
          this.#status.plan = approved;
          this.#status.steps.planning = "done";
          this.#log.info("Applying the plan posted by the previous plan-only run");
        }
      }
      const budget = { used: job.tokens ?? 0, max: repoConfig.maxTokens };
      const changes = new ChangeSet();
      const result = await runAgents({
        root: workspace.root,
        issue: issueText,
        repoConfig,
        llm,
        checks: this.#deps.checks,
        budget,
        changes,
        log: this.#log,
        signal,
        extraArchitectTools: this.#deps.architectTools?.() ?? [],
        ...(this.#checkpoint.plan ? { existingPlan: this.#checkpoint.plan } : {}),
        planOnly,
        onPhase: (phase) => this.#step(phase),
        onPlan: async (plan) => {
          this.#status.plan = plan;
          this.#status.steps.planning = "done";
          if (!planOnly) this.#status.steps.coding = "running";
          await this.#save({ plan }, budget.used);
          await this.#publish();
        },
      });
      this.#status.tokens = budget.used;
      this.#status.plan = result.plan;
      if (planOnly) return await this.#finishPlanOnly(result, budget.used);

      // Integrator: finalize
      this.#status.steps.coding = "done";
      this.#status.steps.validating = result.checks === "failed" ? "failed" : result.checks === "none" ? "skipped" : "done";
      this.#status.checks = { result: result.checks, summary: result.checksSummary };
      if (result.isolation) this.#status.isolation = result.isolation;
      // Only what the model wrote through its tools is committed; setup's and checks' leftovers go.
      await workspace.keepOnly(changes.entries());
      const changed = await workspace.changedFiles();
      if (changed.length === 0) {
        throw permanentError("The Coder made no change to the code, so there is no pull request; add detail to the issue and /venom retry.");
      }
      const findings = scanDiffForSecrets(await workspace.diff(), [...config.secrets, token]);
      if (findings.length) {
        const where = findings.slice(0, 3).map((finding) => `${finding.file}:${finding.line} (${finding.kind})`).join(", ");
        throw permanentError(`Refused to push: the change contains what looks like a secret at ${where}.`);
      }
      this.#status.steps.pull_request = "running";
      await this.#publish();
      await workspace.commit(`Fix #${job.issue}: ${details.title}\n\n${result.plan.summary}\n\nCloses #${job.issue}`);
      // The clone's token may be near its end after a long run: push with one that has minutes to spare.
      await workspace.push(branch, await github.gitToken(job.installationId));
      const draft = (result.checks === "failed" && repoConfig.draftOnFailure) || result.checksNotRun !== undefined;
      const pull = await issue.openOrUpdatePullRequest({
        branch,
        base,
        title: `Fix #${job.issue}: ${details.title}`,
        body: renderPullRequestBody({ issue: job.issue, result, changedFiles: changed, tokens: budget.used, jobId: job.id }),
        draft,
        ...(this.#checkpoint.prNumber ? { knownNumber: this.#checkpoint.prNumber } : {}),
      });
      await this.#save({ prNumber: pull.number, prUrl: pull.url }, budget.used);
      this.#status.steps.pull_request = "done";
      this.#status.prUrl = pull.url;
      this.#status.outcome = {
        kind: "success",
        message: `${pull.created ? "Opened" : "Updated"} ${draft ? "draft " : ""}pull request ${pull.url} (checks ${result.checks}).`,
      };
      await this.#publish();
      await this.#notify({
        title: `Pull Request ready for review: ${job.repo}#${job.issue}`,
        message: `${details.title} — checks ${result.checks}`,
        status: result.checks === "failed" ? "failure" : "success",
        url: pull.url,
        prUrl: pull.url,
        issueUrl: details.htmlUrl,
      });
      if (pull.created && this.#deps.afterPullRequest) {
        await this.#deps
          .afterPullRequest({ repo: job.repo, issue: job.issue, prNumber: pull.number, prUrl: pull.url })
          .catch((error: unknown) => this.#log.warn({ err: error }, "After-PR hook failed; the run still succeeded"));
      }
      return { prUrl: pull.url, checks: result.checks, tokens: budget.used, summary: `pull request ${pull.url}` };
    } finally {
      await workspace.remove().catch((error: unknown) => this.#log.warn({ err: error }, "Could not remove the workspace"));
    }
  }

  /**
   * Why the job's trigger no longer holds, or undefined when it does. Label and poll runs need the trigger label
   * (VENOM_TRIGGER_LABEL or the repository's own `label:`; a polled issue may be assigned instead), assign runs
   * the assignee; every run an open issue. Comment, retry and API runs were asked for by name: open is enough.
   */
  async #triggerGone(details: IssueDetails, readConfigText: () => Promise<string | undefined>): Promise<string | undefined> {
    const { job } = this.#context;
    if (details.state !== "open") return `issue #${job.issue} is ${details.state}`;
    const includes = (names: string[], name: string | undefined) =>
      name !== undefined && names.some((entry) => entry.toLowerCase() === name.toLowerCase());
    const labelled = async (): Promise<string | undefined> => {
      const globalLabel = this.#deps.config.triggerLabel;
      if (includes(details.labels, globalLabel)) return undefined;
      let repoLabel: string | undefined;
      try {
        repoLabel = parseRepoConfig(await readConfigText()).label;
      } catch (error) {
        // A broken venom.yml names no label of its own (and the run would stop on it anyway).
        if (!(error instanceof VenomError) || error.kind === "transient") throw error;
      }
      if (includes(details.labels, repoLabel)) return undefined;
      return `label ${[globalLabel, repoLabel].filter(Boolean).join(" or ")} removed`;
    };
    const unassigned = async (): Promise<string | undefined> => {
      const assignee = await this.#deps.github.assignee();
      if (assignee === undefined) return "no VENOM_ASSIGNEE is set";
      return includes(details.assignees, assignee) ? undefined : `${assignee} unassigned`;
    };
    switch (job.trigger) {
      case "label":
        return labelled();
      case "assign":
        return unassigned();
      case "poll": {
        // The poller finds labelled issues and assigned ones: either still holding is enough.
        const label = await labelled();
        if (!label) return undefined;
        const assignee = await this.#deps.github.assignee();
        if (assignee === undefined) return label;
        return includes(details.assignees, assignee) ? undefined : `${label} and ${assignee} unassigned`;
      }
      default:
        return undefined;
    }
  }

  /** Ends the job without a run; a resumed job that already showed a status comment says why it stopped there. */
  async #dropStale(reason: string): Promise<JobOutcome> {
    this.#log.info({ trigger: this.#context.job.trigger, reason }, "The trigger no longer holds; the job ends without a run");
    if (this.#checkpoint.commentId !== undefined) {
      this.#status.steps.planning = "skipped";
      this.#status.outcome = { kind: "cancelled", message: `Stopped: the trigger no longer holds (${reason}).` };
      await this.#publish();
    }
    return { cancelled: `trigger no longer holds: ${reason}` };
  }

  async #finishPlanOnly(result: AgentsResult, tokens: number): Promise<JobOutcome> {
    this.#status.steps.coding = "skipped";
    this.#status.steps.validating = "skipped";
    this.#status.steps.pull_request = "skipped";
    this.#status.outcome = { kind: "waiting", message: "Plan ready. Comment `/venom fix` to apply it." };
    await this.#save({ planOnly: true });
    await this.#publish();
    return { checks: "none", tokens, summary: `plan only: ${result.plan.summary.slice(0, 120)}` };
  }

  async #issueText(
    details: IssueDetails,
    comments: IssueComment[],
    botLogin: string | undefined,
    request: PermissionRequest,
  ): Promise<IssueText> {
    const trust = new Map<string, Promise<boolean>>();
    const trusted = (author: string, association: string) => {
      if (association === "OWNER") return Promise.resolve(true);
      // Only members and collaborators can have write access: others need no lookup.
      if (association !== "MEMBER" && association !== "COLLABORATOR") return Promise.resolve(false);
      let known = trust.get(author);
      if (!known) {
        known = this.#deps.permissions
          .lookup(request, this.#context.job.repo, author)
          .then((permission: Permission) => isWriter(permission))
          .catch(() => false);
        trust.set(author, known);
      }
      return known;
    };
    const human = comments.filter((comment) => comment.authorType !== "Bot" && comment.author !== botLogin);
    const authorTrusted = await trusted(details.author, details.authorAssociation);
    // Before any model call: text an outsider changed after a maintainer asked for the run is not run on.
    // A retry (a writer's `/venom retry`, or the dashboard's operator) asks for a run on the text as it is now.
    const fingerprint = this.#context.job.trigger === "retry" ? undefined : this.#checkpoint.triggerTextFingerprint;
    const unconfirmed = unconfirmedEditError(fingerprint, details, authorTrusted);
    if (unconfirmed) throw unconfirmed;
    return {
      number: details.number,
      title: details.title,
      body: details.body,
      author: details.author,
      trusted: authorTrusted,
      comments: await Promise.all(
        human.map(async (comment) => ({
          author: comment.author,
          body: comment.body,
          trusted: await trusted(comment.author, comment.authorAssociation),
        })),
      ),
    };
  }

  async #step(step: string): Promise<void> {
    await this.#context.checkpoint({ step });
  }

  async #save(patch: Checkpoint, tokens?: number): Promise<void> {
    this.#checkpoint = { ...this.#checkpoint, ...patch };
    await this.#context.checkpoint({ data: { ...patch }, ...(tokens !== undefined ? { tokens } : {}) });
  }

  async #publish(): Promise<void> {
    if (!this.#issue) return;
    const id = await this.#issue.upsertComment(this.#checkpoint.commentId, renderStatus(this.#status));
    if (id !== this.#checkpoint.commentId) await this.#save({ commentId: id });
  }

  async #notify(event: Parameters<Notifier["send"]>[0]): Promise<void> {
    const results = await this.#deps.notifier.send({ ...event, repo: this.#context.job.repo, issue: this.#context.job.issue });
    const failed = results.filter((result) => !result.ok);
    if (failed.length) {
      await this.#context.checkpoint({
        data: { notificationErrors: failed.map((result) => `${result.channel}: ${result.error ?? "failed"}`) },
      });
    }
  }

  /** The status comment says why the run stopped; a final failure gets 😕 and a notification. */
  async #reportFailure(error: unknown): Promise<void> {
    const { job, signal } = this.#context;
    const cancelled = signal.aborted && /cancel/i.test(errorMessage(signal.reason));
    const willRetry = isTransient(error) && job.attempts < this.#deps.maxAttempts && !signal.aborted;
    const message = errorMessage(error);
    for (const [step, state] of Object.entries(this.#status.steps)) {
      if (state === "running") this.#status.steps[step as keyof StatusView["steps"]] = cancelled ? "skipped" : "failed";
    }
    this.#status.outcome = cancelled
      ? { kind: "cancelled", message: "Cancelled by `/venom cancel`." }
      : willRetry
        ? { kind: "waiting", message: `Temporary problem: ${message} Venom will retry automatically.` }
        : { kind: "failure", message: `Stopped: ${message}` };
    if (signal.aborted && !cancelled) return; // shutdown: the next start resumes
    try {
      await this.#publish();
      if (!willRetry && !cancelled) {
        await this.#issue?.react("confused").catch((error: unknown) => this.#log.warn({ err: error }, "Could not react 😕"));
        await this.#notify({
          title: `Venom could not fix ${job.repo}#${job.issue}`,
          message,
          status: "failure",
        });
      }
    } catch (reportError) {
      this.#log.warn({ err: reportError }, "Could not report the failure on the issue");
    }
  }
}

function commitAuthor(botLogin: string | undefined): { name: string; email: string } {
  const name = botLogin ?? "venom-integrator[bot]";
  return { name, email: `${name}@users.noreply.github.com` };
}
