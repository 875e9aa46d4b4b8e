// Dispatches one tool call from the model: finds the tool, parses its JSON arguments, never throws.
import { errorMessage } from "../../errors.js";
import type { Tool, ToolContext } from "./tool.js";

/**
 * Runs the tool `name` with the model's raw JSON `rawArguments`. Every failure (unknown tool, bad
 * JSON, bad arguments, a tool that throws) comes back as text starting with `Error:`, for the model.
 */
export async function runTool(
  tools: readonly Tool[],
  name: string,
  rawArguments: string,
  context: ToolContext,
): Promise<string> {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) {
    return `Error: unknown tool ${name}; available: ${tools.map((candidate) => candidate.name).join(", ")}.`;
  }
  let args: unknown;
  try {
    // Some servers send "" for a call without arguments.
    args = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
  } catch (error) {
    return `Error: arguments are not valid JSON: ${errorMessage(error)}. Send one JSON object, e.g. {"path": "src/index.ts"}.`;
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return `Error: arguments must be a JSON object such as {"path": "src/index.ts"}, not ${JSON.stringify(args)}.`;
  }
  try {
    return await tool.run(args, context);
  } catch (error) {
    return `Error: ${name} failed: ${errorMessage(error)}`;
  }
}
