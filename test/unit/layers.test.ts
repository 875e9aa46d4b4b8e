// The layer rules (.ci/dependency-cruiser.cjs): src/ keeps them, and a forbidden import or a cycle fails the check.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const depcruise = path.join(root, "node_modules", ".bin", "depcruise");
const config = path.join(root, ".ci", "dependency-cruiser.cjs");

function cruise(cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(depcruise, ["--config", config, "src"], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** A throw-away tree shaped like ours, with the given files under src/. */
function tree(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), "venom-layers-"));
  writeFileSync(path.join(directory, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(directory, "src", file)), { recursive: true });
    writeFileSync(path.join(directory, "src", file), content);
  }
  return directory;
}

describe("layer rules", () => {
  it("hold for src/", async () => {
    const { code, output } = await cruise(root);
    expect(output).toContain("no dependency violations found");
    expect(code).toBe(0);
  }, 60_000);

  it.each([
    ["skills-never-import-the-pipeline", { "skills/search.ts": 'import { plan } from "../pipeline/plan.js";\nexport const search = plan;\n', "pipeline/plan.ts": "export const plan = 1;\n" }],
    ["nothing-imports-the-wiring", { "pipeline/plan.ts": 'import { createVenom } from "../venom.js";\nexport const plan = createVenom;\n', "venom.ts": "export const createVenom = 1;\n" }],
    ["queue-knows-no-jobs", { "queue/store.ts": 'import { plan } from "../pipeline/plan.js";\nexport const store = plan;\n', "pipeline/plan.ts": "export const plan = 1;\n" }],
    ["config-is-parsed-first", { "config/env.ts": 'import type { Limits } from "../traffic/limits.js";\nexport type Env = Limits;\n', "traffic/limits.ts": "export type Limits = number;\n" }],
    ["no-cycles", { "llm/a.ts": 'import { b } from "./b.js";\nexport const a = b;\n', "llm/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n' }],
  ])("fail on a deliberate violation: %s", async (rule, files) => {
    const { code, output } = await cruise(tree(files));
    expect(code).not.toBe(0);
    expect(output).toContain(rule);
  }, 60_000);

  it("let an allowed direction pass (the pipeline uses a skill)", async () => {
    const { code } = await cruise(tree({ "pipeline/plan.ts": 'import { search } from "../skills/search.js";\nexport const plan = search;\n', "skills/search.ts": "export const search = 1;\n" }));
    expect(code).toBe(0);
  }, 60_000);
});
