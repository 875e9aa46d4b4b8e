// The agent-computer interface: the tool sets the Architect and the Coder get, and how to call them.
import { createFileTool } from "./create-file.js";
import { deleteFileTool } from "./delete-file.js";
import { listFilesTool } from "./list-files.js";
import { readFileTool } from "./read-file.js";
import { runChecksTool } from "./run-checks.js";
import { searchCodeTool } from "./search-code.js";
import { strReplaceTool } from "./str-replace.js";
import type { Tool } from "./tool.js";

export { runTool } from "./run-tool.js";
export type { ParametersSchema, Tool, ToolContext } from "./tool.js";
export {
  createFileTool,
  deleteFileTool,
  listFilesTool,
  readFileTool,
  runChecksTool,
  searchCodeTool,
  strReplaceTool,
};

/** Read-only tools for planning. The Architect's `web_search`, `hf_search` and `submit_plan` live with it. */
export const architectTools: readonly Tool[] = [listFilesTool, readFileTool, searchCodeTool];

/** Everything the Coder may do to the workspace; its `finish` tool lives with the Coder. */
export const coderTools: readonly Tool[] = [
  ...architectTools,
  strReplaceTool,
  createFileTool,
  deleteFileTool,
  runChecksTool,
];

/** The `tools` array of an OpenAI chat completion request. */
export function functionDefinitions(tools: readonly Tool[]): Array<{
  type: "function";
  function: { name: string; description: string; parameters: Tool["parameters"] };
}> {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}
