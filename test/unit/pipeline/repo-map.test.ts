import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepoMap } from "../../../src/pipeline/repo-map.js";
import { createRepository, git, removeDirectories, temporaryDirectory, writeFiles } from "./git-fixture.js";

const generated: Record<string, string> = {};
for (let module = 0; module < 50; module++) {
  for (let part = 0; part < 10; part++) {
    for (let file = 0; file < 10; file++) generated[`src/module${module}/part${part}/file${file}.ts`] = "";
  }
}
for (let page = 0; page < 300; page++) generated[`docs/page${page}.md`] = "";

let large: string;
let small: string;
let plain: string;

beforeAll(async () => {
  large = await createRepository({ "README.md": "# Big\n", "package.json": "{}\n", "zeta.txt": "", ...generated });
  small = await createRepository({
    "README.md": "",
    "package.json": "",
    "LICENSE": "",
    "src/index.ts": "",
    "src/main/java/com/example/App.java": "",
    "test/index.test.ts": "",
    "dist/bundle.js": "",
    ".gitignore": "ignored/\n",
  });
  writeFiles(small, { "ignored/skip.txt": "", "src/untracked.ts": "" });
  plain = temporaryDirectory();
  writeFiles(plain, { "a.txt": "", "lib/b.txt": "", "node_modules/x/index.js": "" });
});

afterAll(() => removeDirectories(large, small, plain));

describe("buildRepoMap", () => {
  it("stays within the token budget on 5,000+ files, quickly, with the summary line", async () => {
    for (const maxTokens of [3000, 500, 40]) {
      const started = performance.now();
      const map = await buildRepoMap(large, { maxTokens });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(map.length / 4).toBeLessThanOrEqual(maxTokens);
      const lines = map.split("\n");
      expect(lines[0]).toBe("Repository files (5303 files):");
      expect(lines.at(-1)).toMatch(/^… \d+ more files \(use list_files\)$/);
    }
  });

  it("puts key files first, then source directories, and counts closed directories", async () => {
    const lines = (await buildRepoMap(large, { maxTokens: 40 })).split("\n");
    expect(lines.slice(1)).toEqual([
      "README.md",
      "package.json",
      "src/ (5000 files)",
      "docs/ (300 files)",
      "zeta.txt",
      "… 5300 more files (use list_files)",
    ]);
  });

  it("opens directories breadth-first and sums up what it cannot show", async () => {
    const map = await buildRepoMap(large, { maxTokens: 3000 });
    expect(map).toContain("src/\n  module0/\n");
    expect(map).toContain("  … 2000 more files\n");
    const hidden = Number(/… (\d+) more files \(use list_files\)$/.exec(map)?.[1]);
    const named = map.split("\n").filter((line) => /\.(ts|md|txt|json)$/.test(line.trim())).length;
    expect(hidden + named).toBe(5303);
  });

  it("shows a small repository whole: git's view, chains joined, build output last", async () => {
    expect(await buildRepoMap(small)).toBe(
      [
        "Repository files (9 files):",
        "README.md",
        "package.json",
        "src/",
        "  index.ts",
        "  main/java/com/example/",
        "    App.java",
        "  untracked.ts",
        "test/",
        "  index.test.ts",
        "dist/",
        "  bundle.js",
        ".gitignore",
        "LICENSE",
      ].join("\n"),
    );
  });

  it("walks a directory that is not a git repository", async () => {
    expect(await buildRepoMap(plain)).toBe(["Repository files (2 files):", "lib/", "  b.txt", "a.txt"].join("\n"));
    await git(plain, "init", "--quiet");
    expect(await buildRepoMap(plain)).toContain("node_modules/");
  });
});
