// Picks the isolation VENOM_SANDBOX asks for, once per process: bubblewrap, else Docker, else none available.
import { BwrapSandbox, probeBwrap, supportsDisableUserns } from "./bwrap.js";
import { findCgroupPlacement, removeStaleCgroups } from "./cgroup.js";
import { DEFAULT_DOCKER_IMAGE, DockerSandbox, probeDocker } from "./docker.js";
import { detectHostLayout } from "./host-layout.js";
import { HostSandbox } from "./host-sandbox.js";
import { NO_ISOLATION_MESSAGE, type Sandbox, type SandboxMode, type SandboxReport } from "./types.js";

export interface SandboxSelection {
  /** Undefined when nothing isolates here: checks and setup then do not run. */
  sandbox?: Sandbox;
  report: SandboxReport;
}

export interface SandboxSettings {
  mode: SandboxMode;
  /** VENOM_SANDBOX_NETWORK=allow: checks get the network too (setup always has it). */
  network: boolean;
  /** Host paths the sandbox must never show (data dir, the app's directory, its key file, home). */
  hidden: string[];
  bwrapPath?: string;
  dockerPath?: string;
}

export type SandboxProvider = () => Promise<SandboxSelection>;

/** Resolves the selection on first use and keeps it: probing costs a process start or two. */
export function createSandboxProvider(settings: SandboxSettings): SandboxProvider {
  let selection: Promise<SandboxSelection> | undefined;
  return () => (selection ??= selectSandbox(settings));
}

export async function selectSandbox(settings: SandboxSettings): Promise<SandboxSelection> {
  const { mode, network } = settings;
  const checksNetwork = network ? "checks have network (VENOM_SANDBOX_NETWORK=allow)" : "checks have no network";
  if (mode === "none") {
    return {
      sandbox: new HostSandbox(),
      report: { mode, kind: "none", network: true, detail: "VENOM_SANDBOX=none: checks run on this host without isolation and can read its files and keys" },
    };
  }
  const problems: string[] = [];
  if (mode === "auto" || mode === "bwrap") {
    const bwrap = await selectBwrap(settings);
    if (bwrap.sandbox) {
      return { sandbox: bwrap.sandbox, report: { mode, kind: "bwrap", network, detail: `${bwrap.detail}; ${checksNetwork}` } };
    }
    problems.push(bwrap.detail);
    if (mode === "bwrap") return unavailable(mode, `VENOM_SANDBOX=bwrap but ${bwrap.detail}; checks will not run`);
  }
  const docker = await probeDocker(settings.dockerPath ? { dockerPath: settings.dockerPath } : {});
  if (docker.available) {
    const sandbox = new DockerSandbox(settings.dockerPath ? { dockerPath: settings.dockerPath } : {});
    const detail = `Docker ${docker.version} (default image ${DEFAULT_DOCKER_IMAGE}, never pulled at run time); ${checksNetwork}`;
    return { sandbox, report: { mode, kind: "docker", network, detail } };
  }
  problems.push(docker.reason);
  if (mode === "docker") return unavailable(mode, `VENOM_SANDBOX=docker but ${docker.reason}; checks will not run`);
  return unavailable(mode, `${NO_ISOLATION_MESSAGE} — ${problems.join("; ")}`);
}

async function selectBwrap(settings: SandboxSettings): Promise<{ sandbox?: BwrapSandbox; detail: string }> {
  const layout = detectHostLayout({ hidden: settings.hidden });
  const root = process.getuid?.() === 0;
  // rlimits do not bind root (RLIMIT_NPROC exempts uid 0): a cgroup has to hold the process count then.
  const cgroup = root ? await findCgroupPlacement().catch(() => undefined) : undefined;
  if (cgroup) await removeStaleCgroups(cgroup).catch(() => 0);
  const bwrapPath = settings.bwrapPath ?? "bwrap";
  const sandbox = new BwrapSandbox({
    layout,
    ...(settings.bwrapPath ? { bwrapPath: settings.bwrapPath } : {}),
    ...(cgroup ? { cgroup } : {}),
    disableNestedUserNamespaces: await supportsDisableUserns(bwrapPath),
  });
  const probe = await probeBwrap(sandbox, bwrapPath);
  if (probe.problem) return { detail: probe.problem };
  const limits = cgroup
    ? `process and memory limits by cgroup v${cgroup.version}`
    : root
      ? "⚠️ no process limit (running as root without a writable pids cgroup: run Venom as a non-root user)"
      : layout.prlimit
        ? "process and memory limits by rlimit"
        : "⚠️ no process or memory limit (prlimit from util-linux is missing)";
  return { sandbox, detail: `bubblewrap ${probe.version ?? ""}`.trim() + `: ${limits}` };
}

function unavailable(mode: SandboxMode, detail: string): SandboxSelection {
  return { report: { mode, kind: "unavailable", network: false, detail } };
}
