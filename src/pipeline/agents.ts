// Architect → Coder → Guardian on a workspace: the GitHub-free core shared by jobs and `venom fix`.
import type { Logger } from "pino";
import { z } from "zod";
import type { RepoConfig } from "../config/repo-config.js";
import { permanentError } from "../errors.js";
import type { LlmClient } from "../llm/client.js";
import type { TokenBudget } from "../llm/tokens.js";
import { defineTool, withContext, type Tool } from "../llm/tool.js";
import { runToolLoop, type ToolLoopResult } from "../llm/tool-loop.js";
import type { CheckRun, CheckRunner } from "./guardian.js";
import {
  architectSystemPrompt,
  architectUserPrompt,
  checksFailedPrompt,
  coderSystemPrompt,
  coderUserPrompt,
  type IssueText,
  type PlanRevision,
} from "./prompts.js";
import { instructionGuidance, trackedAgentsFiles, type InstructionReader } from "./instruction-files.js";
import { buildRepoMap } from "./repo-map.js";
import type { ChangeSet } from "./tools/change-set.js";
import { architectTools, coderTools, type ToolContext } from "./tools/index.js";

export interface Plan {
  summary: string;
  steps: string[];
  files: string[];
}

export type ChecksResult = "passed" | "failed" | "none";

export interface AgentsInput {
  root: string;
  issue: IssueText;
  repoConfig: RepoConfig;
  llm: LlmClient;
  checks: CheckRunner;
  budget: TokenBudget;
  log: Logger;
  signal?: AbortSignal;
  /** Extra read-only tools for the Architect (web_search, hf_search) when those skills are configured. */
  extraArchitectTools?: Tool[];
  /** A plan from an earlier attempt of the same run: planning is skipped. */
  existingPlan?: Plan;
  /** Called once the plan exists (checkpoint it, show it in the status comment). */
  onPlan?(plan: Plan): Promise<void>;
  /** Called before each phase, for progress (status comment, TTY). */
  onPhase?(phase: "planning" | "coding" | "validating"): Promise<void>;
  /** `/venom revise`: the Architect plans again from its previous plan and the maintainer's request. */
  revision?: PlanRevision;
  /** Stop after planning (`/venom plan`, `require_plan_approval`). */
  planOnly?: boolean;
  /** Per check command. */
  checkTimeoutMs?: number;
  /** Records what the Coder's tools wrote: the commit holds exactly these paths. */
  changes?: ChangeSet;
  /** Reads the maintainers' instruction files from the trusted revision (never the branch the model edits). */
  instructions?: InstructionReader;
  /** Called with the instruction files that reached a prompt (the status comment lists them). */
  onInstructions?(paths: string[]): Promise<void> | void;
  /** Every tool call of the Architect and the Coder, in order, with its whole result (the run's trace). */
  onToolCall?(agent: "architect" | "coder", name: string, args: string, result: string): void;
  /** A follow-up round's request (review text, inline comments, CI failures, the PR's diff): the Coder addresses it. */
  followUp?: string;
}

export interface AgentsResult {
  plan: Plan;
  /** Set unless planOnly. */
  coderSummary?: string;
  checks: ChecksResult;
  checksSummary: string;
  checksOutput: string;
  /** Where the checks ran ("bubblewrap, no network"), or why they could not run at all. */
  isolation?: string;
  /** Set when no isolation was available, so the checks never ran: the pull request must be a draft. */
  checksNotRun?: string;
  promptTokens: number;
  completionTokens: number;
}

const planSchema = z.object({
  summary: z.string().trim().min(1, "summary must not be empty").describe("What is wrong and how the fix works"),
  steps: z.array(z.string().trim().min(1)).min(1, "give at least one step").describe("Concrete edits, in order"),
  files: z.array(z.string().trim().min(1)).default([]).describe("Files to change or create"),
});
const finishSchema = z.object({ summary: z.string().trim().min(1, "summary must not be empty").describe("What was changed and why") });

