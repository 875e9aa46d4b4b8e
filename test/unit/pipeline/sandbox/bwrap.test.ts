// The bubblewrap argument builder, host layout, cgroup discovery and the choice of sandbox, without running one.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CheckRunner } from "../../../../src/pipeline/guardian.js";
import { selectSandbox } from "../../../../src/pipeline/sandbox/select-sandbox.js";
import { bwrapArguments, insideEnvironment, linkedGitDirectories, type BwrapPlan } from "../../../../src/pipeline/sandbox/bwrap.js";
import { findCgroupPlacement, removeStaleCgroups } from "../../../../src/pipeline/sandbox/cgroup.js";
import { commandWords, toolchainDirectories, type HostLayout } from "../../../../src/pipeline/sandbox/host-layout.js";
import type { SandboxSpec } from "../../../../src/pipeline/sandbox/types.js";

const layout: HostLayout = {
  system: [{ path: "/usr" }, { path: "/bin", symlink: "usr/bin" }, { path: "/lib", symlink: "usr/lib" }],
  etc: ["/etc/ssl", "/etc/passwd"],
  hostPath: ["/opt/node/bin", "/usr/local/bin", "/usr/bin", "/root/.pyenv/shims"],
  hidden: ["/usr/src/app", "/usr/src/app/app.pem", "/var/lib/venom"],
  prlimit: "/usr/bin/prlimit",
};
const spec: SandboxSpec = {
  workspace: "/var/lib/venom/workspaces/octo__demo__7",
  command: "npm test",
  env: { CI: "true", HOME: "/root", PATH: "/evil", LANG: "C.UTF-8" },
  network: false,
  limits: { memoryBytes: 1024, processes: 64 },
  name: "venom-test",
};
const plan: BwrapPlan = {
  layout,
  toolchains: ["/opt/node"],
  uid: 65534,
  gid: 65534,
  privileged: true,
  disableNestedUserNamespaces: true,
  hasGitDirectory: true,
  hiddenDirectories: new Set(["/usr/src/app", "/var/lib/venom"]),
};

/** `--flag a b` triples as they appear, to assert on mounts without caring about their order among others. */
function pairs(args: string[], flag: string): string[][] {
  const found: string[][] = [];
  args.forEach((arg, index) => {
    if (arg === flag) found.push(args.slice(index + 1, index + 3));
  });
  return found;
}

describe("bwrapArguments", () => {
  const args = bwrapArguments(spec, plan);
  const beforeCommand = args.slice(0, args.indexOf("--"));

  it("unshares user, pid, ipc, uts, cgroup and network; dies with its parent; a new session; no capabilities", () => {
    for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--die-with-parent", "--new-session", "--disable-userns"]) {
      expect(beforeCommand).toContain(flag);
    }
    expect(pairs(args, "--cap-drop")[0]?.[0]).toBe("ALL");
    expect(pairs(args, "--uid")[0]?.[0]).toBe("65534");
  });

  it("shows system directories read-only, the workspace writable and its .git read-only, private /tmp and HOME", () => {
    expect(pairs(args, "--ro-bind")).toEqual(
      expect.arrayContaining([
        ["/usr", "/usr"],
        ["/opt/node", "/opt/node"],
        [`${spec.workspace}/.git`, "/workspace/.git"],
      ]),
    );
    expect(pairs(args, "--symlink")).toContainEqual(["usr/bin", "/bin"]);
    expect(pairs(args, "--ro-bind-try")).toContainEqual(["/etc/ssl", "/etc/ssl"]);
    expect(pairs(args, "--bind")).toEqual([[spec.workspace, "/workspace"]]);
    const tmpfs = pairs(args, "--tmpfs").map(([target]) => target);
    expect(tmpfs).toEqual(expect.arrayContaining(["/tmp", "/home/venom"]));
    // The .git mount comes after the workspace's, so it covers it.
    expect(args.indexOf(`${spec.workspace}/.git`)).toBeGreaterThan(args.indexOf(spec.workspace));
    expect(pairs(args, "--chdir")[0]?.[0]).toBe("/workspace");
  });

  it("covers hidden paths that a bound directory would show, and nothing of the host's root, /home or /root", () => {
    expect(pairs(args, "--tmpfs").map(([target]) => target)).toContain("/usr/src/app");
    expect(pairs(args, "--ro-bind")).toContainEqual(["/dev/null", "/usr/src/app/app.pem"]);
    // /var/lib/venom is under nothing bound: it is simply absent, no mount needed.
    expect(args).not.toContain("/var/lib/venom");
    for (const target of ["/", "/home", "/root", "/var", "/proc/1"]) {
      expect([...pairs(args, "--bind"), ...pairs(args, "--ro-bind")].map(([source]) => source)).not.toContain(target);
    }
  });

  it("runs the command through prlimit and /bin/sh -c with the limits", () => {
    expect(args.slice(args.indexOf("--") + 1)).toEqual([
      "/usr/bin/prlimit",
      "--as=1024",
      "--nproc=64",
      "--core=0",
      "--",
      "/bin/sh",
      "-c",
      "npm test",
    ]);
  });

  it("keeps the network only when asked (setup, VENOM_SANDBOX_NETWORK=allow); no capability drop when unprivileged", () => {
    const networked = bwrapArguments({ ...spec, network: true }, { ...plan, privileged: false, uid: 1000, gid: 1000 });
    expect(networked).not.toContain("--unshare-net");
    expect(networked).not.toContain("--cap-drop");
    expect(pairs(networked, "--uid")[0]?.[0]).toBe("1000");
  });

  it("the inside environment is the scrubbed one with the sandbox's own HOME, TMPDIR and PATH", () => {
    const environment = insideEnvironment(spec, layout, ["/opt/node"]);
    expect(environment).toEqual({
      CI: "true",
      LANG: "C.UTF-8",
      HOME: "/home/venom",
      TMPDIR: "/tmp",
      PATH: "/opt/node/bin:/usr/local/bin:/usr/bin:/bin",
    });
  });
});

