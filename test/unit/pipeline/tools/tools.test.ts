import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  architectTools,
  coderTools,
  functionDefinitions,
  runTool,
  type ToolContext,
} from "../../../../src/pipeline/tools/index.js";
import { DEFAULT_PROTECTED_PATHS } from "../../../../src/pipeline/workspace/paths.js";
import { createRepository, removeDirectories, temporaryDirectory, writeFiles } from "../git-fixture.js";

const numbered = (count: number, prefix = "line"): string =>
  Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`).join("\n") + "\n";

let root: string;
let outside: string;
let context: ToolContext;

const call = (name: string, args: Record<string, unknown> = {}) => runTool(coderTools, name, JSON.stringify(args), context);

beforeEach(async () => {
  root = await createRepository({
    "README.md": "# Demo\n",
    "src/app.ts": "export function greet(name: string) {\n  return `Hello ${name}`;\n}\n",
    "src/util.ts": "export const twice = (x: number) => x * 2;\nexport const thrice = (x: number) => x * 3;\n",
    "src/long.txt": numbered(250),
    "src/repeat.txt": "same\nsame\nsame\n",
    "docs/guide.md": "Call greet() to say hello.\n",
    ".github/workflows/ci.yml": "on: push # greet\n",
  });
  outside = temporaryDirectory("venom-outside-");
  context = { root, protectedPaths: [...DEFAULT_PROTECTED_PATHS] };
});

afterEach(() => removeDirectories(root, outside));

describe("tool sets", () => {
  it("keeps the contract names; the Architect's tools are read-only", () => {
    expect(architectTools.map((tool) => tool.name)).toEqual(["list_files", "read_file", "search_code"]);
    expect(coderTools.map((tool) => tool.name)).toEqual([
      "list_files",
      "read_file",
      "search_code",
      "str_replace",
      "create_file",
      "delete_file",
      "run_checks",
    ]);
    expect(architectTools.every((tool) => tool.readOnly)).toBe(true);
    const definitions = functionDefinitions(coderTools);
    expect(definitions[1]).toMatchObject({
      type: "function",
      function: { name: "read_file", parameters: { type: "object", required: ["path"] } },
    });
  });
});

describe("runTool", () => {
  it("names the available tools for an unknown one", async () => {
    expect(await runTool(architectTools, "str_replace", "{}", context)).toBe(
      "Error: unknown tool str_replace; available: list_files, read_file, search_code.",
    );
  });

  it("refuses arguments that are not a JSON object", async () => {
    expect(await runTool(coderTools, "read_file", "{path: src", context)).toMatch(/^Error: arguments are not valid JSON: /);
    expect(await runTool(coderTools, "read_file", "[1]", context)).toMatch(/^Error: arguments must be a JSON object/);
  });

  it("says what shape the arguments need", async () => {
    expect(await runTool(coderTools, "read_file", "{}", context)).toMatch(
      /^Error: read_file needs \{path: string, start_line\?: integer, end_line\?: integer\}; path: /,
    );
    expect(await call("str_replace", { path: "src/app.ts", old_str: 1 })).toMatch(
      /^Error: str_replace needs \{path: string, old_str: string, new_str: string\}; old_str: .*; new_str: /,
    );
  });

  it("treats empty arguments as {} and turns a throwing tool into an Error result", async () => {
    expect(await runTool(coderTools, "run_checks", "", context)).toMatch(/^No checks configured/);
    const failing: ToolContext = { ...context, runChecks: () => Promise.reject(new Error("runner crashed")) };
    expect(await runTool(coderTools, "run_checks", "{}", failing)).toBe("Error: run_checks failed: runner crashed");
    const passing: ToolContext = { ...context, runChecks: () => Promise.resolve("✅ npm test (1.0 s)") };
    expect(await runTool(coderTools, "run_checks", "{}", passing)).toBe("✅ npm test (1.0 s)");
  });
});

describe("list_files", () => {
  it("lists one level, directories first with a slash, .git skipped, protected marked", async () => {
    expect(await call("list_files", { path: "." })).toBe(
      ["./ (4 entries)", ".github/ (protected)", "docs/", "src/", "README.md"].join("\n"),
    );
    expect(await call("list_files", { path: ".github" })).toMatch(/^Error: path ".github" is protected/);
    expect(await call("list_files", { path: "src" })).toContain("src/ (4 entries)\napp.ts\nlong.txt");
  });

  it("caps at 500 entries with a note", async () => {
    writeFiles(root, Object.fromEntries(Array.from({ length: 520 }, (_, index) => [`many/f${index}.txt`, ""])));
    const output = (await call("list_files", { path: "many" })).split("\n");
    expect(output[0]).toBe("many/ (520 entries)");
    expect(output).toHaveLength(502);
    expect(output.at(-1)).toBe("… 20 more entries not shown; list a subdirectory or use search_code.");
  });

  it("explains a file, a missing path and a refused path", async () => {
    expect(await call("list_files", { path: "README.md" })).toMatch(/^Error: README.md is a file, not a directory/);
    expect(await call("list_files", { path: "nope" })).toMatch(/^Error: nope does not exist; use list_files/);
    expect(await call("list_files", { path: "../" })).toMatch(/^Error: path "..\/" is outside the repository/);
    expect(await call("list_files", { path: ".git" })).toMatch(/^Error: path ".git" is inside .git/);
  });
});

describe("read_file", () => {
  it("shows a numbered window of at most 100 lines and how to see more", async () => {
    const output = (await call("read_file", { path: "src/long.txt" })).split("\n");
    expect(output[0]).toBe("src/long.txt (lines 1-100 of 250)");
    expect(output[1]).toBe("   1| line 1");
    expect(output[100]).toBe(" 100| line 100");
    expect(output[101]).toBe("… 150 more lines; call read_file with start_line=101 to see more.");
  });

  it("honours start_line and end_line, clips long ranges, accepts numbers as strings", async () => {
    expect(await call("read_file", { path: "src/long.txt", start_line: 12, end_line: 13 })).toBe(
      ["src/long.txt (lines 12-13 of 250)", "  12| line 12", "  13| line 13", "… 237 more lines; call read_file with start_line=14 to see more."].join("\n"),
    );
    const clipped = await call("read_file", { path: "src/long.txt", start_line: "120", end_line: 245 });
    expect(clipped.split("\n")[0]).toBe("src/long.txt (lines 120-219 of 250)");
    expect(clipped).toContain("a window shows at most 100 lines");
    const tail = await call("read_file", { path: "src/long.txt", start_line: 240 });
    expect(tail.split("\n")).toHaveLength(12);
    expect(tail).not.toContain("more lines");
  });

  it("explains bad windows, binary files, directories and protected files", async () => {
    expect(await call("read_file", { path: "src/long.txt", start_line: 300 })).toMatch(/^Error: start_line 300 is past the end/);
    expect(await call("read_file", { path: "src/long.txt", start_line: 0 })).toMatch(/^Error: read_file needs/);
    writeFileSync(path.join(root, "image.bin"), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    expect(await call("read_file", { path: "image.bin" })).toBe("Error: image.bin is a binary file; it cannot be shown as text.");
    expect(await call("read_file", { path: "src" })).toMatch(/^Error: src is a directory/);
    expect(await call("read_file", { path: ".github/workflows/ci.yml" })).toMatch(/^Error: path ".*" is protected/);
    writeFileSync(path.join(root, "empty.txt"), "");
    expect(await call("read_file", { path: "empty.txt" })).toBe("empty.txt (empty file)");
  });
});

describe("search_code", () => {
  it("finds case-insensitive substrings as path:line: text, skipping protected files", async () => {
    expect(await call("search_code", { query: "GREET" })).toBe(
      ['2 matches for "GREET":', "docs/guide.md:1: Call greet() to say hello.", "src/app.ts:1: export function greet(name: string) {"].join("\n"),
    );
  });

  it("limits to a path, sees untracked files, and says when nothing matches", async () => {
    writeFiles(root, { "src/new.ts": "// greet me too\n" });
    expect(await call("search_code", { query: "greet", path: "src" })).toBe(
      ['2 matches for "greet" in src:', "src/app.ts:1: export function greet(name: string) {", "src/new.ts:1: // greet me too"].join("\n"),
    );
    expect(await call("search_code", { query: "no such text" })).toBe('No matches for "no such text".');
    expect(await call("search_code", { query: "-e" })).toBe('No matches for "-e".');
  });

  it("caps at 50 hits and skips binary and large files", async () => {
    writeFiles(root, { "many.txt": numbered(80, "needle") });
    writeFileSync(path.join(root, "blob.bin"), Buffer.concat([Buffer.from("needle\n"), Buffer.from([0])]));
    writeFileSync(path.join(root, "big.txt"), "needle\n".repeat(200_000));
    const output = (await call("search_code", { query: "needle" })).split("\n");
    expect(output[0]).toBe('More than 50 matches for "needle"; the first 50:');
    expect(output).toHaveLength(52);
    expect(output.slice(1, -1).every((line) => line.startsWith("many.txt:"))).toBe(true);
  });

  it("walks a directory that is not a git repository", async () => {
    writeFiles(outside, { "a/b.txt": "Find ME\n", ".git-not/x.txt": "nothing\n", "node_modules/x/find.js": "find me\n" });
    writeFiles(root, { "elsewhere.txt": "find me elsewhere\n" });
    symlinkSync(root, path.join(outside, "link-out"));
    expect(await runTool(coderTools, "search_code", '{"query":"find me"}', { root: outside, protectedPaths: [] })).toBe(
      '1 match for "find me":\na/b.txt:1: Find ME',
    );
  });
});

describe("str_replace", () => {
  it("replaces a unique match and shows the edited lines", async () => {
    const output = await call("str_replace", { path: "src/util.ts", old_str: "x * 3", new_str: "x * 3 // triple" });
    expect(output).toBe(
      ["Edited src/util.ts: replaced 1 occurrence. Lines 1-2 now read:", "   1| export const twice = (x: number) => x * 2;", "   2| export const thrice = (x: number) => x * 3 // triple;", "Check that the edit is what you meant; read_file shows more."].join("\n"),
    );
    expect(readFileSync(path.join(root, "src/util.ts"), "utf8")).toContain("x * 3 // triple;");
  });

  it("refuses zero and many matches without touching the file", async () => {
    expect(await call("str_replace", { path: "src/util.ts", old_str: "x * 4", new_str: "y" })).toBe(
      "Error: old_str not found in src/util.ts; read_file to copy the exact text.",
    );
    expect(await call("str_replace", { path: "src/repeat.txt", old_str: "same", new_str: "other" })).toBe(
      "Error: old_str matches 3 times in src/repeat.txt; include more surrounding lines to make it unique.",
    );
    expect(readFileSync(path.join(root, "src/repeat.txt"), "utf8")).toBe("same\nsame\nsame\n");
  });

  it("takes new_str literally and keeps Windows line endings", async () => {
    writeFiles(root, { "crlf.txt": "one\r\ntwo\r\nthree\r\n" });
    await call("str_replace", { path: "crlf.txt", old_str: "one\ntwo", new_str: "1\n$& 2" });
    expect(readFileSync(path.join(root, "crlf.txt"), "utf8")).toBe("1\r\n$& 2\r\nthree\r\n");
  });

  it("refuses protected paths, .git and paths outside", async () => {
    expect(await call("str_replace", { path: ".github/workflows/ci.yml", old_str: "push", new_str: "x" })).toMatch(/is protected/);
    expect(await call("str_replace", { path: ".git/HEAD", old_str: "main", new_str: "x" })).toMatch(/inside .git/);
    symlinkSync(outside, path.join(root, "escape"));
    writeFiles(outside, { "target.txt": "keep\n" });
    expect(await call("str_replace", { path: "escape/target.txt", old_str: "keep", new_str: "x" })).toMatch(/outside the repository/);
    expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("keep\n");
  });
});

describe("create_file and delete_file", () => {
  it("creates directories, says when it overwrote a file, and refuses unsafe paths", async () => {
    expect(await call("create_file", { path: "src/deep/new.ts", content: "a\nb\n" })).toBe("Created src/deep/new.ts (2 lines).");
    expect(readFileSync(path.join(root, "src/deep/new.ts"), "utf8")).toBe("a\nb\n");
    expect(await call("create_file", { path: "README.md", content: "new\n" })).toBe(
      "Overwrote existing file README.md (1 line); its previous content is gone.",
    );
    expect(await call("create_file", { path: "src", content: "" })).toMatch(/^Error: src is a directory/);
    expect(await call("create_file", { path: ".github/workflows/evil.yml", content: "x" })).toMatch(/is protected/);
    expect(await call("create_file", { path: ".git/hooks/pre-commit", content: "x" })).toMatch(/inside .git/);
    symlinkSync(outside, path.join(root, "escape"));
    expect(await call("create_file", { path: "escape/planted.txt", content: "x" })).toMatch(/outside the repository/);
    expect(existsSync(path.join(outside, "planted.txt"))).toBe(false);
  });

  it("deletes one file and explains what it cannot delete", async () => {
    expect(await call("delete_file", { path: "src/util.ts" })).toBe("Deleted src/util.ts.");
    expect(existsSync(path.join(root, "src/util.ts"))).toBe(false);
    expect(await call("delete_file", { path: "src/util.ts" })).toMatch(/^Error: src\/util.ts does not exist/);
    expect(await call("delete_file", { path: "docs" })).toMatch(/^Error: docs is a directory/);
    expect(await call("delete_file", { path: ".github/workflows/ci.yml" })).toMatch(/is protected/);
  });
});
