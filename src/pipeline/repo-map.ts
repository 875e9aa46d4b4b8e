// Builds a compact, budgeted tree of a repository's files for the models' prompts, most relevant first.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RepoMapOptions {
  /** Budget of the whole map, estimated as characters / 4. */
  maxTokens?: number;
}

interface Directory {
  name: string;
  files: string[];
  directories: Directory[];
  /** Files in this directory and below. */
  fileCount: number;
}

/** An expanded directory shows at most this many entries; the rest are summed up in one line. */
const entriesPerDirectory = 30;
const charactersPerToken = 4;
const indentUnit = "  ";
const skippedDirectories = new Set([".git", "node_modules"]);

/** Files a reader opens first, in this order; matched case-insensitively, on the name without extension too. */
const keyFiles = [
  "readme",
  "package.json",
  "pyproject.toml",
  "setup.py",
  "cargo.toml",
  "go.mod",
  "pom.xml",
  "build.gradle",
  "gemfile",
  "composer.json",
  "makefile",
  "dockerfile",
  "tsconfig.json",
  "requirements.txt",
  "contributing",
  "index",
  "main",
  "app",
  "mod",
  "__init__.py",
];
/** Directories where the code lives come first; tests and docs next; build output and vendored code last. */
const leadingDirectories = ["src", "lib", "app", "packages", "cmd", "pkg", "internal", "source", "server", "client"];
const followingDirectories = ["test", "tests", "spec", "__tests__", "e2e", "docs", "doc", "examples", "scripts"];
const trailingDirectories = ["vendor", "third_party", "dist", "build", "out", "target", "coverage", "node_modules"];

function rank(list: string[], name: string): number {
  const lower = name.toLowerCase();
  const index = list.findIndex((entry) => lower === entry || lower.split(".")[0] === entry);
  return index === -1 ? list.length : index;
}

function directoryRank(name: string): number {
  const first = name.split("/")[0]?.toLowerCase() ?? "";
  if (leadingDirectories.includes(first)) return leadingDirectories.indexOf(first);
  if (followingDirectories.includes(first)) return 100 + followingDirectories.indexOf(first);
  if (trailingDirectories.includes(first)) return 300 + trailingDirectories.indexOf(first);
  return first.startsWith(".") ? 250 : 200;
}

async function listFiles(root: string): Promise<string[]> {
  if (existsSync(path.join(root, ".git"))) {
    try {
      const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: root,
        maxBuffer: 256 * 1024 * 1024,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
      });
      return [...new Set(stdout.split("\0").filter(Boolean))];
    } catch {
      // Not a usable repository after all: walk it.
    }
  }
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) await walk(child);
      } else {
        files.push(child);
      }
    }
  };
  await walk("");
  return files;
}

function buildTree(files: string[]): Directory {
  const root: Directory = { name: "", files: [], directories: [], fileCount: 0 };
  const children = new Map<Directory, Map<string, Directory>>();
  for (const file of files) {
    const parts = file.split("/");
    const name = parts.pop() ?? file;
    let node = root;
    node.fileCount++;
    for (const part of parts) {
      let byName = children.get(node);
      if (!byName) children.set(node, (byName = new Map()));
      let next = byName.get(part);
      if (!next) {
        next = { name: part, files: [], directories: [], fileCount: 0 };
        byName.set(part, next);
        node.directories.push(next);
      }
      node = next;
      node.fileCount++;
    }
    node.files.push(name);
  }
  return root;
}

/** `a/` holding only `b/` is shown as `a/b/`, as Java-style trees nest deep for nothing. */
function joinChains(node: Directory): void {
  node.directories = node.directories.map((child) => {
    let joined = child;
    while (joined.files.length === 0 && joined.directories.length === 1) {
      const only = joined.directories[0] as Directory;
      joined = { ...only, name: `${joined.name}/${only.name}` };
    }
    joinChains(joined);
    return joined;
  });
}

type Entry = { kind: "file"; name: string } | { kind: "directory"; directory: Directory };

/** Key files, then directories by relevance, then the remaining files. */
function orderedEntries(node: Directory): Entry[] {
  const byName = (left: string, right: string): number => left.localeCompare(right, "en", { numeric: true });
  const files = [...node.files].sort(
    (left, right) => rank(keyFiles, left) - rank(keyFiles, right) || byName(left, right),
  );
  const key = files.filter((file) => rank(keyFiles, file) < keyFiles.length);
  const rest = files.filter((file) => rank(keyFiles, file) === keyFiles.length);
  const directories = [...node.directories].sort(
    (left, right) => directoryRank(left.name) - directoryRank(right.name) || byName(left.name, right.name),
  );
  return [
    ...key.map((name): Entry => ({ kind: "file", name })),
    ...directories.map((directory): Entry => ({ kind: "directory", directory })),
    ...rest.map((name): Entry => ({ kind: "file", name })),
  ];
}

