// The shapes shared by every isolation mode: what to run, within which limits, and how a mode wraps it.

/** `VENOM_SANDBOX`: which isolation runs the repository's code. */
export type SandboxMode = "auto" | "bwrap" | "docker" | "none";

/** The isolation actually in use: `unavailable` means `auto` found none, so nothing runs. */
export type SandboxKind = "bwrap" | "docker" | "none" | "unavailable";

export interface SandboxLimits {
  /** Address space per process (bubblewrap, via RLIMIT_AS) or the container's memory (Docker). */
  memoryBytes: number;
  /** Processes and threads the command may have at once. */
  processes: number;
}

/** One shell command to run isolated. */
export interface SandboxSpec {
  /** Host path of the job's workspace (a git working copy); mounted read-write, its `.git` read-only. */
  workspace: string;
  /** Run through `/bin/sh -c` inside. */
  command: string;
  /** The scrubbed environment (never a secret); the sandbox sets HOME, TMPDIR and PATH itself. */
  env: Record<string, string>;
  /** Network for this command (setup commands, or VENOM_SANDBOX_NETWORK=allow). */
  network: boolean;
  limits: SandboxLimits;
  /** A name unique to this command (container name, cgroup name). */
  name: string;
}

/** How to start one isolated command: a program and its arguments, plus clean-up once it has ended. */
export interface SandboxInvocation {
  file: string;
  args: string[];
  /** Variables for `file` itself (not the command inside; those travel in `args`). */
  env: Record<string, string>;
  /** Working directory on the host for `file`; isolated modes set the directory inside through their arguments. */
  cwd?: string;
  /** Called after the process ended, whatever the way (e.g. `docker rm -f`); never throws. */
  cleanup?: () => Promise<void>;
}

export interface Sandbox {
  readonly kind: SandboxKind;
  /** Short human description for status comments and PR bodies, e.g. "bubblewrap, no network". */
  describe(network: boolean): string;
  /** Builds the invocation; may prepare host state (a cgroup) that `cleanup` undoes. */
  prepare(spec: SandboxSpec): Promise<SandboxInvocation>;
}

/** What this host offers, for `venom doctor` and `/venom/api/status`. */
export interface SandboxReport {
  mode: SandboxMode;
  kind: SandboxKind;
  network: boolean;
  /** One line: what runs the checks and what it defends, or why nothing does. */
  detail: string;
}

export const NO_ISOLATION_MESSAGE =
  "checks not run: no isolation available (install bubblewrap or Docker, or set VENOM_SANDBOX=none to run them unisolated on this host)";
