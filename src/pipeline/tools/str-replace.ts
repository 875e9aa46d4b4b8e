// str_replace: replaces one exact, unique piece of text in a file and shows the edited lines.
import { writeFile } from "node:fs/promises";
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { resolveSafePath } from "../workspace/paths.js";
import { numberLines } from "./read-file.js";
import { readTextFile, splitLines } from "./text-file.js";
import { filePath, type ToolContext } from "./tool-context.js";

/** Lines of context shown around an edit. */
const contextLines = 3;
const maximumSnippetLines = 40;

function countOccurrences(text: string, part: string): number {
  let count = 0;
  for (let index = text.indexOf(part); index !== -1; index = text.indexOf(part, index + part.length)) count++;
  return count;
}

export const strReplaceTool = defineTool({
  name: "str_replace",
  description:
    "Replace text in a file. old_str must match the file exactly (whitespace and indentation included) " +
    "and exactly once; include enough surrounding lines to make it unique. new_str may be empty to delete.",
  schema: z.object({
    path: filePath,
    old_str: z.string().describe("The exact text to replace, copied from read_file (without line numbers)."),
    new_str: z.string().describe("The replacement text."),
  }),
  readOnly: false,
  async run(input, context: ToolContext) {
    const safe = await resolveSafePath(context.root, input.path, context.protectedPaths);
    if (!safe.ok) return safe.error;
    if (input.old_str.length === 0) {
      return "Error: old_str is empty; copy the text to replace from read_file, or use create_file to write a whole file.";
    }
    const file = await readTextFile(safe.absolute, safe.relative);
    if (!file.ok) return file.error;

    let oldText = input.old_str;
    let newText = input.new_str;
    let count = countOccurrences(file.text, oldText);
    // Models write "\n"; a file with Windows line endings keeps them.
    if (count === 0 && file.text.includes("\r\n") && oldText.includes("\n") && !oldText.includes("\r")) {
      oldText = oldText.replace(/\n/g, "\r\n");
      newText = newText.replace(/\r?\n/g, "\r\n");
      count = countOccurrences(file.text, oldText);
    }
    if (count === 0) return `Error: old_str not found in ${safe.relative}; read_file to copy the exact text.`;
    if (count > 1) {
      return `Error: old_str matches ${count} times in ${safe.relative}; include more surrounding lines to make it unique.`;
    }

    const start = file.text.indexOf(oldText);
    const updated = file.text.slice(0, start) + newText + file.text.slice(start + oldText.length);
    try {
      await writeFile(safe.absolute, updated);
      context.changes?.record(safe.relative, updated);
    } catch (error) {
      return `Error: could not write ${safe.relative} (${String(error)}).`;
    }

    const lines = splitLines(updated);
    if (lines.length === 0) return `Edited ${safe.relative}: the file is now empty.`;
    const firstChanged = countOccurrences(updated.slice(0, start), "\n") + 1;
    const lastChanged = firstChanged + countOccurrences(newText.replace(/\n$/, ""), "\n");
    const first = Math.max(1, firstChanged - contextLines);
    const last = Math.min(lines.length, lastChanged + contextLines, first + maximumSnippetLines - 1);
    return [
      `Edited ${safe.relative}: replaced 1 occurrence. Lines ${first}-${last} now read:`,
      ...numberLines(lines, first, last),
      "Check that the edit is what you meant; read_file shows more.",
    ].join("\n");
  },
});
