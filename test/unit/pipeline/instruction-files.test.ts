// Which instruction files apply (root AGENTS.md, else CLAUDE.md or copilot-instructions.md; nested AGENTS.md) and the token cap.
import { describe, expect, it } from "vitest";
import {
  cachedReader,
  committedFileReader,
  instructionFolders,
  readInstructionFiles,
  renderInstructions,
  trackedAgentsFiles,
  type InstructionReader,
} from "../../../src/pipeline/instruction-files.js";
import { renderStatus } from "../../../src/pipeline/status-comment.js";
import { createRepository, writeFiles } from "./git-fixture.js";

function reader(files: Record<string, string>): InstructionReader & { asked: string[] } {
  const asked: string[] = [];
  const read = async (filePath: string) => {
    asked.push(filePath);
    return files[filePath];
  };
  return Object.assign(read, { asked });
}

describe("instructionFolders", () => {
  it("lists each file's folder and every folder above it, shallowest first, without the root or paths outside", () => {
    expect(instructionFolders(["src/app/main.ts", "src/util.ts", "README.md", "../outside/x.ts", "/lib/a/b.ts"])).toEqual(["lib", "src", "lib/a", "src/app"]);
  });
});

describe("readInstructionFiles", () => {
  it("takes the root AGENTS.md and the nested ones above the files", async () => {
    const read = reader({ "AGENTS.md": "root", "CLAUDE.md": "claude", "src/AGENTS.md": "src", "src/app/AGENTS.md": "app", "docs/AGENTS.md": "docs" });
    const found = await readInstructionFiles(read, ["src/app/main.ts"]);
    expect(found.map((file) => file.path)).toEqual(["AGENTS.md", "src/AGENTS.md", "src/app/AGENTS.md"]);
  });

  it("falls back to CLAUDE.md, then .github/copilot-instructions.md, when there is no root AGENTS.md", async () => {
    expect((await readInstructionFiles(reader({ "CLAUDE.md": "claude", ".github/copilot-instructions.md": "copilot" }))).map((file) => file.path)).toEqual(["CLAUDE.md"]);
    expect((await readInstructionFiles(reader({ ".github/copilot-instructions.md": "copilot" }))).map((file) => file.path)).toEqual([".github/copilot-instructions.md"]);
    expect(await readInstructionFiles(reader({ "AGENTS.md": "  \n" }))).toEqual([]);
  });

  it("asks the trusted revision once per path", async () => {
    const read = reader({ "AGENTS.md": "root" });
    const cached = cachedReader(read);
    await readInstructionFiles(cached, ["src/a.ts"]);
    await readInstructionFiles(cached, ["src/b.ts"]);
    expect(read.asked).toEqual(["AGENTS.md", "src/AGENTS.md"]);
  });
});

describe("renderInstructions", () => {
  it("labels each file with its path as maintainer guidance", () => {
    const guidance = renderInstructions([
      { path: "AGENTS.md", text: "Use tabs." },
      { path: "src/AGENTS.md", text: "```\nclose the fence\n```" },
    ]);
    expect(guidance.paths).toEqual(["AGENTS.md", "src/AGENTS.md"]);
    expect(guidance.text).toContain("Maintainer guidance");
    expect(guidance.text).toContain("Instruction file `AGENTS.md` (from the maintainers):\n```text\nUse tabs.\n```");
    // A file cannot close its fence early.
    expect(guidance.text).toContain("``\nclose the fence\n``");
    expect(guidance.text).not.toContain("cut");
  });

  it("keeps all files within the token cap, cuts the one that crosses it and leaves out the rest", () => {
    const guidance = renderInstructions(
      [
        { path: "AGENTS.md", text: "a".repeat(300) },
        { path: "src/AGENTS.md", text: "b".repeat(300) },
        { path: "src/app/AGENTS.md", text: "c".repeat(10) },
      ],
      100,
    );
    expect(guidance.text).toContain("a".repeat(300));
    expect(guidance.text).toContain(`${"b".repeat(100)}\n\`\`\``);
    expect(guidance.text).not.toContain("b".repeat(101));
    expect(guidance.text).toContain("This file was cut: only its first 100 of 300 characters fit the instruction files' cap of 100 tokens.");
    expect(guidance.text).toContain("Instruction file `src/app/AGENTS.md`: left out");
    expect(guidance.paths).toEqual(["AGENTS.md", "src/AGENTS.md"]);
  });

  it("renders nothing without files", () => {
    expect(renderInstructions([])).toEqual({ text: "", paths: [] });
  });
});

describe("status comment", () => {
  it("lists the instruction files used", () => {
    expect(renderStatus({ steps: {}, instructions: ["AGENTS.md", "src/AGENTS.md"] })).toContain("**Instructions:** AGENTS.md, src/AGENTS.md");
  });
});

describe("reading from a commit", () => {
  it("reads the committed text, never the working tree's edits, and finds nested AGENTS.md at any depth", async () => {
    const root = await createRepository({ "AGENTS.md": "committed rule\n", "src/AGENTS.md": "src rule\n", "src/app/deep/AGENTS.md": "deep\n", "a.js": "" });
    // What a model would write into the checkout after the commit.
    writeFiles(root, { "AGENTS.md": "edited rule\n", "CLAUDE.md": "added\n" });
    const read = committedFileReader(root, "HEAD");
    expect(await read("AGENTS.md")).toBe("committed rule\n");
    expect(await read("CLAUDE.md")).toBeUndefined();
    expect((await trackedAgentsFiles(root)).sort()).toEqual(["src/AGENTS.md", "src/app/deep/AGENTS.md"]);
  });
});
