// What the workspace tools run against (the workspace, its protected paths, the checks) and the file path they take.
import { z } from "zod";
import type { ChangeSet } from "./change-set.js";

export interface ToolContext {
  /** The workspace root; every path a model gives is relative to it. */
  root: string;
  /** Globs the model may not read or change (`protected_paths`). */
  protectedPaths: string[];
  /** Runs the repository's checks and returns their (already truncated) report. */
  runChecks?: () => Promise<string>;
  /** Every write and deletion the tools make is recorded here: only these reach a commit. */
  changes?: ChangeSet;
}

/** The `path` argument of every tool that works on one file. */
export const filePath = z.string().describe("File path relative to the repository root.");
