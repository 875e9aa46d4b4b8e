// `venom fix` on a local repository: the same Architect, Coder and Guardian, no GitHub; the result is a branch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";

let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start();
  llm.whenExhausted(
    policy({
      local: {
        file: "calc.js",
        coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "a - b", new_str: "a + b" } }],
      },
    }),
  );
});
afterAll(async () => {
  await llm.stop();
});

function makeRepo(): string {
  const root = mkdtempSync(path.join(tmpdir(), "venom-local-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "pipe" }).toString().trim();
  git("init", "--quiet", "-b", "main");
  writeFileSync(path.join(root, "calc.js"), "module.exports.add = (a, b) => a - b;\n");
  writeFileSync(path.join(root, "check.sh"), "node -e \"if (require('./calc.js').add(2,3)!==5) process.exit(1)\"\n");
  execFileSync("mkdir", ["-p", path.join(root, ".github")]);
  writeFileSync(path.join(root, ".github/venom.yml"), "checks: [sh check.sh]\n");
  git("add", ".");
  git("-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "--quiet", "-m", "init");
  return root;
}

describe("venom fix (local mode)", () => {
  it("leaves a branch with one commit holding the fix, and prints checks and token use", async () => {
    const root = makeRepo();
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ["fix", "--repo", root, "--issue", "[local] add() subtracts\nadd(2,3) gives -1", "--branch", "issue-local-test", "--json"],
      {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
        env: { OPENAI_BASE_URL: llm.baseUrl, LOG_LEVEL: "error" },
        cwd: root,
      },
    );
    expect(err.join("\n")).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(out.join("\n")) as Record<string, unknown>;
    expect(result).toMatchObject({ branch: "issue-local-test", checks: "passed", changedFiles: ["calc.js"] });
    expect(result.tokens).toBeGreaterThan(0);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root }).toString().trim();
    expect(git("rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git("rev-list", "--count", "main..issue-local-test")).toBe("1");
    expect(git("show", "issue-local-test:calc.js")).toContain("a + b");
    expect(git("status", "--porcelain")).toBe("");
  });

  it("refuses a repository with uncommitted changes, in one line", async () => {
    const root = makeRepo();
    writeFileSync(path.join(root, "calc.js"), "dirty\n");
    const err: string[] = [];
    const code = await runCli(["fix", "--repo", root, "--issue", "x"], {
      out: () => undefined,
      err: (text) => err.push(text),
      env: { OPENAI_BASE_URL: llm.baseUrl },
      cwd: root,
    });
    expect(code).toBe(1);
    expect(err.join("\n")).toMatch(/uncommitted changes; commit or stash them/);
  });

  it("stops at a missing issue file with one line, before any model call", async () => {
    const root = makeRepo();
    const before = llm.requests.length;
    for (const missing of ["missing.md", "docs/bug-report"]) {
      const { code, err } = await fix(root, ["--issue", missing], { OPENAI_BASE_URL: llm.baseUrl });
      expect(code).toBe(1);
      expect(err).toEqual([`venom: --issue ${missing}: no such file; pass an existing file, or the issue's text in quotes.`]);
    }
    expect(llm.requests.length).toBe(before);
    expect(localBranches(root)).toEqual(["main"]);
  });

  it("says in one line that a local model is not running, and removes only the branch it created", async () => {
    const root = makeRepo();
    const port = await closedPort();
    const env = { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` };
    const refused = `venom: Could not reach the model at http://127.0.0.1:${port}/v1: connection refused; start the server or fix OPENAI_BASE_URL`;
    // On a terminal every retry would print a warning line: one line means one attempt.
    const first = await fix(root, ["--issue", "[local] add() subtracts"], env);
    expect(first.code).toBe(1);
    expect(first.err.filter((line) => !line.startsWith("… "))).toEqual([refused]);
    expect(localBranches(root)).toEqual(["main"]);

    execFileSync("git", ["branch", "issue-local-mine"], { cwd: root });
    const second = await fix(root, ["--issue", "[local] add() subtracts", "--branch", "issue-local-mine"], env);
    expect(second.code).toBe(1);
    expect(localBranches(root)).toEqual(["issue-local-mine", "main"]);
  });

  it("writes log lines on a terminal as sentences, not JSON", async () => {
    const root = makeRepo();
    llm.script([{ status: 500 }]);
    const { code, err } = await fix(root, ["--issue", "[local] add() subtracts", "--branch", "issue-local-tty"], { OPENAI_BASE_URL: llm.baseUrl });
    expect(code).toBe(0);
    expect(err.filter((line) => line.trimStart().startsWith("{"))).toEqual([]);
    expect(err).toContainEqual(expect.stringMatching(/^warning: LLM request failed \(500\): .*; retrying$/));
    expect(err).toContainEqual("… Working on branch issue-local-tty");
  });
});

/** `venom fix` as run from a terminal. */
async function fix(root: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["fix", "--repo", root, ...args], { out: (text) => out.push(text), err: (text) => err.push(text), env, cwd: root, isTerminal: true });
  return { code, out, err };
}

function localBranches(root: string): string[] {
  return execFileSync("git", ["branch", "--format=%(refname:short)"], { cwd: root }).toString().trim().split("\n").sort();
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
