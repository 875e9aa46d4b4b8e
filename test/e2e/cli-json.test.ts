// The CLI's promises to scripts: --version, and with --json one JSON document on stdout, errors included.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { FakeGitHub } from "../support/fake-github.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), env, cwd: "/tmp" });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every command that takes --json, with arguments that get it past parsing. */
const jsonCommands = [
  ["poll", "--once"],
  ["doctor"],
  ["jobs"],
  ["fix", "--repo", ".", "--issue", "text"],
  ["notify", "hello"],
  ["search", "query"],
  ["hf", "models", "bert"],
  ["hf", "datasets", "squad"],
  ["hf", "model", "distilbert/distilbert-base-uncased"],
  ["calendar", "agenda"],
  ["calendar", "schedule", "Review", "--start", "2026-12-01T10:00"],
];

describe("venom --version", () => {
  it("prints the package's version", async () => {
    for (const flag of ["--version", "-v"]) {
      const { code, out } = await cli([flag]);
      expect(code).toBe(0);
      expect(out).toBe(version);
    }
  });
});

describe("--json errors", () => {
  it.each(jsonCommands.map((args) => [args.join(" "), args] as const))("%s --json reports a configuration error as {\"error\"} on stdout", async (_name, args) => {
    const { code, out, err } = await cli([...args, "--json"], { ISSUE_POLLING_INTERVAL_MINUTES: "0" });
    expect(code).toBe(2);
    expect(err).toBe("");
    expect(JSON.parse(out)).toEqual({ error: expect.stringMatching(/^ISSUE_POLLING_INTERVAL_MINUTES must be a whole number/) });
  });

  it("reports errors from inside a command and usage errors the same way", async () => {
    const state = await cli(["jobs", "--json", "--state", "bogus"], { VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-json-")) });
    expect(state.code).toBe(2);
    expect(JSON.parse(state.out)).toEqual({ error: "--state must be one of queued, running, succeeded, failed, cancelled." });
    const usage = await cli(["fix", "--json"]);
    expect(usage.code).toBe(1);
    expect(usage.err).toBe("");
    expect(JSON.parse(usage.out)).toEqual({ error: "required option '--repo <path>' not specified" });
    // Without --json, people get the usual one line on stderr.
    const human = await cli(["jobs", "--state", "bogus"], { VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-json-")) });
    expect(human.out).toBe("");
    expect(human.err).toBe("venom: --state must be one of queued, running, succeeded, failed, cancelled.");
  });
});

describe("--json from the real command", () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await FakeGitHub.start();
    await github.createRepo("octo/json", { files: { "README.md": "json\n" } });
    github.addIssue("octo/json", { title: "Fix me", labels: ["venom"] });
  });
  afterAll(async () => {
    await github.stop();
  });

  it("keeps log lines off stdout, even at LOG_LEVEL=debug", async () => {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", tsx, path.join(root, "src/main.ts"), "poll", "--once", "--json"], {
      cwd: mkdtempSync(path.join(tmpdir(), "venom-json-")),
      env: {
        PATH: process.env.PATH ?? "",
        GITHUB_TOKEN: github.token,
        GITHUB_REPO_NAME: "octo/json",
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-json-")),
        LOG_LEVEL: "debug",
      },
    });
    expect(JSON.parse(stdout)).toMatchObject({ repos: 1, enqueued: 1 });
    expect(stderr).not.toBe("");
  });
});
