// list_files: one directory level, directories marked with a trailing slash.
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { protectedPathMatcher, resolveSafePath } from "../workspace/paths.js";
import { fileError } from "./text-file.js";
import type { ToolContext } from "./tool-context.js";

const maximumEntries = 500;

function entryName(entry: Dirent, isDirectory: boolean): string {
  return isDirectory ? `${entry.name}/` : entry.name;
}

export const listFilesTool = defineTool({
  name: "list_files",
  description:
    "List one directory of the repository (not recursive). Directories end with '/'. " +
    "Use '.' for the repository root.",
  schema: z.object({
    path: z.string().default(".").describe("Directory relative to the repository root, e.g. 'src'."),
  }),
  readOnly: true,
  async run({ path: requested }, context: ToolContext) {
    const safe = await resolveSafePath(context.root, requested, context.protectedPaths);
    if (!safe.ok) return safe.error;
    let entries: Dirent[];
    try {
      if (!(await stat(safe.absolute)).isDirectory()) {
        return `Error: ${safe.relative} is a file, not a directory; use read_file to see its content.`;
      }
      entries = await readdir(safe.absolute, { withFileTypes: true });
    } catch (error) {
      return fileError(safe.relative, error);
    }
    const isProtected = protectedPathMatcher(context.protectedPaths);
    const lines: Array<{ text: string; isDirectory: boolean }> = [];
    for (const entry of entries) {
      if (entry.name === ".git") continue;
      // A link to a directory is listed as one, so the model can walk into it (paths stay checked).
      const isDirectory =
        entry.isDirectory() ||
        (entry.isSymbolicLink() &&
          (await stat(path.join(safe.absolute, entry.name)).then(
            (target) => target.isDirectory(),
            () => false,
          )));
      const relative = safe.relative === "." ? entry.name : `${safe.relative}/${entry.name}`;
      const marks = [entry.isSymbolicLink() ? "symlink" : "", isProtected(relative) ? "protected" : ""].filter(Boolean);
      const note = marks.length > 0 ? ` (${marks.join(", ")})` : "";
      lines.push({ text: `${entryName(entry, isDirectory)}${note}`, isDirectory });
    }
    if (lines.length === 0) return `${safe.relative}/ is empty.`;
    lines.sort((left, right) =>
      left.isDirectory === right.isDirectory ? left.text.localeCompare(right.text) : left.isDirectory ? -1 : 1,
    );
    const shown = lines.slice(0, maximumEntries).map((line) => line.text);
    const header = `${safe.relative}/ (${lines.length} ${lines.length === 1 ? "entry" : "entries"})`;
    const footer =
      lines.length > maximumEntries
        ? [`… ${lines.length - maximumEntries} more entries not shown; list a subdirectory or use search_code.`]
        : [];
    return [header, ...shown, ...footer].join("\n");
  },
});
