// Runs the real app as a child process (the `venom` CLI, or a harness script) and waits until it listens.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

export interface VenomProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Every line the process printed (stdout and stderr). */
  output: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, no clean-up. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Script to run instead of src/main.ts (relative to the repository root). */
  script?: string;
  args?: string[];
  /** Resolve once a line matching this appears (default: the "Listening on" line). */
  readyPattern?: RegExp;
  /** Working directory (default: the repository root); `.env` is read from and written to it. */
  cwd?: string;
}

export function startVenom(options: StartOptions): Promise<VenomProcess> {
  const script = path.join(root, options.script ?? "src/main.ts");
  const child = spawn(process.execPath, ["--import", tsxLoader, script, ...(options.args ?? ["serve"])], {
    cwd: options.cwd ?? root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_FORMAT: "json", PORT: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const ready = options.readyPattern ?? /Listening on http:\/\/[^:]+:(\d+)/;
    let settled = false;
    const onLine = (line: string) => {
      output.push(line);
      const match = ready.exec(line);
      if (match && !settled) {
        settled = true;
        const port = Number(match[1] ?? 0);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          child,
          output,
          async stop() {
            if (child.exitCode === null) child.kill("SIGTERM");
            await exited;
          },
          async kill() {
            if (child.exitCode === null) child.kill("SIGKILL");
            await exited;
          },
        });
      }
    };
    let buffered = "";
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      lines.forEach(onLine);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("exit", (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(`venom exited with ${code} before it was ready:\n${output.join("\n")}`));
      }
    });
  });
}

/** A throwaway GitHub App key, for App-mode tests against the fake GitHub. */
export function testPrivateKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 15_000, what = "condition"): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
