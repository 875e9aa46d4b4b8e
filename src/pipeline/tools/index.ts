// The agent-computer interface: the tool sets the Architect and the Coder get, and how to call them.
import type { Tool } from "../../llm/tool.js";
import { createFileTool } from "./create-file.js";
import { deleteFileTool } from "./delete-file.js";
import { listFilesTool } from "./list-files.js";
import { readFileTool } from "./read-file.js";
import { runChecksTool } from "./run-checks.js";
import { searchCodeTool } from "./search-code.js";
import { strReplaceTool } from "./str-replace.js";
import type { ToolContext } from "./tool-context.js";

export { functionDefinitions } from "../../llm/tool.js";
export { runTool } from "./run-tool.js";
export type { ToolContext } from "./tool-context.js";
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
export const architectTools: readonly Tool<ToolContext>[] = [listFilesTool, readFileTool, searchCodeTool];

/** Everything the Coder may do to the workspace; its `finish` tool lives with the Coder. */
export const coderTools: readonly Tool<ToolContext>[] = [
  ...architectTools,
  strReplaceTool,
  createFileTool,
  deleteFileTool,
  runChecksTool,
];
