// What of the host a sandbox shows: system directories, the toolchains a command calls, and paths kept hidden.
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

/** A top-level system entry: bound read-only, or (merged /usr) recreated as the same symlink. */
export interface SystemEntry {
  path: string;
  symlink?: string;
}

export interface HostLayout {
  system: SystemEntry[];
  /** Files and directories under /etc the toolchains need (never /etc/shadow and friends). */
  etc: string[];
  /** The host's PATH, in order. */
  hostPath: string[];
  /** Paths that must stay invisible even when they sit under something bound (data dir, app, key, home). */
  hidden: string[];
  /** `prlimit` (util-linux), which sets the per-process limits inside; absent: limits rest on the cgroup. */
  prlimit?: string;
}

const SYSTEM_DIRECTORIES = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** Enough of /etc for name lookup, TLS, locales, alternatives and the dynamic linker; nothing with credentials. */
const ETC_ENTRIES = [
  "/etc/alternatives",
  "/etc/ca-certificates",
  "/etc/ca-certificates.conf",
  "/etc/ssl",
  "/etc/pki",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/localtime",
  "/etc/timezone",
  "/etc/mime.types",
  "/etc/os-release",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/resolv.conf",
  "/etc/gai.conf",
  "/etc/protocols",
  "/etc/services",
  "/etc/java-17-openjdk",
  "/etc/python3",
];
/** Interpreters a check often reaches indirectly (package scripts, shebangs): made visible when they live outside /usr. */
const INDIRECT_TOOLS = ["sh", "node", "npm", "python3"];

/** Reads the host once: which system entries exist (and how), and where PATH points. */
export function detectHostLayout(options: { hidden: string[]; pathVariable?: string }): HostLayout {
  const system: SystemEntry[] = [];
  for (const entry of SYSTEM_DIRECTORIES) {
    const stats = lstatSync(entry, { throwIfNoEntry: false });
    if (!stats) continue;
    system.push(stats.isSymbolicLink() ? { path: entry, symlink: readlinkSync(entry) } : { path: entry });
  }
  const hostPath = (options.pathVariable ?? process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((entry) => path.isAbsolute(entry));
  const prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((candidate) => isExecutable(candidate));
  return {
    system,
    etc: ETC_ENTRIES.filter((entry) => existsSync(entry)),
    hostPath: [...new Set(hostPath)],
    hidden: [...new Set(options.hidden.filter(Boolean).map((entry) => path.resolve(entry)))].filter((entry) => existsSync(entry)),
    ...(prlimit ? { prlimit } : {}),
  };
}

/** True when `candidate` is `base` or lies inside it. */
export function isWithin(candidate: string, base: string): boolean {
  const relative = path.relative(base, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** Whether a host path is already visible through the system mounts. */
export function isSystemPath(layout: HostLayout, candidate: string): boolean {
  return layout.system.some((entry) => !entry.symlink && isWithin(candidate, entry.path));
}

/** The programs a shell command starts: the first word of each simple command (after `VAR=value` prefixes). */
export function commandWords(command: string): string[] {
  const words = new Set<string>();
  const unquote = (token: string) => token.replace(/^["']|["']$/g, "");
  for (const part of command.split(/[;&|()\n`]+/)) {
    const tokens = part.trim().split(/\s+/).map(unquote);
    let index = 0;
    // `VAR=value cmd`, and wrappers such as `env VAR=value cmd` or `exec cmd`: the program is the word after.
    for (;;) {
      while (index < tokens.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(tokens[index] ?? "")) index += 1;
      if (!["exec", "env", "time", "nice", "command", "xargs"].includes(tokens[index] ?? "")) break;
      index += 1;
    }
    const word = tokens[index] ?? "";
    if (/^[\w.+-]+$/.test(word)) words.add(word);
  }
  return [...words];
}

/**
 * Host directories to bind read-only so the programs `command` calls run inside: for each program
 * found on the host's PATH outside the system directories (nvm, pyenv, asdf, /opt), its install
 * prefix (`…/bin`'s parent). A prefix that would reveal a hidden path or a home directory is
 * narrowed to the program's own directory.
 */
export function toolchainDirectories(layout: HostLayout, command: string): string[] {
  const directories = new Set<string>();
  for (const word of [...commandWords(command), ...INDIRECT_TOOLS]) {
    const found = findOnPath(layout.hostPath, word);
    if (!found) continue;
    for (const location of [path.dirname(found), path.dirname(realpathOrSelf(found))]) {
      if (isSystemPath(layout, location)) continue;
      directories.add(safePrefix(layout, location));
    }
  }
  // A parent already bound covers its children.
  const sorted = [...directories].sort((a, b) => a.length - b.length);
  return sorted.filter((directory, index) => !sorted.slice(0, index).some((parent) => isWithin(directory, parent)));
}

/** The PATH inside: the host's entries that the sandbox shows, in the host's order. */
export function insidePath(layout: HostLayout, toolchains: string[]): string {
  const visible = layout.hostPath.filter(
    (entry) => isSystemPath(layout, entry) || toolchains.some((directory) => isWithin(entry, directory)),
  );
  for (const fallback of ["/usr/local/bin", "/usr/bin", "/bin"]) if (!visible.includes(fallback)) visible.push(fallback);
  return visible.join(":");
}

/** Hidden paths that a bound directory would otherwise show: each must be covered inside. */
export function hiddenUnder(layout: HostLayout, bound: string[]): string[] {
  return layout.hidden.filter((hidden) => bound.some((directory) => isWithin(hidden, directory) && hidden !== directory));
}

function safePrefix(layout: HostLayout, directory: string): string {
  const name = path.basename(directory);
  const prefix = name === "bin" || name === "shims" ? path.dirname(directory) : directory;
  const home = process.env.HOME ? path.resolve(process.env.HOME) : undefined;
  const tooWide = (candidate: string) =>
    candidate === "/" ||
    ["/home", "/root", "/opt", "/var", "/srv", "/tmp", "/mnt", "/media"].includes(candidate) ||
    candidate === home ||
    layout.hidden.some((hidden) => isWithin(hidden, candidate));
  if (!tooWide(prefix)) return prefix;
  return directory;
}

function findOnPath(hostPath: string[], program: string): string | undefined {
  for (const directory of hostPath) {
    const candidate = path.join(directory, program);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(candidate: string): boolean {
  try {
    accessSync(candidate, constants.X_OK);
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

function realpathOrSelf(candidate: string): string {
  try {
    return realpathSync(candidate);
  } catch {
    return candidate;
  }
}
