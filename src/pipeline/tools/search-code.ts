// search_code: case-insensitive plain-text search over the workspace, at most 50 hits.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import { protectedPathMatcher, resolveSafePath } from "../workspace/paths.js";
import { looksBinary, maximumTextFileBytes } from "./text-file.js";
import type { ToolContext } from "./tool-context.js";

const maximumHits = 50;
const maximumHitLength = 200;
/** Never worth searching outside git: dependencies are not the subject of an issue. */
const skippedDirectories = new Set([".git", "node_modules"]);

interface Hit {
  file: string;
  line: number;
  text: string;
}

interface SearchRequest {
  root: string;
  query: string;
  /** POSIX path relative to root; `.` for everything. */
  scope: string;
  /** Whether a hit's file may be shown. */
  include: (relative: string) => Promise<boolean>;
  /** Hits wanted; the search stops once it has them. */
  limit: number;
}

function formatHit(hit: Hit): string {
  let text = hit.text.trim();
  if (text.length > maximumHitLength) text = `${text.slice(0, maximumHitLength)}…`;
  return `${hit.file}:${hit.line}: ${text}`;
}

/** `git grep` over tracked and untracked, not ignored files; undefined when git cannot search here. */
async function gitGrep(request: SearchRequest): Promise<Hit[] | undefined> {
  const args = ["--literal-pathspecs", "-c", "core.quotePath=false", "grep", "-z", "-n", "-I", "-i", "-F"];
  args.push("--untracked", "--no-color", "--full-name", "-e", request.query);
  if (request.scope !== ".") args.push("--", request.scope);
  const child = spawn("git", args, {
    cwd: request.root,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code));
  });
  const hits: Hit[] = [];
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of lines) {
    // With -z: path NUL line-number NUL text.
    const [file = "", number = "", ...rest] = line.split("\0");
    if (!(await request.include(file))) continue;
    hits.push({ file, line: Number(number), text: rest.join("\0") });
    if (hits.length >= request.limit) {
      child.kill();
      break;
    }
  }
  lines.close();
  const code = await exited;
  // 0: matches, 1: none, killed by us once enough hits came; anything else: not a repository or no git.
  if (hits.length >= request.limit || code === 0 || code === 1) return hits;
  return undefined;
}

/** A plain walk for a directory that is not a git repository. */
async function walkSearch(request: SearchRequest): Promise<Hit[]> {
  const hits: Hit[] = [];
  const needle = request.query.toLowerCase();
  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(request.root, relative);
    // lstat: a symbolic link is never followed, so the walk cannot leave the workspace.
    const stats = await lstat(absolute).catch(() => undefined);
    if (!stats) return;
    if (stats.isDirectory()) {
      const entries = await readdir(absolute).catch(() => []);
      for (const name of entries.sort()) {
        if (hits.length >= request.limit) return;
        if (skippedDirectories.has(name)) continue;
        await visit(relative === "." ? name : `${relative}/${name}`);
      }
      return;
    }
    if (!stats.isFile() || !(await request.include(relative))) return;
    const content = await readFile(absolute).catch(() => undefined);
    if (!content || looksBinary(content)) return;
    const lines = content.toString("utf8").split(/\r?\n/);
    for (const [index, text] of lines.entries()) {
      if (!text.toLowerCase().includes(needle)) continue;
      hits.push({ file: relative, line: index + 1, text });
      if (hits.length >= request.limit) return;
    }
  };
  await visit(request.scope);
  return hits;
}

export const searchCodeTool = defineTool({
  name: "search_code",
  description:
    "Find lines containing a text (plain substring, case-insensitive) in the repository's files. " +
    `Shows at most ${maximumHits} hits as 'path:line: text'; give path to search only a directory or file.`,
  schema: z.object({
    query: z.string().min(1).describe("Text to find, e.g. a function name or an error message."),
    // Optional for the model; "." (everything) when left out.
    path: z.string().optional().describe("Directory or file to search in, relative to the root. Default: everything."),
  }),
  readOnly: true,
  async run({ query, path: requested = "." }, context: ToolContext) {
    if (query.includes("\n")) return "Error: query spans several lines; search for one line of text.";
    const safe = await resolveSafePath(context.root, requested, context.protectedPaths);
    if (!safe.ok) return safe.error;
    const isProtected = protectedPathMatcher(context.protectedPaths);
    const sizes = new Map<string, boolean>();
    const include = async (relative: string): Promise<boolean> => {
      if (isProtected(relative)) return false;
      let small = sizes.get(relative);
      if (small === undefined) {
        const stats = await stat(path.join(context.root, relative)).catch(() => undefined);
        small = stats !== undefined && stats.size <= maximumTextFileBytes;
        sizes.set(relative, small);
      }
      return small;
    };
    const request = { root: context.root, query, scope: safe.relative, include, limit: maximumHits + 1 };
    const isRepository = existsSync(path.join(context.root, ".git"));
    const hits = (isRepository ? await gitGrep(request) : undefined) ?? (await walkSearch(request));

    const where = safe.relative === "." ? "" : ` in ${safe.relative}`;
    if (hits.length === 0) return `No matches for ${JSON.stringify(query)}${where}.`;
    const shown = hits.slice(0, maximumHits).map(formatHit);
    if (hits.length > maximumHits) {
      return [
        `More than ${maximumHits} matches for ${JSON.stringify(query)}${where}; the first ${maximumHits}:`,
        ...shown,
        "Narrow the query or give a path to see the rest.",
      ].join("\n");
    }
    const count = `${hits.length} ${hits.length === 1 ? "match" : "matches"}`;
    return [`${count} for ${JSON.stringify(query)}${where}:`, ...shown].join("\n");
  },
});
