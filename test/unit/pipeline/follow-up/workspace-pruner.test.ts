import { mkdirSync, mkdtempSync, existsSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KEPT_WORKSPACE_RETENTION_MS, KeptWorkspacePruner, pruneKeptWorkspaces } from "../../../../src/pipeline/follow-up/workspace-pruner.js";

const DAY = 86_400_000;
const now = Date.parse("2026-11-29T12:00:00Z");

/** A data dir with workspaces last used `age` ms before `now`. */
function dataDirWith(workspaces: Record<string, number>): string {
  const dataDir = mkdtempSync(path.join(tmpdir(), "venom-prune-"));
  for (const [name, age] of Object.entries(workspaces)) {
    const root = path.join(dataDir, "workspaces", name);
    mkdirSync(path.join(root, ".git"), { recursive: true });
    writeFileSync(path.join(root, "README.md"), "# x\n");
    const when = new Date(now - age);
    utimesSync(root, when, when);
  }
  return dataDir;
}

const exists = (dataDir: string, name: string) => existsSync(path.join(dataDir, "workspaces", name));

describe("pruneKeptWorkspaces", () => {
  it("removes kept clones unused past the retention, keeps recent ones and never touches a job's own clone", async () => {
    const dataDir = dataDirWith({
      "octo__calc__issue-1": 8 * DAY,
      "octo__calc__issue-2": 6 * DAY,
      "octo__calc__mx2fv9xqdc9be7ab": 30 * DAY,
    });
    const removed = await pruneKeptWorkspaces({ dataDir, now: () => now });
    expect(removed).toEqual(["octo__calc__issue-1"]);
    expect(exists(dataDir, "octo__calc__issue-1")).toBe(false);
    expect(exists(dataDir, "octo__calc__issue-2")).toBe(true);
    expect(exists(dataDir, "octo__calc__mx2fv9xqdc9be7ab")).toBe(true);
    // A week later the other one goes too; the retention defaults to seven days.
    expect(KEPT_WORKSPACE_RETENTION_MS).toBe(7 * DAY);
    expect(await pruneKeptWorkspaces({ dataDir, now: () => now + 2 * DAY })).toEqual(["octo__calc__issue-2"]);
  });

  it("finds nothing to do without a workspaces directory", async () => {
    expect(await pruneKeptWorkspaces({ dataDir: mkdtempSync(path.join(tmpdir(), "venom-prune-")), now: () => now })).toEqual([]);
  });

  it("prunes at start, shares a prune under way, and logs what it removed", async () => {
    const dataDir = dataDirWith({ "o__r__issue-3": 10 * DAY });
    const logged: object[] = [];
    const pruner = new KeptWorkspacePruner({ dataDir, now: () => now, retentionMs: DAY, log: { info: (object) => logged.push(object), warn: () => undefined }, intervalMs: 60_000 });
    pruner.start();
    // A call while the start's prune runs shares it; the next one finds nothing left.
    expect(await pruner.pruneNow()).toEqual(["o__r__issue-3"]);
    expect(await pruner.pruneNow()).toEqual([]);
    await pruner.stop();
    expect(exists(dataDir, "o__r__issue-3")).toBe(false);
    expect(logged).toEqual([{ removed: ["o__r__issue-3"] }]);
  });
});
