// Isolation end to end in local mode (`venom fix`): a tricked model rewrites the check to escape; every attempt fails and the fix lands on a branch.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { attackFiles, startListener, survivors } from "../fixtures/sandbox-attack.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { bwrapAvailable } from "../support/sandboxes.js";
import { testPrivateKey } from "../support/venom-process.js";

const available = await bwrapAvailable();
// The real test needs what setup installed, so passing checks prove setup ran (in the run's own worktree).
const realTest = "test -f node_modules/dep/index.js && node -e \"if (require('./calc.js').add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": `${realTest}\n`,
  ".gitignore": "node_modules/\n",
  // Setup leaves output behind (and has network); none of it may reach the commit.
  ".github/venom.yml": "setup:\n  - echo installed > setup-output.txt && mkdir -p node_modules/dep && echo x > node_modules/dep/index.js\nchecks:\n  - sh test.sh\nmax_iterations: 10\n",
};
const branch = "issue-local-attack";

let llm: FakeLlm;
let listener: Awaited<ReturnType<typeof startListener>>;
let root: string;
let dataDir: string;
let outsideDirectory: string;
let privateKey: string;
let privateKeyPath: string;
const marker = 21_000 + Math.floor(Math.random() * 9_000);

beforeAll(async () => {
  if (!available) return;
  llm = await FakeLlm.start();
  listener = await startListener();
  privateKey = testPrivateKey();
  const home = mkdtempSync(path.join(tmpdir(), "venom-local-isolation-"));
  dataDir = path.join(home, "data");
  outsideDirectory = path.join(home, "outside");
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(outsideDirectory, { recursive: true });
  writeFileSync(path.join(dataDir, "venom.db"), "SQLite format 3\0 pretend database");
  privateKeyPath = path.join(home, "app.pem");
  writeFileSync(privateKeyPath, privateKey, { mode: 0o600 });
  root = makeRepo(path.join(home, "repo"));

  const attack = attackFiles({ privateKeyPath, dataDir, outsideDirectory, port: listener.port, marker, realTest });
  llm.whenExhausted(
    policy({
      attack: {
        file: "calc.js",
        coder: [
          { name: "create_file", arguments: { path: "attack.js", content: attack["attack.js"] } },
          { name: "create_file", arguments: { path: "test.sh", content: attack["test.sh"] } },
          { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } },
          { name: "run_checks", arguments: {} },
        ],
      },
    }),
  );
});

afterAll(async () => {
  if (!available) return;
  await Promise.all([llm.stop(), listener.close()]);
});

function makeRepo(directory: string): string {
  mkdirSync(path.join(directory, ".github"), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: directory, stdio: "pipe" });
  git("init", "--quiet", "-b", "main");
  git("add", ".");
  git("-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "--quiet", "-m", "init");
  return directory;
}

/** The body of the key without its armour: the part that must never leave the host. */
function keyBody(): string {
  return privateKey.split("\n").slice(1, 4).join("");
}

describe.skipIf(!available)("Isolation (bubblewrap) in local mode", () => {
  it("stops every escape from a rewritten check; the branch holds the fix and only the model's files", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["fix", "--repo", root, "--issue", "[attack] add() subtracts\nadd(2,3) returns -1", "--branch", branch, "--json"], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        LOG_LEVEL: "error",
        VENOM_SANDBOX: "bwrap",
        VENOM_SANDBOX_MEMORY_MB: "1024",
        VENOM_SANDBOX_PROCESSES: "128",
        VENOM_DATA_DIR: dataDir,
        APP_ID: "1",
        PRIVATE_KEY_PATH: privateKeyPath,
      },
      cwd: root,
    });
    expect(err.join("\n")).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(out.join("\n")) as Record<string, unknown>;
    expect(result).toMatchObject({ branch, checks: "passed", isolation: "checks ran in bubblewrap, no network" });

    // The checks ran the attack (its summary reached the model) and passed, so every attempt failed.
    const toolResults = llm.requests
      .flatMap((request) => request.messages.filter((message) => message.role === "tool").map((message) => String(message.content)))
      .join("\n");
    expect(toolResults).toMatch(/✅ sh test\.sh/);

    // One commit with exactly the model's files; nothing setup or the checks left behind.
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root }).toString().trim();
    expect(git("rev-list", "--count", `main..${branch}`)).toBe("1");
    expect(git("show", "--name-only", "--format=", branch).split("\n").sort()).toEqual(["attack.js", "calc.js", "test.sh"]);
    expect(git("show", `${branch}:calc.js`)).toContain("return a + b;");
    expect(git("show", `${branch}:test.sh`)).toContain("node attack.js");
    const tree = git("ls-tree", "-r", "--name-only", branch).split("\n");
    expect(tree.sort()).toEqual([".github/venom.yml", ".gitignore", "attack.js", "calc.js", "test.sh"]);

    // The user's working tree is back on its branch, clean, without the run's leftovers.
    expect(git("rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git("status", "--porcelain")).toBe("");
    // The run worked in a worktree of its own: nothing it, setup or the checks made reaches the user's checkout.
    for (const leftover of ["setup-output.txt", "leak-report.txt", "build", "attack.js", "node_modules"]) expect(existsSync(path.join(root, leftover))).toBe(false);
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
    expect(existsSync(path.join(root, ".git/hooks/pre-push"))).toBe(false);
    expect(readFileSync(path.join(root, ".git/config"), "utf8")).not.toContain("fsmonitor");

    // The host: nothing written outside, no connection to its loopback, no process left.
    expect(existsSync(path.join(outsideDirectory, "escaped.txt"))).toBe(false);
    expect(existsSync(path.join(outsideDirectory, "hook-ran"))).toBe(false);
    expect(existsSync(path.join(outsideDirectory, "fsmonitor-ran"))).toBe(false);
    expect(existsSync("/usr/venom-escaped")).toBe(false);
    expect(listener.connections()).toBe(0);
    expect(survivors(marker)).toEqual([]);

    // The key never reached a prompt.
    expect(JSON.stringify(llm.requests.map((request) => request.messages))).not.toContain(keyBody());
    expect(out.join("\n")).not.toContain(keyBody());
  }, 120_000);
});
