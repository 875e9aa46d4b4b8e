// The bubblewrap sandbox against a real escape attempt, with a host run (VENOM_SANDBOX=none) as the control that proves the attack works.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attackFiles, startListener, survivors } from "../../../fixtures/sandbox-attack.js";
import { bwrapAvailable, checkRunner } from "../../../support/sandboxes.js";
import { testPrivateKey } from "../../../support/venom-process.js";
import { createRepository, temporaryDirectory, writeFiles } from "../git-fixture.js";

const available = await bwrapAvailable();
const limits = { memoryBytes: 1 << 30, processes: 128 };
const scratch = temporaryDirectory("venom-escape-");
const dataDir = path.join(scratch, "data");
const privateKeyPath = path.join(scratch, "app.pem");
const outsideDirectory = path.join(scratch, "outside");
let listener: Awaited<ReturnType<typeof startListener>>;

beforeAll(async () => {
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(outsideDirectory, { recursive: true });
  writeFileSync(path.join(dataDir, "venom.db"), "SQLite format 3\0 pretend database");
  writeFileSync(privateKeyPath, testPrivateKey(), { mode: 0o600 });
  listener = await startListener();
});

afterAll(async () => {
  await listener.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A committed git working copy (so `.git` exists) with `files` written on top, uncommitted. */
async function workspaceWith(files: Record<string, string> = {}): Promise<string> {
  const root = await createRepository({ "README.md": "# guarded\n" }, temporaryDirectory("venom-escape-workspace-"));
  writeFiles(root, files);
  return root;
}

/** Host processes whose command line contains `needle`. */
function hostProcesses(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (commandLine.includes(needle)) found.push(`${pid}: ${commandLine}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function bwrapRunner() {
  return checkRunner("bwrap", { limits, hidden: [dataDir, privateKeyPath] });
}

describe.skipIf(!available)("bubblewrap against the escape attack", () => {
  it("blocks every attempt; the process limit holds the fork bomb and nothing is left on the host", async () => {
    const marker = 41_000 + Math.floor(Math.random() * 9_000);
    const connectionsBefore = listener.connections();
    const cwd = await workspaceWith(
      attackFiles({ privateKeyPath, dataDir, outsideDirectory, port: listener.port, marker, realTest: "true" }),
    );
    const run = await bwrapRunner().runCommands(["sh test.sh"], { cwd, timeoutMs: 60_000 });
    const [result] = run.results;
    expect(result?.exitCode, result?.output).toBe(0);
    expect(run.isolation).toBe("checks ran in bubblewrap, no network");
    for (const line of [
      "blocked: private key",
      "blocked: database",
      "blocked: write outside",
      "blocked: plant pre-push hook",
      "blocked: tcp",
      "fork bomb held at",
      "every escape attempt failed",
    ]) {
      expect(result?.output).toContain(line);
    }
    const held = Number(/fork bomb held at (\d+) processes/.exec(result?.output ?? "")?.[1]);
    expect(held).toBeLessThanOrEqual(limits.processes);
    expect(existsSync(path.join(outsideDirectory, "escaped.txt"))).toBe(false);
    expect(existsSync(path.join(cwd, ".git/hooks/pre-push"))).toBe(false);
    expect(readFileSync(path.join(cwd, ".git/config"), "utf8")).not.toContain("fsmonitor");
    expect(listener.connections()).toBe(connectionsBefore);
    expect(survivors(marker)).toEqual([]);
  }, 60_000);

  it("ends what a command leaves running in the background, daemonised or not", async () => {
    const cwd = await workspaceWith();
    const run = await bwrapRunner().runCommands(["sleep 987654 & setsid sleep 987655 </dev/null >/dev/null 2>&1 & echo started"], { cwd });
    expect(run.results[0]?.exitCode, run.results[0]?.output).toBe(0);
    expect(run.results[0]?.output).toContain("started");
    expect(hostProcesses("sleep 987654")).toEqual([]);
    expect(hostProcesses("sleep 987655")).toEqual([]);
  });

  it("kills the whole sandbox on timeout", async () => {
    const cwd = await workspaceWith();
    const run = await bwrapRunner().runCommands(["sleep 876543 & sleep 30"], { cwd, timeoutMs: 500 });
    const [result] = run.results;
    expect(run.passed).toBe(false);
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    expect(result?.durationMs).toBeLessThan(5_000);
    expect(hostProcesses("sleep 876543")).toEqual([]);
  });

  it("shows .git read-only and the rest of the workspace writable", async () => {
    const cwd = await workspaceWith();
    const run = await bwrapRunner().runCommands(
      ["if touch .git/planted 2>/dev/null; then echo git-writable; else echo git-read-only; fi; echo hello > written.txt"],
      { cwd },
    );
    expect(run.results[0]?.exitCode, run.results[0]?.output).toBe(0);
    expect(run.results[0]?.output).toContain("git-read-only");
    expect(existsSync(path.join(cwd, ".git/planted"))).toBe(false);
    expect(readFileSync(path.join(cwd, "written.txt"), "utf8")).toBe("hello\n");
  });

  it("reaches the host's loopback only when the network is allowed", async () => {
    const cwd = await workspaceWith();
    const connect =
      `node -e "require('net').connect(${listener.port}, '127.0.0.1')` +
      `.on('connect', () => { console.log('connected'); process.exit(0); })` +
      `.on('error', (error) => { console.log('refused ' + error.code); process.exit(1); })"`;
    const runner = bwrapRunner();

    const before = listener.connections();
    const denied = await runner.runCommands([connect], { cwd });
    expect(denied.results[0]?.exitCode, denied.results[0]?.output).toBe(1);
    expect(denied.results[0]?.output).toContain("refused");
    expect(denied.isolation).toBe("checks ran in bubblewrap, no network");
    expect(listener.connections()).toBe(before);

    const allowed = await runner.runCommands([connect], { cwd, network: true });
    expect(allowed.results[0]?.exitCode, allowed.results[0]?.output).toBe(0);
    expect(allowed.results[0]?.output).toContain("connected");
    expect(allowed.isolation).toBe("checks ran in bubblewrap, network allowed");
    expect(listener.connections()).toBe(before + 1);
  });
});

describe("the attack without isolation (negative control)", () => {
  it("reads the key, writes outside and reaches the loopback on the host: the attack is real", async () => {
    const marker = 51_000 + Math.floor(Math.random() * 9_000);
    const connectionsBefore = listener.connections();
    const escaped = path.join(outsideDirectory, "escaped.txt");
    rmSync(escaped, { force: true });
    // Never the fork bomb, the sleepers, the memory fill or the write into /usr on the host.
    const cwd = await workspaceWith(
      attackFiles({ privateKeyPath, dataDir, outsideDirectory, port: listener.port, marker, realTest: "true" }, { unsafeParts: false }),
    );
    const run = await checkRunner("none").runCommands(["sh test.sh"], { cwd, timeoutMs: 60_000 });
    const [result] = run.results;
    expect(result?.exitCode, result?.output).toBe(1);
    expect(result?.output).toMatch(/LEAKS:[\s\S]*private key: read/);
    expect(result?.output).toMatch(/database: read/);
    expect(result?.output).not.toContain("fork bomb");
    expect(existsSync(escaped)).toBe(true);
    expect(listener.connections()).toBe(connectionsBefore + 1);
    expect(survivors(marker)).toEqual([]);
    rmSync(escaped, { force: true });
  }, 60_000);
});
