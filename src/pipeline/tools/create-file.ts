// create_file: writes a whole file, creating parent directories; replacing an existing file is reported.
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { resolveSafePath } from "../workspace/paths.js";
import { splitLines } from "./text-file.js";
import { filePath, type ToolContext } from "./tool-context.js";

export const createFileTool = defineTool({
  name: "create_file",
  description:
    "Write a file with the given content, creating missing directories. An existing file is replaced " +
    "entirely; prefer str_replace to change part of a file.",
  schema: z.object({
    path: filePath,
    content: z.string().describe("The complete content of the file."),
  }),
  readOnly: false,
  async run({ path: requested, content }, context: ToolContext) {
    const safe = await resolveSafePath(context.root, requested, context.protectedPaths);
    if (!safe.ok) return safe.error;
    if (safe.relative === "." || requested.endsWith("/")) {
      return `Error: ${JSON.stringify(requested)} names a directory; give a file path such as "src/example.ts".`;
    }
    const existing = await stat(safe.absolute).catch(() => undefined);
    if (existing?.isDirectory()) {
      return `Error: ${safe.relative} is a directory; give a file path inside it.`;
    }
    try {
      await mkdir(path.dirname(safe.absolute), { recursive: true });
      await writeFile(safe.absolute, content);
      context.changes?.record(safe.relative, content);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return `Error: could not write ${safe.relative} (${code}); check that no parent of it is a file.`;
    }
    const lines = splitLines(content).length;
    const size = `${lines} ${lines === 1 ? "line" : "lines"}`;
    return existing
      ? `Overwrote existing file ${safe.relative} (${size}); its previous content is gone.`
      : `Created ${safe.relative} (${size}).`;
  },
});