function plural(count: number): string {
  return `${count} ${count === 1 ? "file" : "files"}`;
}

function moreFiles(count: number): string {
  return `… ${count} more ${count === 1 ? "file" : "files"}`;
}

function collapsedLine(directory: Directory): string {
  return `${directory.name}/ (${plural(directory.fileCount)})`;
}

/** Characters a line takes, newline included. */
function cost(depth: number, text: string): number {
  return indentUnit.length * depth + text.length + 1;
}

interface Expansion {
  /** Entries shown, the rest summed up in one overflow line. */
  shown: Entry[];
  /** Files under the entries not shown; 0 when all are shown. */
  hiddenFiles: number;
  /** Characters added by showing `shown` (and the overflow line) below the directory. */
  characters: number;
  /** Files now shown by name. */
  namedFiles: number;
}

function expansion(node: Directory, depth: number, limit: number): Expansion {
  const entries = orderedEntries(node);
  const shown = entries.slice(0, limit);
  const hidden = entries.slice(limit);
  let characters = 0;
  let namedFiles = 0;
  for (const entry of shown) {
    if (entry.kind === "file") {
      characters += cost(depth, entry.name);
      namedFiles++;
    } else {
      characters += cost(depth, collapsedLine(entry.directory));
    }
  }
  const hiddenFiles = hidden.reduce((sum, entry) => sum + (entry.kind === "file" ? 1 : entry.directory.fileCount), 0);
  if (hiddenFiles > 0) characters += cost(depth, moreFiles(hiddenFiles));
  return { shown, hiddenFiles, characters, namedFiles };
}

/**
 * A tree of the repository's files (git's view when it is a repository: tracked and untracked, not
 * ignored) within `maxTokens`. The top level is shown first, then directories are opened breadth-first
 * in order of relevance while the budget lasts; a closed directory shows its file count.
 */
export async function buildRepoMap(root: string, options: RepoMapOptions = {}): Promise<string> {
  const budget = (options.maxTokens ?? 3000) * charactersPerToken;
  const files = await listFiles(root);
  if (files.length === 0) return "The repository has no files yet.";
  const tree = buildTree(files);
  joinChains(tree);

  const header = `Repository files (${plural(files.length)}):`;
  // Room for the closing line, whatever number it ends up with.
  const footerReserve = cost(0, `${moreFiles(files.length)} (use list_files)`);
  let used = cost(0, header) + footerReserve;
  if (used > budget) return `${moreFiles(files.length)} (use list_files)`.slice(0, budget);

  const opened = new Map<Directory, Expansion>();
  let named = 0;
  // The top level always shows, with as many entries as fit.
  let top = expansion(tree, 0, entriesPerDirectory);
  for (let limit = entriesPerDirectory - 1; limit >= 0 && used + top.characters > budget; limit--) {
    top = expansion(tree, 0, limit);
  }
  if (used + top.characters > budget) return `${moreFiles(files.length)} (use list_files)`.slice(0, budget);
  opened.set(tree, top);
  used += top.characters;
  named += top.namedFiles;

  const queue: Array<{ directory: Directory; depth: number }> = [];
  const enqueue = (shown: Entry[], depth: number): void => {
    for (const entry of shown) if (entry.kind === "directory") queue.push({ directory: entry.directory, depth });
  };
  enqueue(top.shown, 0);
  for (let index = 0; index < queue.length; index++) {
    const { directory, depth } = queue[index] as { directory: Directory; depth: number };
    const opening = expansion(directory, depth + 1, entriesPerDirectory);
    // The directory's own line loses its file count when opened.
    const characters = opening.characters - collapsedLine(directory).length + `${directory.name}/`.length;
    if (used + characters > budget) continue;
    opened.set(directory, opening);
    used += characters;
    named += opening.namedFiles;
    enqueue(opening.shown, depth + 1);
  }

  const lines = [header];
  const render = (node: Directory, depth: number): void => {
    const shown = opened.get(node);
    if (!shown) return;
    const indent = indentUnit.repeat(depth);
    for (const entry of shown.shown) {
      if (entry.kind === "file") {
        lines.push(`${indent}${entry.name}`);
      } else if (opened.has(entry.directory)) {
        lines.push(`${indent}${entry.directory.name}/`);
        render(entry.directory, depth + 1);
      } else {
        lines.push(`${indent}${collapsedLine(entry.directory)}`);
      }
    }
    if (shown.hiddenFiles > 0) lines.push(`${indent}${moreFiles(shown.hiddenFiles)}`);
  };
  render(tree, 0);
  const hidden = files.length - named;
  if (hidden > 0) lines.push(`${moreFiles(hidden)} (use list_files)`);
  return lines.join("\n");
}
