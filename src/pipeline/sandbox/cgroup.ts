// Process and memory limits through a cgroup per command, for hosts where rlimits cannot bind (the app runs as root).
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { realSleep } from "../../shared/sleep.js";

/** Where this process may create child cgroups for `pids` (and `memory`, when that controller is there too). */
export interface CgroupPlacement {
  version: 1 | 2;
  /** Directory that new child cgroups go into (the pids controller's). */
  pidsParent: string;
  /** v1 only: the memory controller's directory, when it is mounted and ours. */
  memoryParent?: string;
  /** v2: whether `memory` is among the controllers children get. */
  memoryV2?: boolean;
}

/** One command's cgroup: joined by the wrapper before bwrap starts, removed once the command ended. */
export interface CommandCgroup {
  /** `cgroup.procs` files the wrapper writes its own pid into (`echo 0`), joining before it forks. */
  procsFiles: string[];
  remove(): Promise<void>;
}

interface Mount {
  mountPoint: string;
  type: string;
  superOptions: string[];
}

function parseMounts(mountinfo: string): Mount[] {
  return mountinfo
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [left = "", right = ""] = line.split(" - ");
      const fields = left.split(" ");
      const [type = "", , superOptions = ""] = right.split(" ");
      return { mountPoint: fields[4] ?? "", type, superOptions: superOptions.split(",") };
    });
}

/** This process's cgroup path per v1 controller (`pids` → `/…`) and for v2 (`""` → `/…`). */
function parseOwnCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split("\n").filter(Boolean)) {
    const [, controllers = "", cgroupPath = "/"] = line.split(":");
    for (const controller of controllers.split(",")) own.set(controller, cgroupPath);
  }
  return own;
}

/**
 * Finds a writable pids controller for this process (cgroup v1, or v2 with `pids` delegated to our
 * cgroup's children). Undefined when there is none, e.g. an unprivileged user without delegation.
 */
export async function findCgroupPlacement(
  files: { mountinfo: string; cgroup: string } = {
    mountinfo: readFileSync("/proc/self/mountinfo", "utf8"),
    cgroup: readFileSync("/proc/self/cgroup", "utf8"),
  },
): Promise<CgroupPlacement | undefined> {
  const mounts = parseMounts(files.mountinfo);
  const own = parseOwnCgroups(files.cgroup);
  const v1 = (controller: string) => {
    const mount = mounts.find((entry) => entry.type === "cgroup" && entry.superOptions.includes(controller));
    const ownPath = own.get(controller);
    return mount && ownPath !== undefined ? path.join(mount.mountPoint, ownPath) : undefined;
  };
  const pidsV1 = v1("pids");
  if (pidsV1 && (await writable(pidsV1))) {
    const memoryV1 = v1("memory");
    return { version: 1, pidsParent: pidsV1, ...(memoryV1 && (await writable(memoryV1)) ? { memoryParent: memoryV1 } : {}) };
  }
  const unified = mounts.find((entry) => entry.type === "cgroup2");
  const ownV2 = own.get("");
  if (!unified || ownV2 === undefined) return undefined;
  const parent = path.join(unified.mountPoint, ownV2);
  const controllers = readOptional(path.join(parent, "cgroup.subtree_control"));
  if (!controllers.split(/\s+/).includes("pids") || !(await writable(parent))) return undefined;
  return { version: 2, pidsParent: parent, memoryV2: controllers.split(/\s+/).includes("memory") };
}

/** Creates a cgroup for one command with its limits set; the caller's wrapper joins it. */
export async function createCommandCgroup(
  placement: CgroupPlacement,
  name: string,
  limits: { processes: number; memoryBytes: number },
): Promise<CommandCgroup> {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  const created: string[] = [];
  const pids = path.join(placement.pidsParent, safe);
  await mkdir(pids);
  created.push(pids);
  try {
    await writeFile(path.join(pids, "pids.max"), String(limits.processes));
    if (placement.version === 2 && placement.memoryV2) {
      await writeFile(path.join(pids, "memory.max"), String(limits.memoryBytes));
      await writeFile(path.join(pids, "memory.swap.max"), "0").catch(() => undefined);
    }
    if (placement.version === 1 && placement.memoryParent) {
      const memory = path.join(placement.memoryParent, safe);
      await mkdir(memory);
      created.push(memory);
      await writeFile(path.join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
    }
  } catch (error) {
    await removeAll(created);
    throw error;
  }
  return { procsFiles: created.map((directory) => path.join(directory, "cgroup.procs")), remove: () => removeAll(created) };
}

/**
 * Removes command cgroups (`venom-*`) left by an app that died mid-command. Only old, empty ones go: a cgroup with
 * processes cannot be removed, and a young one may be another worker's, created a moment before its command joins.
 */
export async function removeStaleCgroups(placement: CgroupPlacement, olderThanMs = 10 * 60_000, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const parent of [placement.pidsParent, placement.memoryParent]) {
    if (!parent) continue;
    const names = await readdir(parent).catch(() => [] as string[]);
    for (const name of names.filter((entry) => entry.startsWith("venom-"))) {
      const directory = path.join(parent, name);
      const modified = await stat(directory).then((stats) => stats.mtimeMs, () => now);
      if (now - modified < olderThanMs) continue;
      if (await rmdir(directory).then(() => true, () => false)) removed += 1;
    }
  }
  return removed;
}

/** A cgroup can be removed once its last process is reaped; that may trail the command's end by a moment. */
async function removeAll(directories: string[]): Promise<void> {
  for (const directory of directories.reverse()) {
    for (let attempt = 0; attempt < 50 && existsSync(directory); attempt += 1) {
      try {
        await rmdir(directory);
      } catch {
        await realSleep(20);
      }
    }
  }
}

async function writable(directory: string): Promise<boolean> {
  const probe = path.join(directory, `venom-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rmdir(probe);
    return true;
  } catch {
    return false;
  }
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}
