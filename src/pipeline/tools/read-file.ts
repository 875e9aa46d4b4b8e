// read_file: a numbered window of at most 100 lines of one file.
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { resolveSafePath } from "../workspace/paths.js";
import { readTextFile, splitLines } from "./text-file.js";
import { filePath, type ToolContext } from "./tool-context.js";

export const windowLines = 100;
/** A minified line can be megabytes; the model gets its start. */
const maximumLineLength = 2_000;

const lineNumber = z.coerce.number().int().min(1);

/** `  12| text` lines for `lines[first-1 .. last-1]`. */
export function numberLines(lines: string[], first: number, last: number): string[] {
  const width = Math.max(4, String(last).length);
  const numbered: string[] = [];
  for (let number = first; number <= last; number++) {
    let text = lines[number - 1] ?? "";
    if (text.length > maximumLineLength) {
      text = `${text.slice(0, maximumLineLength)} … [${text.length - maximumLineLength} characters cut]`;
    }
    numbered.push(`${String(number).padStart(width)}| ${text}`);
  }
  return numbered;
}

export const readFileTool = defineTool({
  name: "read_file",
  description:
    `Show up to ${windowLines} numbered lines of a text file. Without start_line it starts at line 1; ` +
    "read further windows with start_line. Line numbers are for orientation only, not part of the text.",
  schema: z.object({
    path: filePath,
    start_line: lineNumber.optional().describe("First line to show (1-based). Default 1."),
    end_line: lineNumber.optional().describe(`Last line to show; at most ${windowLines} lines are shown.`),
  }),
  readOnly: true,
  async run(input, context: ToolContext) {
    const safe = await resolveSafePath(context.root, input.path, context.protectedPaths);
    if (!safe.ok) return safe.error;
    const file = await readTextFile(safe.absolute, safe.relative);
    if (!file.ok) return file.error;
    const lines = splitLines(file.text);
    const total = lines.length;
    if (total === 0) return `${safe.relative} (empty file)`;

    const first = input.start_line ?? 1;
    if (first > total) {
      return `Error: start_line ${first} is past the end of ${safe.relative}, which has ${total} lines; use a smaller start_line.`;
    }
    if (input.end_line !== undefined && input.end_line < first) {
      return `Error: end_line ${input.end_line} is before start_line ${first}; give end_line >= start_line.`;
    }
    const requestedLast = Math.min(input.end_line ?? total, total);
    const last = Math.min(requestedLast, first + windowLines - 1);

    const output = [`${safe.relative} (lines ${first}-${last} of ${total})`, ...numberLines(lines, first, last)];
    if (last < total) {
      const clipped = input.end_line !== undefined && last < requestedLast;
      const note = clipped ? ` (a window shows at most ${windowLines} lines)` : "";
      output.push(`… ${total - last} more lines${note}; call read_file with start_line=${last + 1} to see more.`);
    }
    return output.join("\n");
  },
});
