// Reads a workspace file as text for a tool, refusing binary and oversized files (and any file-system failure) with a clear reason.
import { readFile, stat } from "node:fs/promises";

/** Files above this size are not shown or searched: generated or vendored, never worth a context window. */
export const maximumTextFileBytes = 1_000_000;

export function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** The file's text, or an `Error:` string for the model. */
export async function readTextFile(
  absolute: string,
  relative: string,
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const stats = await stat(absolute);
    if (stats.isDirectory()) {
      return { ok: false, error: `Error: ${relative} is a directory; use list_files to see what it holds.` };
    }
    if (stats.size > maximumTextFileBytes) {
      return {
        ok: false,
        error: `Error: ${relative} is ${stats.size} bytes, too large to open; use search_code to find the lines you need.`,
      };
    }
    const content = await readFile(absolute);
    if (looksBinary(content)) {
      return { ok: false, error: `Error: ${relative} is a binary file; it cannot be shown as text.` };
    }
    return { ok: true, text: content.toString("utf8") };
  } catch (error) {
    return { ok: false, error: fileError(relative, error) };
  }
}

/** Splits text into lines; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Describes a file-system failure for the model without a stack trace. */
export function fileError(relative: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `Error: ${relative} does not exist; use list_files or search_code to find the right path.`;
  if (code === "EISDIR") return `Error: ${relative} is a directory; use list_files to see what it holds.`;
  if (code === "ENOTDIR") return `Error: part of ${relative} is a file, not a directory; check the path with list_files.`;
  return `Error: could not access ${relative} (${code ?? String(error)}).`;
}
