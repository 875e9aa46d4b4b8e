// The Docker mode against a real daemon: what a command inside may and may not do, and that no container outlives it.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DOCKER_IMAGE,
  DockerSandbox,
  dockerImagePresent,
  missingImageMessage,
  probeDocker,
} from "../../src/pipeline/sandbox/docker.js";
import type { SandboxInvocation, SandboxSpec } from "../../src/pipeline/sandbox/types.js";
import { createRepository, removeDirectories } from "../unit/pipeline/git-fixture.js";

const run = promisify(execFile);

async function dockerReadiness(): Promise<{ available: boolean; reason: string }> {
  const probe = await probeDocker();
  if (!probe.available) return { available: false, reason: probe.reason };
  if (!(await dockerImagePresent(DEFAULT_DOCKER_IMAGE))) {
    return { available: false, reason: missingImageMessage(DEFAULT_DOCKER_IMAGE) };
  }
  return { available: true, reason: "" };
}

const readiness = await dockerReadiness();
// Said at collection time so a skipped suite is visible in the output, not silently green.
if (!readiness.available) console.warn(`Docker sandbox test skipped: ${readiness.reason}`);

interface Outcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

let counter = 0;
/** A container name unique to this run, so parallel or left-over runs never collide. */
function uniqueName(): string {
  counter += 1;
  return `venom-e2e-${process.pid}-${Date.now()}-${counter}`;
}

/** Starts an invocation the way the runner does: detached, stdin ignored. */
function start(invocation: SandboxInvocation): { child: ReturnType<typeof spawn>; done: Promise<Outcome> } {
  const child = spawn(invocation.file, invocation.args, {
    env: invocation.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
  return { child, done };
}

async function containerExists(name: string): Promise<boolean> {
  const { stdout } = await run("docker", ["ps", "--all", "--quiet", "--filter", `name=^/${name}$`]);
  return stdout.trim() !== "";
}

describe.skipIf(!readiness.available)("Docker sandbox (real daemon)", () => {
  const sandbox = new DockerSandbox();
  let workspace = "";

  beforeAll(async () => {
    workspace = await createRepository({ "README.md": "hello\n" });
  });
  afterAll(() => removeDirectories(workspace));

  function spec(command: string, overrides: Partial<SandboxSpec> = {}): SandboxSpec {
    return {
      workspace,
      command,
      env: { CI: "true" },
      network: false,
      limits: { memoryBytes: 512 * 1024 ** 2, processes: 128 },
      name: uniqueName(),
      ...overrides,
    };
  }

  /** Runs one command to its end, always cleans up, and checks no container is left behind. */
  async function runInside(command: string, overrides: Partial<SandboxSpec> = {}): Promise<Outcome> {
    const prepared = spec(command, overrides);
    const invocation = await sandbox.prepare(prepared);
    try {
      return await start(invocation).done;
    } finally {
      await invocation.cleanup?.();
      expect(await containerExists(prepared.name)).toBe(false);
    }
  }

  it("lets the command write the workspace", async () => {
    const outcome = await runInside("echo written > /workspace/out.txt && cat README.md");
    expect(outcome).toMatchObject({ exitCode: 0, stdout: "hello\n" });
    expect(readFileSync(path.join(workspace, "out.txt"), "utf8")).toBe("written\n");
  });

  it("keeps the workspace's .git read-only", async () => {
    const outcome = await runInside("touch /workspace/.git/x");
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.stderr).toMatch(/read-only/i);
    expect(existsSync(path.join(workspace, ".git", "x"))).toBe(false);
  });

  it("shows the image's /etc/passwd, not the host's", async () => {
    const outcome = await runInside("cat /etc/passwd");
    expect(outcome.exitCode).toBe(0);
    // The node images ship a `node` user (uid 1000).
    expect(outcome.stdout).toMatch(/^node:x:1000:/m);
    expect(outcome.stdout).not.toBe(readFileSync("/etc/passwd", "utf8"));
  });

  it("gives the command no network", async () => {
    const probe =
      "fetch('http://1.1.1.1', { signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), (error) => { console.error(String(error.cause ?? error)); process.exit(3); })";
    const outcome = await runInside(`node -e "${probe}"`);
    expect(outcome.exitCode).toBe(3);
  });

  it("removes a container whose docker client was killed", async () => {
    const prepared = spec("sleep 60");
    const invocation = await sandbox.prepare(prepared);
    const { child, done } = start(invocation);
    try {
      // Wait until the daemon has created the container, so the kill really races a running one.
      const deadline = Date.now() + 15_000;
      while (!(await containerExists(prepared.name))) {
        if (Date.now() > deadline) throw new Error("container never started");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      await done;
    } finally {
      await invocation.cleanup?.();
    }
    expect(await containerExists(prepared.name)).toBe(false);
  });
});
