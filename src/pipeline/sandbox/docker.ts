// The Docker isolation mode: builds the `docker run` that confines one check command, probes the daemon, and removes the container afterwards.
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import path from "node:path";
import type { Sandbox, SandboxInvocation, SandboxSpec } from "./types.js";

export const DEFAULT_DOCKER_IMAGE = "node:20-bookworm-slim";

/** Where the workspace appears inside the container; the command starts there. */
const CONTAINER_WORKSPACE = "/workspace";
/** A writable home on tmpfs, since the image's root filesystem is mounted read-only. */
const CONTAINER_HOME = "/home/venom";
/** Docker removes a container that ignores SIGTERM this many seconds after `docker stop`/`rm -f`. */
const STOP_TIMEOUT_SECONDS = 1;
const CLEANUP_TIMEOUT_MS = 10_000;
const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

// The sandbox sets these itself; PATH in particular must stay the image's, or a host path would point at nothing.
const RESERVED_VARIABLES = new Set(["HOME", "TMPDIR", "PATH"]);
// The only variables the docker CLI needs to find and reach its daemon; nothing else of the host's leaks to it.
const CLIENT_VARIABLES = ["PATH", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"];

const IMAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
// Docker's own rule for container names.
const CONTAINER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const USER_PATTERN = /^[0-9]+(:[0-9]+)?$/;

export interface DockerArgumentOptions {
  image: string;
  /** "uid:gid" inside the container; the image's default user when absent. */
  user?: string;
}

/** Throws unless `image` is a plain image reference (no option-like or shell-special text). */
export function assertImageName(image: string): void {
  if (!IMAGE_PATTERN.test(image)) {
    throw new Error(
      `${JSON.stringify(image)} is not a valid Docker image name; set image: in .github/venom.yml to e.g. ${DEFAULT_DOCKER_IMAGE}`,
    );
  }
}

/** What callers report when the image is absent: the app never pulls at run time, an operator does. */
export function missingImageMessage(image: string): string {
  return `image ${image} is not present locally; run docker pull ${image} on this host`;
}

/** The arguments after `docker` that run `spec.command` confined; pure, so it is tested without a daemon. */
export function dockerArguments(spec: SandboxSpec, options: DockerArgumentOptions): string[] {
  assertImageName(options.image);
  assertWorkspacePath(spec.workspace);
  if (!CONTAINER_NAME_PATTERN.test(spec.name)) {
    throw new Error(`${JSON.stringify(spec.name)} is not a valid Docker container name`);
  }
  const memory = positiveInteger(spec.limits.memoryBytes, "memory limit");
  const processes = positiveInteger(spec.limits.processes, "process limit");
  if (options.user !== undefined && !USER_PATTERN.test(options.user)) {
    throw new Error(`${JSON.stringify(options.user)} is not a numeric Docker user (expected "uid:gid")`);
  }

  const args = [
    "run",
    "--rm",
    "--name",
    spec.name,
    "--init",
    "--label",
    "venom.sandbox=1",
    // The image must already be on the host: pulling would fetch code and need the network mid-run.
    "--pull",
    "never",
    "--stop-timeout",
    String(STOP_TIMEOUT_SECONDS),
    // Output reaches us through the attached streams; the daemon keeps no copy of it on disk.
    "--log-driver",
    "none",
    "--network",
    spec.network ? "bridge" : "none",
    "--pids-limit",
    String(processes),
    "--memory",
    `${memory}b`,
    // Equal to --memory: no swap on top, so the limit is the limit.
    "--memory-swap",
    `${memory}b`,
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--tmpfs",
    "/tmp:rw,exec,nosuid,size=1g",
    "--tmpfs",
    `${CONTAINER_HOME}:rw,exec,nosuid,size=1g`,
    "-e",
    `HOME=${CONTAINER_HOME}`,
    "-e",
    "TMPDIR=/tmp",
    // --mount rather than -v: -v splits on ":", silently misreading such paths; --mount rejects bad ones.
    "--mount",
    `type=bind,src=${spec.workspace},dst=${CONTAINER_WORKSPACE}`,
    // Mounted over the read-write one, so the command cannot plant hooks or rewrite history the app then trusts.
    "--mount",
    `type=bind,src=${path.join(spec.workspace, ".git")},dst=${CONTAINER_WORKSPACE}/.git,readonly`,
    "-w",
    CONTAINER_WORKSPACE,
  ];
  if (options.user !== undefined) args.push("--user", options.user);
  for (const [name, value] of Object.entries(spec.env)) {
    if (RESERVED_VARIABLES.has(name)) continue;
    if (name === "" || name.includes("=")) throw new Error(`${JSON.stringify(name)} is not a valid environment variable name`);
    // Always NAME=VALUE: a bare `-e NAME` would copy the docker CLI's own variable instead.
    args.push("-e", `${name}=${value}`);
  }
  args.push(options.image, "/bin/sh", "-c", spec.command);
  return args;
}

function assertWorkspacePath(workspace: string): void {
  if (!path.isAbsolute(workspace)) {
    throw new Error(`workspace ${JSON.stringify(workspace)} must be an absolute path to be mounted into Docker`);
  }
  // --mount is a comma-separated, CSV-quoted list: these characters would end or re-quote the field.
  if (/[,"\n\r]/.test(workspace)) {
    throw new Error(
      `workspace ${JSON.stringify(workspace)} cannot be mounted into Docker: its path contains a comma, quote or line break`,
    );
  }
}

function positiveInteger(value: number, label: string): number {
  const whole = Math.floor(value);
  if (!Number.isFinite(value) || whole < 1) throw new Error(`${label} must be a positive number, got ${value}`);
  return whole;
}

/** The docker CLI's environment: only what it needs to reach the daemon. */
function clientEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of CLIENT_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined && value !== "") environment[name] = value;
  }
  // Without HOME the CLI may not find ~/.docker (contexts, config); point at it directly instead.
  if (environment.DOCKER_CONFIG === undefined) environment.DOCKER_CONFIG = path.join(homedir(), ".docker");
  return environment;
}

interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program did not run to an exit code: absent, not executable, killed by the timeout, or else. */
  failure?: "missing" | "forbidden" | "timeout" | "other";
  message?: string;
}

/** Runs the docker CLI once; never rejects, so callers decide what each outcome means. */
function runDocker(dockerPath: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      dockerPath,
      args,
      { env: clientEnvironment(), timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ exitCode: 0, stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        const base = { stdout: String(stdout), stderr: String(stderr), message: error.message };
        if (code === "ENOENT") resolve({ ...base, exitCode: null, failure: "missing" });
        else if (code === "EACCES") resolve({ ...base, exitCode: null, failure: "forbidden" });
        else if (error.killed || error.signal) resolve({ ...base, exitCode: null, failure: "timeout" });
        else if (typeof code === "number") resolve({ ...base, exitCode: code });
        else resolve({ ...base, exitCode: null, failure: "other" });
      },
    );
  });
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 199)}…` : trimmed;
}

export interface DockerClientOptions {
  /** The docker CLI; "docker" from PATH by default. */
  dockerPath?: string;
  timeoutMs?: number;
}

export type DockerProbe = { available: true; version: string } | { available: false; reason: string };

/** Whether a Docker daemon answers here, and if not, one line saying why. */
export async function probeDocker(options: DockerClientOptions = {}): Promise<DockerProbe> {
  const dockerPath = options.dockerPath ?? "docker";
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const result = await runDocker(dockerPath, ["version", "--format", "{{.Server.Version}}"], timeoutMs);
  if (result.failure === "missing") return { available: false, reason: "docker is not installed" };
  if (result.failure === "forbidden") return { available: false, reason: `${dockerPath} cannot be run (permission denied)` };
  if (result.failure === "timeout") {
    return { available: false, reason: `Docker's daemon does not answer (no reply within ${timeoutMs} ms)` };
  }
  if (result.exitCode !== 0) {
    const detail = firstLine(result.stderr) || firstLine(result.stdout) || firstLine(result.message ?? "") || `exit ${result.exitCode}`;
    // A socket the user may not open is a setup problem distinct from a stopped daemon.
    if (/permission denied/i.test(detail)) {
      return { available: false, reason: `Docker's daemon refuses this user (${detail})` };
    }
    return { available: false, reason: `Docker's daemon does not answer (${detail})` };
  }
  const version = firstLine(result.stdout);
  if (version === "") return { available: false, reason: "Docker's daemon does not answer (it reported no server version)" };
  return { available: true, version };
}

/** Whether `image` is already on this host; the app never pulls it at run time. */
export async function dockerImagePresent(image: string, options: DockerClientOptions = {}): Promise<boolean> {
  assertImageName(image);
  const result = await runDocker(
    options.dockerPath ?? "docker",
    ["image", "inspect", "--format", "{{.Id}}", image],
    options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
  );
  return result.exitCode === 0;
}

export interface DockerSandboxOptions {
  image?: string;
  dockerPath?: string;
  /**
   * "uid:gid" inside the container. By default the app's own ids, so the command can write the workspace
   * (all capabilities are dropped, so even root inside could not write files it does not own) and what it
   * writes stays removable by the app. An empty string keeps the image's default user (e.g. rootless Docker).
   */
  user?: string;
}

export class DockerSandbox implements Sandbox {
  readonly kind = "docker" as const;
  readonly image: string;
  readonly dockerPath: string;
  readonly user: string | undefined;
  private readonly options: DockerSandboxOptions;

  constructor(options: DockerSandboxOptions = {}) {
    this.options = options;
    this.image = options.image ?? DEFAULT_DOCKER_IMAGE;
    assertImageName(this.image);
    this.dockerPath = options.dockerPath ?? "docker";
    this.user = options.user === undefined ? hostUser() : options.user === "" ? undefined : options.user;
  }

  /** The same sandbox with a repository's own image (from `image:` in .github/venom.yml). */
  withImage(image: string): DockerSandbox {
    return new DockerSandbox({ ...this.options, image });
  }

  describe(network: boolean): string {
    return `Docker (image ${this.image}), ${network ? "network allowed" : "no network"}`;
  }

  async prepare(spec: SandboxSpec): Promise<SandboxInvocation> {
    const args = dockerArguments(spec, { image: this.image, user: this.user });
    const dockerPath = this.dockerPath;
    return {
      file: dockerPath,
      args,
      env: clientEnvironment(),
      // Killing the `docker run` client leaves the container running; only the daemon can stop it.
      cleanup: async () => {
        await runDocker(dockerPath, ["rm", "-f", spec.name], CLEANUP_TIMEOUT_MS);
      },
    };
  }
}

function hostUser(): string | undefined {
  if (typeof process.getuid !== "function" || typeof process.getgid !== "function") return undefined;
  return `${process.getuid()}:${process.getgid()}`;
}
