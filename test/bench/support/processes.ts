// Child-process plumbing for benchmarks: free ports, readiness polling, peak memory from /proc, clean shutdown.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A port nobody listens on right now (the kernel picks it; a tiny race with other programs remains). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export interface Target {
  name: string;
  child: ChildProcess;
  /** The last few KB of the child's stdout and stderr, for diagnostics. */
  outputTail(): string;
  /** Set once the child has exited. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Largest resident set seen (VmHWM, or sampled VmRSS), in bytes. */
  peakResidentBytes(): number;
  /** SIGTERM, then SIGKILL after `graceMilliseconds`; resolves once the child is gone. */
  stop(graceMilliseconds?: number): Promise<void>;
}

const outputLimit = 8192;

/** Reads a `kB` field (VmRSS, VmHWM) of /proc/<pid>/status in bytes; 0 when unavailable. */
function readStatusKilobytes(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Spawns `command args` with `env` added to a minimal environment and starts sampling its memory every 100 ms. */
export function startTarget(name: string, command: string, args: string[], env: Record<string, string>, cwd: string): Target {
  const child = spawn(command, args, {
    cwd,
    // Only what a Node process needs plus the target's own settings: no stray .env-style variables from the caller.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-outputLimit);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  let sampledPeak = 0;
  const sampler = setInterval(() => {
    if (child.pid) sampledPeak = Math.max(sampledPeak, readStatusKilobytes(child.pid, "VmRSS"));
  }, 100);
  sampler.unref();

  const target: Target = {
    name,
    child,
    exited: undefined,
    outputTail: () => tail,
    peakResidentBytes: () => {
      const highWaterMark = child.pid && !target.exited ? readStatusKilobytes(child.pid, "VmHWM") : 0;
      return Math.max(sampledPeak, highWaterMark);
    },
    stop: async (graceMilliseconds = 3000) => {
      clearInterval(sampler);
      if (target.exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMilliseconds);
      await gone;
      clearTimeout(timer);
    },
  };
  child.once("exit", (code, signal) => {
    clearInterval(sampler);
    target.exited = { code, signal };
  });
  return target;
}

/** Polls `url` until it answers 200; false when the child exits first or `timeoutMilliseconds` pass. */
export async function waitUntilReady(target: Target, url: string, timeoutMilliseconds = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMilliseconds;
  while (Date.now() < deadline && !target.exited) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
