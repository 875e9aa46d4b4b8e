// `venom fix`: the Architect, Coder and Guardian on a local git repository — no GitHub; the result is a local branch.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config/repo-config.js";
import { VenomError } from "../errors.js";
import type { LlmClient } from "../llm/client.js";
import { runAgents, type ChecksResult, type Plan } from "./agents.js";
import type { CheckRunner } from "./guardian.js";
import { cachedReader, committedFileReader } from "./instruction-files.js";
import { startBudget } from "./run-cost.js";
import { ChangeSet } from "./tools/change-set.js";
import { addWorktree, deleteLocalBranch } from "./workspace/local-worktree.js";
import { Workspace } from "./workspace/workspace.js";

export interface LocalFixOptions {
  repoPath: string;
  /** A file holding the issue (first line: title), the issue text itself, or the issue already read. */
  issue: string | LocalIssue;
  branch?: string;
  llm: LlmClient;
  /** The Guardian's runner with the sandbox VENOM_SANDBOX picks. */
  checks: CheckRunner;
  log: Logger;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export interface LocalFixResult {
  branch: string;
  commit?: string;
  changedFiles: string[];
  plan: Plan;
  summary: string;
  checks: ChecksResult;
  checksSummary: string;
  /** Where the checks ran, e.g. "checks ran in bubblewrap, no network". */
  isolation?: string;
  tokens: number;
}

export interface LocalIssue {
  title: string;
  body: string;
}

/**
 * One line, no spaces, and a text-file ending or a path separator: a file name, not an issue's text.
 * A missing file must fail before any model call, not become the issue and cost a run.
 */
export function looksLikeFilePath(argument: string): boolean {
  if (/\s/.test(argument)) return false;
  return /\.(?:md|markdown|txt)$/i.test(argument) || argument.includes("/") || argument.includes(path.sep);
}

/** `--issue`: a file (resolved against `cwd`) or the text itself; first line is the title. */
export function readIssueArgument(issue: string, cwd: string = process.cwd()): LocalIssue {
  const file = path.resolve(cwd, issue);
  const isFile = isExistingFile(file);
  if (!isFile && looksLikeFilePath(issue)) {
    throw new VenomError("user", `--issue ${issue}: no such file; pass an existing file, or the issue's text in quotes.`);
  }
  const text = isFile ? readFileSync(file, "utf8") : issue;
  const [first = "", ...rest] = text.trim().split("\n");
  const title = first.replace(/^#+\s*/, "").trim();
  if (!title) throw new VenomError("user", "The issue is empty; pass --issue with a file or the issue's text.");
  return { title, body: rest.join("\n").trim() };
}

/** False for anything that is not a readable path: the issue's text itself can be long or hold any character. */
function isExistingFile(candidate: string): boolean {
  try {
    return statSync(candidate, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

export async function runLocalFix(options: LocalFixOptions): Promise<LocalFixResult> {
  const progress = options.onProgress ?? (() => undefined);
  const repository = await Workspace.openLocal(options.repoPath);
  if ((await repository.changedFiles()).length > 0) {
    throw new VenomError("user", `${repository.root} has uncommitted changes; commit or stash them, then run venom fix again.`);
  }
  const configFile = path.join(repository.root, REPO_CONFIG_PATH);
  const repoConfig = parseRepoConfig(existsSync(configFile) ? readFileSync(configFile, "utf8") : undefined);
  const issue = typeof options.issue === "string" ? readIssueArgument(options.issue) : options.issue;
  const branch = options.branch ?? `issue-local-${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
  // The run works in a worktree of its own: the user's checkout (and its ignored .env, node_modules) stays untouched.
  const { workspace, created } = await addWorktree(repository, branch);
  progress(`Working on branch ${branch}`);
  const budget = startBudget({ data: {} }, repoConfig);
  let commit: string | undefined;
  try {
    const { checks } = options;
    if (repoConfig.setup.length) {
      progress("Running setup commands");
      const setup = await workspace.runSetup(repoConfig.setup, checks, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(repoConfig.image ? { image: repoConfig.image } : {}),
      });
      if (setup.notRun) progress(`Setup not run: ${setup.notRun}`);
      else if (!setup.passed) throw new VenomError("permanent", `The repository's setup commands failed: ${setup.summary}`);
    }
    const changes = new ChangeSet();
    const result = await runAgents({
      root: workspace.root,
      issue: { number: 0, title: issue.title, body: issue.body, author: "you", trusted: true, comments: [] },
      repoConfig,
      llm: options.llm,
      checks,
      budget,
      changes,
      log: options.log,
      ...(options.signal ? { signal: options.signal } : {}),
      onPhase: async (phase) => progress(`${phase[0]?.toUpperCase()}${phase.slice(1)}…`),
      onPlan: async (plan) => progress(`Plan: ${plan.summary}`),
      // As committed at HEAD: never from the worktree the model edits.
      instructions: cachedReader(committedFileReader(repository.root, "HEAD")),
      onInstructions: (paths) => progress(`Instructions: ${paths.join(", ")}`),
    });
    // Only what the model wrote through its tools is committed; setup's and checks' leftovers go.
    await workspace.keepOnly(changes.entries());
    const changedFiles = await workspace.changedFiles();
    commit = changedFiles.length ? await workspace.commit(`Fix: ${issue.title}\n\n${result.plan.summary}`) : undefined;
    return {
      branch,
      ...(commit ? { commit } : {}),
      changedFiles,
      plan: result.plan,
      summary: result.coderSummary ?? result.plan.summary,
      checks: result.checks,
      checksSummary: result.checksSummary,
      ...(result.isolation ? { isolation: result.isolation } : {}),
      tokens: budget.used,
    };
  } finally {
    // The user's checkout was never touched; only the worktree goes, and the fix stays on its branch.
    await workspace.remove();
    // A branch this run created and left without a commit is clutter; one that existed before is the user's.
    if (created && !commit) await deleteLocalBranch(repository, branch).catch(() => undefined);
  }
}