/** Ends planning; the loop hands its arguments back, parsed again with `planSchema`. */
const submitPlanTool = defineTool({
  name: "submit_plan",
  description: "Submit the fix plan; this ends planning.",
  schema: planSchema,
  readOnly: true,
  run: async () => "Accepted.",
});

/** Ends coding; the loop hands its arguments back, parsed again with `finishSchema`. */
const finishTool = defineTool({
  name: "finish",
  description: "Declare the change complete, with a one-paragraph summary; this ends coding.",
  schema: finishSchema,
  readOnly: true,
  run: async () => "Accepted.",
});
/** What `run_checks` answers with `checks: ci`. */
export const CI_CHECKS_NOTE =
  "The checks of this repository run on its CI after the pull request opens (checks: ci); they cannot run here. Review your change with read_file and finish.";
/** Extra Coder rounds after the final checks fail, while iterations and tokens last. */
const REPAIR_ROUNDS = 2;

export async function runAgents(input: AgentsInput): Promise<AgentsResult> {
  const { repoConfig, budget, log } = input;
  let promptTokens = 0;
  let completionTokens = 0;
  const count = (result: ToolLoopResult) => {
    promptTokens += result.promptTokens;
    completionTokens += result.completionTokens;
  };
  const runChecks = (): Promise<CheckRun> =>
    input.checks.runCommands(repoConfig.checks, {
      cwd: input.root,
      ...(repoConfig.image ? { image: repoConfig.image } : {}),
      ...(input.checkTimeoutMs ? { timeoutMs: input.checkTimeoutMs } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
  const context: ToolContext = {
    root: input.root,
    protectedPaths: repoConfig.protectedPaths,
    ...(input.changes ? { changes: input.changes } : {}),
    // `checks: ci`: nothing runs here; the Coder is told the repository's CI judges the change once the PR is open.
    ...(repoConfig.ciChecks
      ? { runChecks: async () => CI_CHECKS_NOTE }
      : {}),
    ...(repoConfig.checks.length
      ? {
          runChecks: async () => {
            const run = await runChecks();
            return run.notRun ? `Error: the checks cannot run on this host (${run.notRun}); review your change with read_file and finish.` : formatChecks(run);
          },
        }
      : {}),
  };
  const loop = {
    llm: input.llm,
    ...(repoConfig.model ? { model: repoConfig.model } : {}),
    tokenBudget: budget,
    log,
    ...(input.signal ? { signal: input.signal } : {}),
  };

  // Architect
  let plan = input.existingPlan;
  if (!plan) {
    await input.onPhase?.("planning");
    const extra = input.extraArchitectTools ?? [];
    const repoMap = await buildRepoMap(input.root, { maxTokens: 2_500 });
    // No plan yet: the root instruction file and every nested AGENTS.md may apply.
    const guidance = input.instructions ? await guidanceFor(input, await trackedAgentsFiles(input.root)) : undefined;
    const result = await runToolLoop({
      ...loop,
      system: architectSystemPrompt(extra.map((tool) => tool.name)),
      user: architectUserPrompt({
        issue: input.issue,
        repoMap,
        checks: repoConfig.checks,
        ...(input.revision ? { revision: input.revision } : {}),
        ...(guidance ? { guidance } : {}),
      }),
      tools: [...withContext(architectTools, context), ...extra, submitPlanTool],
      finishTool: "submit_plan",
      ...(input.onToolCall ? { onToolCall: (name: string, args: string, output: string) => input.onToolCall?.("architect", name, args, output) } : {}),
      maxIterations: Math.max(3, Math.ceil(repoConfig.maxIterations / 2)),
    });
    count(result);
    if (!result.finished) throw permanentError(`The Architect made no plan: ${stopReason(result, budget)}.`);
    plan = planSchema.parse(result.finishArguments);
    await input.onPlan?.(plan);
  }
  if (input.planOnly) {
    return { plan, checks: "none", checksSummary: "not run (plan only)", checksOutput: "", promptTokens, completionTokens };
  }

  // Coder, then the Guardian's final checks; failures go back to the Coder while the budget lasts.
  await input.onPhase?.("coding");
  let iterationsLeft = repoConfig.maxIterations;
  // The nested AGENTS.md files above the plan's files apply to the Coder's edits.
  const coderGuidance = await guidanceFor(input, plan.files);
  const coderPrompt = () =>
    coderUserPrompt({
      issue: input.issue,
      plan,
      checks: repoConfig.checks,
      ...(input.followUp ? { followUp: input.followUp } : {}),
      ...(coderGuidance ? { guidance: coderGuidance } : {}),
    });
  let user = coderPrompt();
  let coderSummary = "";
  for (let round = 0; ; round += 1) {
    const result = await runToolLoop({
      ...loop,
      system: coderSystemPrompt(),
      user,
      tools: [...withContext(coderTools, context), finishTool],
      finishTool: "finish",
      ...(input.onToolCall ? { onToolCall: (name: string, args: string, output: string) => input.onToolCall?.("coder", name, args, output) } : {}),
      maxIterations: iterationsLeft,
    });
    count(result);
    iterationsLeft -= result.iterations;
    if (!result.finished) throw permanentError(`The Coder did not finish: ${stopReason(result, budget)}.`);
    coderSummary = finishSchema.parse(result.finishArguments).summary;

    await input.onPhase?.("validating");
    if (repoConfig.checks.length === 0) {
      const checksSummary = repoConfig.ciChecks ? "run on the repository's CI once the pull request is open" : "no checks configured";
      return { plan, coderSummary, checks: "none", checksSummary, checksOutput: "", promptTokens, completionTokens };
    }
    const checks = await runChecks();
    if (checks.notRun) {
      log.warn({ reason: checks.notRun }, "Guardian's checks could not run");
      return {
        plan,
        coderSummary,
        checks: "none",
        checksSummary: checks.notRun,
        checksOutput: "",
        isolation: checks.isolation,
        checksNotRun: checks.notRun,
        promptTokens,
        completionTokens,
      };
    }
    if (checks.passed || round >= REPAIR_ROUNDS || iterationsLeft < 2 || budget.used >= budget.max) {
      log.info({ passed: checks.passed, round }, "Guardian's checks finished");
      return {
        plan,
        coderSummary,
        checks: checks.passed ? "passed" : "failed",
        checksSummary: checks.summary,
        checksOutput: formatChecks(checks),
        isolation: checks.isolation,
        promptTokens,
        completionTokens,
      };
    }
    log.info({ round }, "Checks failed; another Coder round");
    user = `${coderPrompt()}\n\n${checksFailedPrompt(formatChecks(checks))}`;
  }
}

function stopReason(result: ToolLoopResult, budget: TokenBudget): string {
  switch (result.reason) {
    case "max_iterations":
      return `it used its ${result.iterations} iterations without finishing (raise max_iterations in .github/venom.yml)`;
    case "token_budget":
      return `the run's token budget of ${budget.max} is spent (${budget.used} used; raise max_tokens in .github/venom.yml)`;
    case "no_tool_calls":
      return "the model answered in text instead of calling its tools (try a model with tool calling)";
    default:
      return result.reason;
  }
}

/** The instruction files that apply to `files`, rendered for a prompt; reported so the status comment can list them. */
async function guidanceFor(input: AgentsInput, files: string[]): Promise<string | undefined> {
  if (!input.instructions) return undefined;
  const guidance = await instructionGuidance(input.instructions, files);
  if (guidance.paths.length) await input.onInstructions?.(guidance.paths);
  return guidance.text || undefined;
}

export function formatChecks(run: CheckRun): string {
  if (run.notRun) return run.notRun;
  const details = run.results
    .filter((result) => result.exitCode !== 0 || result.timedOut)
    .map((result) => `$ ${result.command}\n${result.output}`)
    .join("\n\n");
  return details ? `${run.summary}\n\n${details}` : run.summary;
}
