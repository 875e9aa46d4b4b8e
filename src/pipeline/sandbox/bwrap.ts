// The bubblewrap mode: a throw-away mount, PID, IPC and network namespace per command, with limits.
import { execFile } from "node:child_process";
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCommandCgroup, type CgroupPlacement } from "./cgroup.js";
import { hiddenUnder, insidePath, toolchainDirectories, type HostLayout } from "./host-layout.js";
import type { Sandbox, SandboxInvocation, SandboxSpec } from "./types.js";

/** Where the workspace appears inside, for bubblewrap and Docker alike. */
export const INSIDE_WORKSPACE = "/workspace";
export const INSIDE_HOME = "/home/venom";
/** The sandbox's own user when the app runs as root: `nobody`, so no file of the host is the sandbox's by accident. */
const ROOT_MAPPED_UID = 65534;

export interface BwrapPlan {
  layout: HostLayout;
  /** Toolchain prefixes to bind read-only (from `toolchainDirectories`). */
  toolchains: string[];
  /** The user and group inside (mapped to the app's own user). */
  uid: number;
  gid: number;
  /** The app runs as root: bubblewrap is privileged and must drop every capability. */
  privileged: boolean;
  /** bubblewrap ≥ 0.8 can forbid nested user namespaces. */
  disableNestedUserNamespaces: boolean;
  /** The workspace has a `.git` to show read-only. */
  hasGitDirectory: boolean;
  /** A worktree's `.git` is a file pointing into its repository's git directory: shown read-only at its own path. */
  linkedGitDirectories?: string[];
  /** Directories among `layout.hidden` (tmpfs over them); the rest are files (/dev/null over them). */
  hiddenDirectories: Set<string>;
}

/** The command and its environment inside: `prlimit` around `/bin/sh -c` when available. */
function innerCommand(spec: SandboxSpec, layout: HostLayout): string[] {
  const shell = ["/bin/sh", "-c", spec.command];
  if (!layout.prlimit) return shell;
  return [
    layout.prlimit,
    `--as=${spec.limits.memoryBytes}`,
    `--nproc=${spec.limits.processes}`,
    "--core=0",
    "--",
    ...shell,
  ];
}

/** Pure: the bubblewrap arguments for one command (everything after `bwrap`). */
export function bwrapArguments(spec: SandboxSpec, plan: BwrapPlan): string[] {
  const { layout } = plan;
  const args = ["--unshare-user", "--uid", String(plan.uid), "--gid", String(plan.gid)];
  if (plan.disableNestedUserNamespaces) args.push("--disable-userns");
  args.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "venom-sandbox", "--unshare-cgroup-try");
  if (!spec.network) args.push("--unshare-net");
  args.push("--die-with-parent", "--new-session");
  if (plan.privileged) args.push("--cap-drop", "ALL");

  for (const entry of layout.system) {
    if (entry.symlink) args.push("--symlink", entry.symlink, entry.path);
    else args.push("--ro-bind", entry.path, entry.path);
  }
  for (const entry of layout.etc) args.push("--ro-bind-try", entry, entry);
  for (const directory of plan.toolchains) args.push("--ro-bind", directory, directory);
  args.push("--proc", "/proc", "--dev", "/dev");
  const tmpSize = String(spec.limits.memoryBytes);
  args.push("--size", tmpSize, "--tmpfs", "/tmp", "--size", tmpSize, "--tmpfs", INSIDE_HOME);

  // Anything secret that a bound directory would show (the app installed under /usr, a key in /etc/ssl…).
  const bound = [...layout.system.filter((entry) => !entry.symlink).map((entry) => entry.path), ...layout.etc, ...plan.toolchains];
  for (const hidden of hiddenUnder(layout, bound)) {
    if (plan.hiddenDirectories.has(hidden)) args.push("--tmpfs", hidden);
    else args.push("--ro-bind", "/dev/null", hidden);
  }

  for (const directory of plan.linkedGitDirectories ?? []) args.push("--ro-bind", directory, directory);
  args.push("--bind", spec.workspace, INSIDE_WORKSPACE);
  if (plan.hasGitDirectory) args.push("--ro-bind", path.join(spec.workspace, ".git"), `${INSIDE_WORKSPACE}/.git`);
  args.push("--chdir", INSIDE_WORKSPACE, "--", ...innerCommand(spec, layout));
  return args;
}

/** The environment inside: the scrubbed variables, with HOME, TMPDIR and PATH the sandbox's own. */
export function insideEnvironment(spec: SandboxSpec, layout: HostLayout, toolchains: string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.env)) {
    if (!["HOME", "TMPDIR", "PATH", "PWD", "OLDPWD"].includes(name)) environment[name] = value;
  }
  return { ...environment, HOME: INSIDE_HOME, TMPDIR: "/tmp", PATH: insidePath(layout, toolchains) };
}