describe("host layout", () => {
  it("finds the programs a shell command starts", () => {
    expect(commandWords("CI=1 npm ci && make -j2 test | tee log; (cd sub && ./run.sh) || env FOO=1 python3 -m pytest")).toEqual(
      expect.arrayContaining(["npm", "make", "tee", "cd", "python3"]),
    );
    expect(commandWords("./run.sh")).toEqual([]);
  });

  it("binds a toolchain's prefix, never a home directory or anything holding a hidden path", () => {
    const root = mkdtempSync(path.join(tmpdir(), "venom-toolchain-"));
    const node = path.join(root, "node", "bin");
    mkdirSync(node, { recursive: true });
    const script = path.join(node, "node");
    writeFileSync(script, "#!/bin/sh\n");
    chmodSync(script, 0o755);
    const fake: HostLayout = { ...layout, hostPath: [node, "/usr/bin"], hidden: [] };
    expect(toolchainDirectories(fake, "node test.js")).toEqual([path.join(root, "node")]);
    const hiding: HostLayout = { ...fake, hidden: [path.join(root, "node", "secret.pem")] };
    expect(toolchainDirectories(hiding, "node test.js")).toEqual([node]);
  });
});

describe("findCgroupPlacement", () => {
  it("uses a writable cgroup v1 pids hierarchy at this process's own path", async () => {
    const mount = mkdtempSync(path.join(tmpdir(), "venom-cgroup-"));
    mkdirSync(path.join(mount, "pids", "job"), { recursive: true });
    const placement = await findCgroupPlacement({
      mountinfo: `30 25 0:26 / ${path.join(mount, "pids")} rw,relatime shared:9 - cgroup cgroup rw,pids\n`,
      cgroup: "8:pids:/job\n0::/\n",
    });
    expect(placement).toEqual({ version: 1, pidsParent: path.join(mount, "pids", "job") });
  });

  it("finds none when no pids controller is delegated", async () => {
    const placement = await findCgroupPlacement({
      mountinfo: "30 25 0:26 / /nonexistent/cgroup rw - cgroup2 cgroup2 rw\n",
      cgroup: "0::/user.slice\n",
    });
    expect(placement).toBeUndefined();
  });
});

describe("selectSandbox", () => {
  it("auto with neither bubblewrap nor Docker: nothing runs, and the runner says why in DESIGN's words", async () => {
    const selection = await selectSandbox({ mode: "auto", network: false, hidden: [], bwrapPath: "/nonexistent/bwrap", dockerPath: "/nonexistent/docker" });
    expect(selection.sandbox).toBeUndefined();
    expect(selection.report.kind).toBe("unavailable");
    expect(selection.report.detail).toMatch(
      /^checks not run: no isolation available \(install bubblewrap or Docker, or set VENOM_SANDBOX=none to run them unisolated on this host\) — bubblewrap is not installed.*; docker is not installed/,
    );
    const runner = new CheckRunner({ sandbox: async () => selection });
    const run = await runner.runCommands(["touch ran"], { cwd: tmpdir() });
    expect(run).toMatchObject({ passed: false, results: [], notRun: selection.report.detail });
  });

  it("an explicit mode that does not work here says so and runs nothing", async () => {
    const selection = await selectSandbox({ mode: "bwrap", network: false, hidden: [], bwrapPath: "/nonexistent/bwrap" });
    expect(selection.report).toMatchObject({ kind: "unavailable", detail: expect.stringMatching(/^VENOM_SANDBOX=bwrap but bubblewrap is not installed/) });
    const none = await selectSandbox({ mode: "none", network: false, hidden: [] });
    expect(none.report.kind).toBe("none");
    expect(none.sandbox?.kind).toBe("none");
  });
});

describe("linkedGitDirectories", () => {
  it("finds a worktree's repository git directory, and nothing for an ordinary checkout", () => {
    const repository = mkdtempSync(path.join(tmpdir(), "venom-linked-"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repository, stdio: "pipe" });
    git("init", "--quiet", "-b", "main");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "--allow-empty", "-m", "init");
    const worktree = path.join(mkdtempSync(path.join(tmpdir(), "venom-linked-wt-")), "tree");
    git("worktree", "add", "--quiet", "--detach", worktree);
    expect(linkedGitDirectories(worktree)).toEqual([path.join(repository, ".git")]);
    expect(linkedGitDirectories(repository)).toEqual([]);
  });
});

describe("removeStaleCgroups", () => {
  it("removes old empty venom-* cgroups and keeps young ones and others", async () => {
    const parent = mkdtempSync(path.join(tmpdir(), "venom-cgroups-"));
    for (const name of ["venom-old", "venom-young", "other-old"]) mkdirSync(path.join(parent, name));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(parent, "venom-old"), hourAgo, hourAgo);
    utimesSync(path.join(parent, "other-old"), hourAgo, hourAgo);
    expect(await removeStaleCgroups({ version: 1, pidsParent: parent })).toBe(1);
    expect(existsSync(path.join(parent, "venom-old"))).toBe(false);
    expect(existsSync(path.join(parent, "venom-young"))).toBe(true);
    expect(existsSync(path.join(parent, "other-old"))).toBe(true);
  });
});
