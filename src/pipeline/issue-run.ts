// One attempt of the Issue-to-PR run: the job, its checkpoint, and what its steps hand on to the next.
import type { Logger } from "pino";
import type { RepoConfig } from "../config/repo-config.js";
import type { Octokit } from "../github/clients.js";
import type { LlmClient } from "../llm/client.js";
import type { TokenBudget } from "../llm/tokens.js";
import type { Job } from "../queue/types.js";
import type { JobContext } from "../queue/worker.js";
import type { AgentsResult } from "./agents.js";
import type { GitHubIssue, IssueDetails } from "./github-issue.js";
import type { InstructionReader } from "./instruction-files.js";
import type { IssueText } from "./prompts.js";
import { costData, spendView } from "./run-cost.js";
import { savedCheckpoint, type AttemptProgress, type PipelineStep, type RunCheckpoint, type RunEnding, type SavedCheckpoint } from "./run-checkpoint.js";
import { RUN_TRACE_KEY, type RunTrace, type TracedToolCall } from "./run-trace.js";
import { renderStatus } from "./status-comment.js";
import { statusView } from "./status-view.js";
import { TraceRecorder } from "./trace-recorder.js";
import type { ChangeSet } from "./tools/change-set.js";
import type { BranchOrigin, GitAuthor, Workspace } from "./workspace/workspace.js";

/** What one step hands the next within an attempt: live objects and fresh reads, never saved. */
export interface RunArtifacts {
  /** The installation's (or token's) GitHub client. */
  octokit: Octokit;
  issue: GitHubIssue;
  details: IssueDetails;
  repoConfig: RepoConfig;
  issueText: IssueText;
  llm: LlmClient;
  /** The identity of the app's commits: its bot login. */
  author: GitAuthor;
  workspace: Workspace;
  /** The token the workspace was cloned with: the secret scan looks for it too. */
  cloneToken: string;
  branch: string;
  /** Where the branch came from: "remote" when GitHub had it already (an earlier attempt pushed it). */
  branchOrigin: BranchOrigin;
  base: string;
  budget: TokenBudget;
  /** What the Coder's tools wrote: the commit holds exactly these paths. */
  changes: ChangeSet;
  agents: AgentsResult;
  /** Reads the maintainers' instruction files from the base branch's commit (never the model's edits), once per path. */
  instructions: InstructionReader;
}

export class IssueRun {
  readonly job: Job;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly checkpoint: RunCheckpoint;
  readonly artifacts: Partial<RunArtifacts> = {};
  /** What the dashboard's run page shows (steps, tool calls, checks), saved with the job's step changes. */
  readonly trace: RunTrace;
  readonly #context: JobContext;
  readonly #recorder: TraceRecorder;

  /** `mask` hides the app's secrets in what the trace keeps (createMasker(config.secrets)): the dashboard shows it. */
  constructor(context: JobContext, mask?: (text: string) => string) {
    this.#context = context;
    this.job = context.job;
    this.signal = context.signal;
    this.log = context.log;
    const { [RUN_TRACE_KEY]: _savedTrace, ...saved } = context.job.data;
    this.checkpoint = { ...savedCheckpoint(saved), attempt: { step: "intake" } };
    this.#recorder = new TraceRecorder(context, mask);
    this.trace = this.#recorder.trace;
  }

  /** What an earlier step produced; a step asking for what no step made yet is a bug in the step order. */
  need<Key extends keyof RunArtifacts>(key: Key): RunArtifacts[Key] {
    const value = this.artifacts[key];
    if (value === undefined) throw new Error(`Pipeline step "${this.checkpoint.attempt.step}" needs ${key}, which no earlier step made.`);
    return value as RunArtifacts[Key];
  }

  /** Starts a step: the job's `step` names it. */
  async enter(step: PipelineStep): Promise<void> {
    this.checkpoint.attempt.step = step;
    await this.#recorder.enterStep(step);
  }

  /** Names what the run does now on the job (the agents' planning, coding, validating). */
  async phase(name: string): Promise<void> {
    await this.#recorder.enterPhase(name);
  }

  /** A tool call of the agents: traced, and saved now and then between step changes (trace-recorder.ts). */
  recordToolCall(agent: TracedToolCall["agent"], name: string, args: string, result: string): void {
    this.#recorder.toolCall(agent, name, args, result);
  }

  /** The attempt is over: the open step ends and the trace is saved (a lost lease makes this a no-op). */
  async finishTrace(): Promise<void> {
    await this.#recorder.finish();
  }

  /** Records progress of this attempt (memory only: see AttemptProgress). */
  record(progress: Partial<AttemptProgress>): void {
    Object.assign(this.checkpoint.attempt, progress);
  }

  /** Ends the attempt: no later step runs. */
  end(ending: RunEnding): void {
    this.record({ ending });
  }

  /** Records what a resumed attempt needs, in memory and in the job; `tokens` is the run's total so far. */
  async save(patch: SavedCheckpoint, tokens?: number): Promise<void> {
    Object.assign(this.checkpoint, patch);
    // The cost rides along with the tokens, so the job record and a resumed attempt know it.
    const cost = tokens !== undefined ? costData(this.artifacts.budget) : {};
    await this.#context.checkpoint({ data: { ...patch, ...cost }, ...(tokens !== undefined ? { tokens } : {}) });
  }

  /** Writes the status comment from the checkpoint, creating it when the run has none yet. */
  async publish(): Promise<void> {
    const issue = this.artifacts.issue;
    if (!issue) return;
    // Tokens and cost come from the live budget, so the comment shows the spend so far, not the last save's.
    const view = { ...statusView(this.checkpoint, this.job.id), ...spendView(this.artifacts.budget) };
    const id = await issue.upsertComment(this.checkpoint.commentId, renderStatus(view));
    if (id !== this.checkpoint.commentId) await this.save({ commentId: id });
  }
}
