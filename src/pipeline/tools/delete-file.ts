// delete_file: removes one file from the workspace.
import { lstat, unlink } from "node:fs/promises";
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { resolveSafePath } from "../workspace/paths.js";
import { fileError } from "./text-file.js";
import { filePath, type ToolContext } from "./tool-context.js";

export const deleteFileTool = defineTool({
  name: "delete_file",
  description: "Delete one file (not a directory).",
  schema: z.object({ path: filePath }),
  readOnly: false,
  async run({ path: requested }, context: ToolContext) {
    const safe = await resolveSafePath(context.root, requested, context.protectedPaths);
    if (!safe.ok) return safe.error;
    try {
      if ((await lstat(safe.absolute)).isDirectory()) {
        return `Error: ${safe.relative} is a directory; delete_file removes one file at a time.`;
      }
      await unlink(safe.absolute);
      context.changes?.record(safe.relative, null);
    } catch (error) {
      return fileError(safe.relative, error);
    }
    return `Deleted ${safe.relative}.`;
  },
});
