// Per-repository settings from `.github/venom.yml` (default branch), with defaults and one-line errors.
import { parse } from "yaml";
import { z } from "zod";
import { VenomError } from "../errors.js";

import { DEFAULT_PROTECTED_PATHS } from "./protected-paths.js";
import { REPO_CONFIG_PATH } from "./repo-config-path.js";

export { DEFAULT_PROTECTED_PATHS, REPO_CONFIG_PATH };

const commands = z.array(z.string().trim().min(1, "commands must not be empty")).max(20, "at most 20 commands");

/** A workflow as the Actions API names it: its file name (`ci.yml`) or numeric id; never a path. */
export const WORKFLOW_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const workflow = z.string().trim().regex(WORKFLOW_NAME, "must be a workflow file name such as ci.yml (no path)");

const optionName = z.string().trim().min(1).max(100);
/** GitHub Projects (v2): the issue's item moves through these single-select options as the run goes. */
const project = z
  .object({
    owner: z.string().trim().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub organisation or user login"),
    number: z.number().int().positive(),
    field: optionName.default("Status"),
    values: z
      .object({
        running: optionName.default("In progress"),
        review: optionName.default("In review"),
        done: optionName.default("Done"),
        failed: optionName.default("Blocked"),
      })
      .strict()
      .default({ running: "In progress", review: "In review", done: "Done", failed: "Blocked" }),
  })
  .strict();

const schema = z
  .object({
    label: z.string().trim().min(1).max(50).optional(),
    branch_prefix: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._/-]+$/, "may use letters, digits, '.', '_', '-' and '/'")
      .default("issue-"),
    base: z.string().trim().min(1).optional(),
    // A list of commands the Guardian runs, or `ci`: the repository's own CI on the PR head decides.
    checks: z.union([z.literal("ci"), commands], { error: 'expected a list of commands, or "ci"' }).default([]),
    ci_timeout_minutes: z.number().int().min(1).max(360).default(30),
    setup: commands.default([]),
    protected_paths: z.array(z.string().trim().min(1)).default([]),
    max_iterations: z.number().int().min(1).max(200).default(30),
    max_tokens: z.number().int().min(1_000).max(5_000_000).default(300_000),
    max_cost_usd: z.number().positive().max(10_000).optional(),
    draft_on_failure: z.boolean().default(true),
    model: z.string().trim().min(1).optional(),
    require_plan_approval: z.boolean().default(false),
    max_ci_rounds: z.number().int().min(0).max(10).default(2),
    image: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, "must be a Docker image name such as node:20-bookworm-slim")
      .optional(),
    project: project.optional(),
    dispatch_after_pr: z.array(workflow).max(10, "at most 10 workflows").default([]),
  })
  .strict();

/** Where a run's progress shows on a GitHub project (v2): the single-select field and its option per stage. */
export interface ProjectSettings {
  owner: string;
  number: number;
  field: string;
  values: { running: string; review: string; done: string; failed: string };
}

export interface RepoConfig {
  label?: string;
  branchPrefix: string;
  base?: string;
  /** The commands the Guardian runs; empty with `checks: ci`. */
  checks: string[];
  /** `checks: ci`: no local commands; the PR head's check runs (other apps', Actions') are the checks' result. */
  ciChecks: boolean;
  /** `ci_timeout_minutes`: how long `checks: ci` waits for CI (default 30). */
  ciTimeoutMinutes: number;
  setup: string[];
  /** Always includes the defaults (DEFAULT_PROTECTED_PATHS: .git, .github, CI definitions); the file's globs are added to them. */
  protectedPaths: string[];
  maxIterations: number;
  maxTokens: number;
  /** `max_cost_usd`: the run stops (failed, nothing pushed) when its estimated cost would pass it. */
  maxCostUsd?: number;
  draftOnFailure: boolean;
  model?: string;
  requirePlanApproval: boolean;
  /** Follow-up rounds on failing CI per pull request (`max_ci_rounds`); review follow-ups do not reset the count. */
  maxCiRounds: number;
  /** The Docker image the checks run in when VENOM_SANDBOX picks Docker. */
  image?: string;
  /** `project:` — off when absent. */
  project?: ProjectSettings;
  /** `dispatch_after_pr:` — workflows dispatched on the PR branch once the pull request is open. */
  dispatchAfterPr: string[];
}

export function defaultRepoConfig(): RepoConfig {
  return parseRepoConfig(undefined);
}

/** Parses the file's text (undefined when the file is absent). Throws a user VenomError on bad content. */
export function parseRepoConfig(text: string | undefined): RepoConfig {
  let raw: unknown = {};
  if (text !== undefined && text.trim() !== "") {
    try {
      raw = parse(text);
    } catch (error) {
      throw new VenomError("user", `${REPO_CONFIG_PATH} is not valid YAML (${firstLine(error)}); fix the file on the default branch.`);
    }
  }
  if (raw === null || raw === undefined) raw = {};
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "the file";
    const what = issue?.code === "unrecognized_keys" ? `unknown key(s) ${issue.keys.join(", ")}` : issue?.message;
    throw new VenomError("user", `${REPO_CONFIG_PATH}: ${where} ${what}; fix the file on the default branch.`);
  }
  const value = result.data;
  return {
    ...(value.label ? { label: value.label } : {}),
    branchPrefix: value.branch_prefix,
    ...(value.base ? { base: value.base } : {}),
    checks: value.checks === "ci" ? [] : value.checks,
    ciChecks: value.checks === "ci",
    ciTimeoutMinutes: value.ci_timeout_minutes,
    setup: value.setup,
    protectedPaths: [...new Set([...DEFAULT_PROTECTED_PATHS, ...value.protected_paths])],
    maxIterations: value.max_iterations,
    maxTokens: value.max_tokens,
    ...(value.max_cost_usd !== undefined ? { maxCostUsd: value.max_cost_usd } : {}),
    draftOnFailure: value.draft_on_failure,
    ...(value.model ? { model: value.model } : {}),
    requirePlanApproval: value.require_plan_approval,
    maxCiRounds: value.max_ci_rounds,
    ...(value.image ? { image: value.image } : {}),
    ...(value.project ? { project: value.project } : {}),
    dispatchAfterPr: value.dispatch_after_pr,
  };
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n", 1)[0] ?? "parse error";
}
