// Dispatches one tool call from the model by name; the tool itself parses and validates, and never throws.
import type { Tool } from "../../llm/tool.js";
import type { ToolContext } from "./tool-context.js";

/** Runs the tool `name` with the model's raw JSON `rawArguments`; an unknown tool is an `Error:` text naming the others. */
export async function runTool(
  tools: readonly Tool<ToolContext>[],
  name: string,
  rawArguments: string,
  context: ToolContext,
): Promise<string> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) {
    return `Error: unknown tool ${name}; available: ${tools.map((candidate) => candidate.name).join(", ")}.`;
  }
  return tool.run(rawArguments, context);
}
