// `venom fix`: the Architect, Coder and Guardian on a local git repository — no GitHub; the result is a local branch.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config/repo-config.js";
import { VenomError } from "../errors.js";
import type { LlmClient } from "../llm/client.js";
import { runAgents, type ChecksResult, type Plan } from "./agents.js";
import type { CheckRunner } from "./guardian.js";
import { ChangeSet } from "./tools/change-set.js";
import { Workspace } from "./workspace/workspace.js";

export interface LocalFixOptions {
  repoPath: string;
  /** A file holding the issue (first line: title), or the issue text itself. */
  issue: string;
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

export function readIssueArgument(issue: string): { title: string; body: string } {
  const text = existsSync(issue) ? readFileSync(issue, "utf8") : issue;
  const [first = "", ...rest] = text.trim().split("\n");
  const title = first.replace(/^#+\s*/, "").trim();
  if (!title) throw new VenomError("user", "The issue is empty; pass --issue with a file or the issue's text.");
  return { title, body: rest.join("\n").trim() };
}

export async function runLocalFix(options: LocalFixOptions): Promise<LocalFixResult> {
  const progress = options.onProgress ?? (() => undefined);
  const workspace = await Workspace.openLocal(options.repoPath);
  if ((await workspace.changedFiles()).length > 0) {
    throw new VenomError("user", `${workspace.root} has uncommitted changes; commit or stash them, then run venom fix again.`);
  }
  const configFile = path.join(workspace.root, REPO_CONFIG_PATH);
  const repoConfig = parseRepoConfig(existsSync(configFile) ? readFileSync(configFile, "utf8") : undefined);
  const issue = readIssueArgument(options.issue);
  const original = await workspace.currentBranch();
  const branch = options.branch ?? `issue-local-${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
  await workspace.checkoutBranch(branch);
  progress(`Working on branch ${branch}`);
  const budget = { used: 0, max: repoConfig.maxTokens };
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
    });
    // Only what the model wrote through its tools is committed; setup's and checks' leftovers go.
    await workspace.keepOnly(changes.entries());
    const changedFiles = await workspace.changedFiles();
    const commit = changedFiles.length
      ? await workspace.commit(`Fix: ${issue.title}\n\n${result.plan.summary}`)
      : undefined;
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
    // Leave the user's working tree as it was; the fix stays on its branch.
    await workspace.discardChanges().catch(() => undefined);
    await workspace.checkoutBranch(original).catch(() => undefined);
  }
}
