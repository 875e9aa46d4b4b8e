// Runs the repository's own check commands with a scrubbed environment, a timeout and an output cap.
import { spawn } from "node:child_process";

export interface CheckResult {
  command: string;
  /** Null when the command was killed (timeout, cancellation) or could not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** Interleaved stdout and stderr, capped (head and tail kept). */
  output: string;
  durationMs: number;
}

export interface CheckRun {
  passed: boolean;
  results: CheckResult[];
  /** One markdown-friendly line per command, e.g. `✅ npm test (2.1 s)`. */
  summary: string;
}

export interface RunCommandsOptions {
  cwd: string;
  /** Per command. */
  timeoutMs?: number;
  /** Characters of output kept per command. */
  outputCap?: number;
  /** Extra variables for the commands; secret-looking names are dropped all the same. */
  env?: Record<string, string>;
  /** Cancels the run: the running command's process group is killed. */
  signal?: AbortSignal;
}

/** Variables a check may inherit from the app's environment; everything else is left behind. */
const inheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER", "SHELL"];
const secretName = /TOKEN|SECRET|KEY|PASSWORD|PRIVATE|CREDENTIAL|WEBHOOK|AUTH/i;
const gitConfigName = /^GIT_CONFIG/i;

export const noChecksSummary = "no checks configured";

/** The environment a check runs with: a short allowlist, `CI=true`, never a token, key or git config. */
export function scrubbedEnvironment(
  extra: Record<string, string> = {},
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = source[name];
    if (value !== undefined) environment[name] = value;
  }
  Object.assign(environment, extra, { CI: "true" });
  for (const name of Object.keys(environment)) {
    if (secretName.test(name) || gitConfigName.test(name)) delete environment[name];
  }
  return environment;
}

/** Keeps the first 40% and the last 60% of `cap` characters, marking what was cut in between. */
export function capOutput(text: string, cap: number): string {
  if (text.length <= cap) return text;
  const head = Math.floor(cap * 0.4);
  const tail = cap - head;
  return joinCut(text.slice(0, head), text.length - head - tail, text.slice(text.length - tail));
}

function joinCut(head: string, cut: number, tail: string): string {
  return `${head}\n… [${cut} characters cut] …\n${tail}`;
}

/** Collects output of unknown length in bounded memory: a fixed head and a rolling tail. */
class CappedOutput {
  readonly #headCap: number;
  readonly #tailCap: number;
  #head = "";
  #tail = "";
  #total = 0;

  constructor(cap: number) {
    this.#headCap = Math.floor(cap * 0.4);
    this.#tailCap = cap - this.#headCap;
  }

  append(chunk: string): void {
    this.#total += chunk.length;
    const headRoom = this.#headCap - this.#head.length;
    if (headRoom > 0) {
      this.#head += chunk.slice(0, headRoom);
      chunk = chunk.slice(headRoom);
    }
    if (chunk.length === 0) return;
    this.#tail += chunk;
    // Trim lazily so a stream of small chunks does not copy the tail every time.
    if (this.#tail.length > this.#tailCap * 2) this.#tail = this.#tail.slice(-this.#tailCap);
  }

  text(): string {
    const tail = this.#tail.slice(-this.#tailCap);
    const cut = this.#total - this.#head.length - tail.length;
    return cut > 0 ? joinCut(this.#head, cut, tail) : this.#head + tail;
  }
}

/** Kills every process in the group led by `pid`; the group may already be gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: nothing left to kill.
  }
}

export class CheckRunner {
  /** Runs `commands` in order and stops at the first failure; no commands means passed. */
  async runCommands(commands: string[], options: RunCommandsOptions): Promise<CheckRun> {
    if (commands.length === 0) return { passed: true, results: [], summary: noChecksSummary };
    const results: CheckResult[] = [];
    for (const command of commands) {
      const result = await this.runCommand(command, options);
      results.push(result);
      if (!succeeded(result)) break;
    }
    const passed = results.length === commands.length && results.every(succeeded);
    return { passed, results, summary: summarize(commands, results) };
  }

  /** One command through `/bin/sh -c`, in its own process group so a timeout kills its children too. */
  async runCommand(command: string, options: RunCommandsOptions): Promise<CheckResult> {
    const { cwd, timeoutMs = 600_000, outputCap = 20_000, env, signal } = options;
    const started = performance.now();
    const output = new CappedOutput(outputCap);
    let timedOut = false;

    const exitCode = await new Promise<number | null>((resolve) => {
      if (signal?.aborted) {
        output.append("cancelled before it started\n");
        resolve(null);
        return;
      }
      const child = spawn("/bin/sh", ["-c", command], {
        cwd,
        env: scrubbedEnvironment(env),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let code: number | null = null;
      const onAbort = (): void => {
        output.append("\ncancelled\n");
        killGroup(child.pid);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(code);
      };
      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => output.append(chunk));
      child.stderr.on("data", (chunk: string) => output.append(chunk));
      child.on("error", (error) => {
        output.append(`could not start: ${error.message}\n`);
        finish();
      });
      child.on("exit", (exitCode) => {
        code = exitCode;
        // Background processes the command left behind would hold the pipes open: end them too.
        killGroup(child.pid);
      });
      child.on("close", finish);
    });

    return {
      command,
      exitCode: timedOut ? null : exitCode,
      timedOut,
      output: output.text(),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

function succeeded(result: CheckResult): boolean {
  return result.exitCode === 0 && !result.timedOut;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function summarize(commands: string[], results: CheckResult[]): string {
  const lines = results.map((result) => {
    if (succeeded(result)) return `✅ ${result.command} (${seconds(result.durationMs)})`;
    if (result.timedOut) return `⏱️ ${result.command} timed out after ${seconds(result.durationMs)}`;
    if (result.exitCode === null) return `❌ ${result.command} was stopped (${seconds(result.durationMs)})`;
    return `❌ ${result.command} exited ${result.exitCode} (${seconds(result.durationMs)})`;
  });
  for (const command of commands.slice(results.length)) lines.push(`⏭️ ${command} (not run: an earlier check failed)`);
  return lines.join("\n");
}
