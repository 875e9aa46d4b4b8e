// The shape of a model-facing tool, and the helper that validates a call's arguments before running it.
import type { z } from "zod";
import type { ChangeSet } from "./change-set.js";

/** What every tool runs against: the workspace, its protected paths, and the Guardian's checks. */
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

/** A JSON Schema `object` as OpenAI function calling expects it. */
export interface ParametersSchema {
  type: "object";
  properties: Record<string, { type: string; description: string }>;
  required: string[];
  additionalProperties: false;
}

export interface Tool {
  name: string;
  description: string;
  parameters: ParametersSchema;
  /** True when the tool never changes the workspace (the Architect gets only these). */
  readOnly: boolean;
  /** Validates `args`, runs, and returns text for the model; a refused call's text starts with `Error:`. */
  run(args: unknown, context: ToolContext): Promise<string>;
}

interface ToolDefinition<Schema extends z.ZodType> {
  name: string;
  description: string;
  parameters: ParametersSchema;
  readOnly: boolean;
  schema: Schema;
  run(input: z.output<Schema>, context: ToolContext): Promise<string>;
}

/** `{path: string, start_line?: integer}`: the call's shape, as bad-argument errors show it. */
export function signature(parameters: ParametersSchema): string {
  const fields = Object.entries(parameters.properties).map(([name, property]) => {
    const optional = parameters.required.includes(name) ? "" : "?";
    return `${name}${optional}: ${property.type}`;
  });
  return `{${fields.join(", ")}}`;
}

export function defineTool<Schema extends z.ZodType>(definition: ToolDefinition<Schema>): Tool {
  const { schema, run, ...tool } = definition;
  return {
    ...tool,
    async run(args, context) {
      const parsed = schema.safeParse(args ?? {});
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => {
          const field = issue.path.join(".");
          return field ? `${field}: ${issue.message}` : issue.message;
        });
        return `Error: ${tool.name} needs ${signature(tool.parameters)}; ${problems.join("; ")}`;
      }
      return run(parsed.data, context);
    },
  };
}

/** Describes a file-system failure for the model without a stack trace. */
export function fileError(relative: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `Error: ${relative} does not exist; use list_files or search_code to find the right path.`;
  if (code === "EISDIR") return `Error: ${relative} is a directory; use list_files to see what it holds.`;
  if (code === "ENOTDIR") return `Error: part of ${relative} is a file, not a directory; check the path with list_files.`;
  return `Error: could not access ${relative} (${code ?? String(error)}).`;
}
