// delete_file: removes one file from the workspace.
import { lstat, unlink } from "node:fs/promises";
import { z } from "zod";
import { resolveSafePath } from "../workspace/paths.js";
import { defineTool, fileError } from "./tool.js";

export const deleteFileTool = defineTool({
  name: "delete_file",
  description: "Delete one file (not a directory).",
  parameters: {
    type: "object",
    properties: { path: { type: "string", description: "File path relative to the repository root." } },
    required: ["path"],
    additionalProperties: false,
  },
  readOnly: false,
  schema: z.object({ path: z.string() }),
  async run({ path: requested }, context) {
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