export interface BwrapSandboxOptions {
  layout: HostLayout;
  bwrapPath?: string;
  /** Set when the app runs as root: rlimits do not bind root, a cgroup does. */
  cgroup?: CgroupPlacement;
  disableNestedUserNamespaces?: boolean;
}

export class BwrapSandbox implements Sandbox {
  readonly kind = "bwrap" as const;
  readonly #options: BwrapSandboxOptions;
  readonly #hiddenDirectories: Set<string>;

  constructor(options: BwrapSandboxOptions) {
    this.#options = options;
    this.#hiddenDirectories = new Set(options.layout.hidden.filter((entry) => isDirectory(entry)));
  }

  describe(network: boolean): string {
    return `bubblewrap, ${network ? "network allowed" : "no network"}`;
  }

  async prepare(spec: SandboxSpec): Promise<SandboxInvocation> {
    const { layout } = this.#options;
    const privileged = process.getuid?.() === 0;
    const toolchains = toolchainDirectories(layout, spec.command);
    const args = bwrapArguments(spec, {
      layout,
      toolchains,
      uid: privileged ? ROOT_MAPPED_UID : (process.getuid?.() ?? ROOT_MAPPED_UID),
      gid: privileged ? ROOT_MAPPED_UID : (process.getgid?.() ?? ROOT_MAPPED_UID),
      privileged,
      disableNestedUserNamespaces: this.#options.disableNestedUserNamespaces ?? false,
      hasGitDirectory: existsSync(path.join(spec.workspace, ".git")),
      linkedGitDirectories: linkedGitDirectories(spec.workspace),
      hiddenDirectories: this.#hiddenDirectories,
    });
    const bwrap = this.#options.bwrapPath ?? "bwrap";
    const env = insideEnvironment(spec, layout, toolchains);
    if (!this.#options.cgroup) return { file: bwrap, args, env };

    // The wrapper joins the cgroup before bubblewrap starts, so every process of the command counts.
    const cgroup = await createCommandCgroup(this.#options.cgroup, spec.name, spec.limits);
    return {
      file: "/bin/sh",
      args: [
        "-c",
        'while [ "$1" != -- ]; do echo 0 > "$1" || exit 125; shift; done; shift; exec "$@"',
        "venom-cgroup",
        ...cgroup.procsFiles,
        "--",
        bwrap,
        ...args,
      ],
      env,
      cleanup: () => cgroup.remove().catch(() => undefined),
    };
  }
}

/** Runs a trivial command the way checks run; resolves with what failed, or undefined when bubblewrap works. */
export async function probeBwrap(sandbox: BwrapSandbox, bwrapPath = "bwrap"): Promise<{ version?: string; problem?: string }> {
  const version = await run(bwrapPath, ["--version"]).then(
    (output) => output.trim().replace(/^bubblewrap\s+/, ""),
    () => undefined,
  );
  if (!version) return { problem: "bubblewrap is not installed (apt-get install bubblewrap)" };
  const workspace = await mkdtemp(path.join(tmpdir(), "venom-probe-"));
  try {
    await mkdir(path.join(workspace, ".git"));
    const invocation = await sandbox.prepare({
      workspace,
      command: "echo ok > probe && cat probe",
      env: {},
      network: false,
      limits: { memoryBytes: 1 << 30, processes: 64 },
      name: `venom-probe-${process.pid}-${Date.now()}`,
    });
    try {
      const output = await run(invocation.file, invocation.args, invocation.env);
      if (output.trim() !== "ok") return { version, problem: `bubblewrap ran but printed ${JSON.stringify(output.slice(0, 80))}` };
      return { version };
    } catch (error) {
      const detail = String((error as { stderr?: string }).stderr || (error as Error).message).trim().split("\n")[0];
      return { version, problem: `bubblewrap does not work here (${detail}); user namespaces may be disabled` };
    } finally {
      await invocation.cleanup?.();
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/** Whether this bubblewrap knows `--disable-userns` (0.8 and later). */
export async function supportsDisableUserns(bwrapPath = "bwrap"): Promise<boolean> {
  try {
    return (await run(bwrapPath, ["--help"])).includes("--disable-userns");
  } catch {
    return false;
  }
}

function run(file: string, args: string[], env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve(stdout);
    });
  });
}

/** For a worktree (`.git` is a file: `gitdir: …`), the repository's common git directory; else nothing. */
export function linkedGitDirectories(workspace: string): string[] {
  const dotGit = path.join(workspace, ".git");
  if (!lstatSync(dotGit, { throwIfNoEntry: false })?.isFile()) return [];
  const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"));
  if (!match?.[1]) return [];
  const gitDirectory = path.resolve(workspace, match[1].trim());
  let common = gitDirectory;
  try {
    common = path.resolve(gitDirectory, readFileSync(path.join(gitDirectory, "commondir"), "utf8").trim());
  } catch {
    // No commondir: the git directory is the whole repository's.
  }
  return existsSync(common) ? [common] : [];
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return true;
  }
}
