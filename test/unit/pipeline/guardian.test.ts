import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { capOutput, scrubbedEnvironment } from "../../../src/pipeline/guardian.js";
import { bwrapAvailable, checkRunner } from "../../support/sandboxes.js";
import { removeDirectories, temporaryDirectory } from "./git-fixture.js";

const secrets: Record<string, string> = {
  GITHUB_TOKEN: "ghp_secret_value_1",
  OPENAI_API_KEY: "sk-secret_value_2",
  WEBHOOK_SECRET: "secret_value_3",
  PRIVATE_KEY: "secret_value_4",
  DB_PASSWORD: "secret_value_5",
  GOOGLE_CALENDAR_CREDENTIALS_PATH: "secret_value_6",
  DISCORD_WEBHOOK_URL: "secret_value_7",
  BASIC_AUTH: "secret_value_8",
  GIT_CONFIG_COUNT: "1",
  GIT_CONFIG_KEY_0: "http.https://github.com/.extraHeader",
  GIT_CONFIG_VALUE_0: "Authorization: Basic secret_value_9",
  NODE_OPTIONS: "--require /tmp/evil.js",
  REDIS_URL: "redis://secret_value_10",
};

let cwd: string;
const modes = (await bwrapAvailable()) ? (["none", "bwrap"] as const) : (["none"] as const);

beforeAll(() => {
  cwd = temporaryDirectory();
});
afterAll(() => removeDirectories(cwd));
afterEach(() => {
  for (const name of Object.keys(secrets)) delete process.env[name];
});

describe.each(modes)("CheckRunner (VENOM_SANDBOX=%s)", (mode) => {
  const runner = checkRunner(mode, { mask: (text) => text.replaceAll("secret_value_masked", "***") });

  it("runs checks with a scrubbed environment: no token, key, secret or git config", async () => {
    Object.assign(process.env, secrets);
    const run = await runner.runCommands(["env"], { cwd, env: { EXTRA_FLAG: "yes", MY_API_KEY: "secret_value_11" } });
    expect(run.passed).toBe(true);
    const output = run.results[0]?.output ?? "";
    expect(output).not.toMatch(/secret_value|ghp_|sk-|GIT_CONFIG|NODE_OPTIONS|REDIS_URL/);
    expect(output).toContain("CI=true");
    expect(output).toContain("EXTRA_FLAG=yes");
    expect(output).toMatch(/^PATH=/m);
    expect(output).toMatch(/^HOME=/m);
    expect(output).not.toContain(`HOME=${process.env.HOME}\n`);
  });

  it("masks secrets in the output", async () => {
    const run = await runner.runCommands(["echo secret_value_masked"], { cwd });
    expect(run.results[0]?.output).toBe("***\n");
  });

  it("scrubbedEnvironment keeps only the allowlist", () => {
    const environment = scrubbedEnvironment({}, { PATH: "/bin", HOME: "/home/x", AWS_SECRET_ACCESS_KEY: "k", FOO: "bar" });
    expect(environment).toEqual({ PATH: "/bin", CI: "true" });
  });

  it("kills the whole process group at the timeout", async () => {
    const started = Date.now();
    const run = await runner.runCommands(["sleep 30 & sleep 30; echo never"], { cwd, timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.passed).toBe(false);
    expect(run.results[0]).toMatchObject({ exitCode: null, timedOut: true });
    expect(run.summary).toMatch(/^⏱️ sleep 30 & sleep 30; echo never timed out after 0\.\d s$/);
  });

  it("does not wait for background processes a passing command leaves behind", async () => {
    const started = Date.now();
    const run = await runner.runCommands(["sleep 30 & echo done"], { cwd, timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.results[0]).toMatchObject({ exitCode: 0, timedOut: false, output: "done\n" });
  });

  it("keeps the head and the tail of long output", async () => {
    const run = await runner.runCommands(["seq 1 100000; echo LAST >&2"], { cwd, outputCap: 1_000 });
    const output = run.results[0]?.output ?? "";
    expect(output.startsWith("1\n2\n3\n")).toBe(true);
    expect(output.endsWith("99999\n100000\nLAST\n")).toBe(true);
    expect(output).toMatch(/\n… \[\d+ characters cut\] …\n/);
    expect(output.length).toBeLessThan(1_100);
    expect(capOutput("x".repeat(50), 10)).toBe("xxxx\n… [40 characters cut] …\nxxxxxx");
    expect(capOutput("short", 10)).toBe("short");
  });

  it("stops at the first failing command and summarises", async () => {
    const run = await runner.runCommands(["true", "echo broken; exit 3", "echo never"], { cwd });
    expect(run.passed).toBe(false);
    expect(run.results.map((result) => result.exitCode)).toEqual([0, 3]);
    expect(run.results[1]?.output).toBe("broken\n");
    expect(run.summary.split("\n")).toEqual([
      expect.stringMatching(/^✅ true \(\d+\.\d s\)$/),
      expect.stringMatching(/^❌ echo broken; exit 3 exited 3 \(\d+\.\d s\)$/),
      "⏭️ echo never (not run: an earlier check failed)",
    ]);
  });

  it("runs in the workspace directory and reports no checks as passed", async () => {
    const run = await runner.runCommands(["pwd"], { cwd });
    expect(run.results[0]?.output.trim()).toBe(mode === "none" ? cwd : "/workspace");
    expect(run.isolation).toMatch(mode === "none" ? /^⚠️ checks ran on this host without isolation/ : /^checks ran in bubblewrap, no network$/);
    expect(await runner.runCommands([], { cwd })).toEqual({ passed: true, results: [], summary: "no checks configured", isolation: "" });
  });

  it("a cancelled run kills the running command", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const run = await runner.runCommands(["sleep 30"], { cwd, signal: controller.signal });
    expect(run.passed).toBe(false);
    expect(run.results[0]).toMatchObject({ exitCode: null, timedOut: false });
  });
});
