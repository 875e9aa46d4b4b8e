// Runs the repository's own check commands isolated (the sandbox), with a scrubbed environment, a timeout and an output cap.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { SandboxProvider } from "./sandbox/select-sandbox.js";
import type { Sandbox, SandboxInvocation, SandboxLimits, SandboxReport } from "./sandbox/types.js";

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
  /** Where the commands ran, e.g. "bubblewrap, no network". */
  isolation: string;
  /** Set when nothing ran because no isolation is available here: the reason, for the status comment and PR. */
  notRun?: string;
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
  /** Setup commands get the network (they install dependencies); checks only when the operator allows it. */
  network?: boolean;
  /** The repository's Docker image (`image:` in venom.yml), used when the sandbox is Docker. */
  image?: string;
}

export interface CheckRunnerOptions {
  /** The isolation (VENOM_SANDBOX), resolved on first use. */
  sandbox: SandboxProvider;
  /** VENOM_SANDBOX_NETWORK=allow: checks get the network too. */
  networkAllowed?: boolean;
  limits?: Partial<SandboxLimits>;
  /** Masks secrets in the output before it reaches a prompt, a comment or a PR. */
  mask?: (text: string) => string;
  /** Picks the sandbox for one run (Docker with the repository's `image`), or says why none can run. */
  adapt?: (sandbox: Sandbox, options: { image?: string }) => Promise<Sandbox | string>;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 4 * 1024 ** 3, processes: 512 };

/** Variables a check may inherit from the app's environment; everything else is left behind. */
const inheritedVariables = ["PATH", "LANG", "LC_ALL", "TERM"];
const secretName = /TOKEN|SECRET|KEY|PASSWORD|PRIVATE|CREDENTIAL|WEBHOOK|AUTH/i;
const gitConfigName = /^GIT_CONFIG/i;

export const noChecksSummary = "no checks configured";

/** The environment a check runs with: a short allowlist, `CI=true`, never a token, key or git config (the sandbox adds HOME). */
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
  readonly #options: CheckRunnerOptions;
  readonly #limits: SandboxLimits;

  constructor(options: CheckRunnerOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  }

  /** What isolation this host offers (for doctor and the status API). */
  async isolationReport(): Promise<SandboxReport> {
    return (await this.#options.sandbox()).report;
  }

  /**
   * Runs `commands` in order and stops at the first failure; no commands means passed. When no
   * isolation is available nothing runs: the run is not passed and `notRun` says why.
   */
  async runCommands(commands: string[], options: RunCommandsOptions): Promise<CheckRun> {
    const network = options.network ?? this.#options.networkAllowed ?? false;
    if (commands.length === 0) return { passed: true, results: [], summary: noChecksSummary, isolation: "" };
    const { sandbox, report } = await this.#options.sandbox();
    const chosen =
      sandbox && this.#options.adapt ? await this.#options.adapt(sandbox, options.image ? { image: options.image } : {}) : sandbox;
    if (!chosen || typeof chosen === "string") {
      const reason = typeof chosen === "string" ? chosen : report.detail;
      return { passed: false, results: [], summary: reason, isolation: "none available", notRun: reason };
    }
    const results: CheckResult[] = [];
    for (const command of commands) {
      const result = await this.#runCommand(chosen, command, { ...options, network });
      results.push(result);
      if (!succeeded(result)) break;
    }
    const passed = results.length === commands.length && results.every(succeeded);
    return { passed, results, summary: summarize(commands, results), isolation: isolationSentence(chosen, network) };
  }

  /** One command through `/bin/sh -c` inside the sandbox; its process group is killed on timeout or cancel. */
  async #runCommand(sandbox: Sandbox, command: string, options: RunCommandsOptions & { network: boolean }): Promise<CheckResult> {
    const { cwd, timeoutMs = 600_000, outputCap = 20_000, env, signal } = options;
    const mask = this.#options.mask ?? ((text: string) => text);
    const started = performance.now();
    const output = new CappedOutput(outputCap);
    let timedOut = false;
    if (signal?.aborted) {
      return { command, exitCode: null, timedOut, output: "cancelled before it started\n", durationMs: 0 };
    }
    let invocation: SandboxInvocation;
    try {
      invocation = await sandbox.prepare({
        workspace: cwd,
        command,
        env: scrubbedEnvironment(env),
        network: options.network,
        limits: this.#limits,
        name: `venom-${randomUUID()}`,
      });
    } catch (error) {
      return { command, exitCode: null, timedOut, output: `could not prepare the sandbox: ${(error as Error).message}\n`, durationMs: 0 };
    }

    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(invocation.file, invocation.args, {
        cwd: invocation.cwd ?? "/",
        env: invocation.env,
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
    await invocation.cleanup?.();

    return {
      command,
      exitCode: timedOut ? null : exitCode,
      timedOut,
      output: mask(output.text()),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** "checks ran in bubblewrap, no network"; a warning when nothing isolated them. */
function isolationSentence(sandbox: Sandbox, network: boolean): string {
  return sandbox.kind === "none" ? `⚠️ checks ran ${sandbox.describe(network)}` : `checks ran in ${sandbox.describe(network)}`;
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
