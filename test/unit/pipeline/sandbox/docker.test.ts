// The Docker mode without a daemon: the `docker run` arguments it builds, and its probes and clean-up against a fake docker CLI.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DOCKER_IMAGE,
  DockerSandbox,
  dockerArguments,
  dockerImagePresent,
  missingImageMessage,
  probeDocker,
} from "../../../../src/pipeline/sandbox/docker.js";
import type { SandboxSpec } from "../../../../src/pipeline/sandbox/types.js";

const scratch = mkdtempSync(path.join(tmpdir(), "venom-docker-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    workspace: "/srv/venom/jobs/42/work",
    command: "npm test",
    env: { CI: "true", LANG: "C.UTF-8" },
    network: false,
    limits: { memoryBytes: 2 * 1024 ** 3, processes: 256 },
    name: "venom-42-check-1",
    ...overrides,
  };
}

/** The value following `flag`, for flags that appear once. */
function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

/** Every value passed with a repeatable flag such as `-e` or `--mount`. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((argument, index) => (argument === flag ? [args[index + 1] ?? ""] : []));
}

/** A fake docker CLI: a shell script whose body decides what each call prints and returns. */
function fakeDocker(name: string, body: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("dockerArguments", () => {
  it("runs the command through /bin/sh in the image, removed on exit, as the last arguments", () => {
    const args = dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE });
    expect(args.slice(0, 4)).toEqual(["run", "--rm", "--name", "venom-42-check-1"]);
    expect(args.slice(-4)).toEqual([DEFAULT_DOCKER_IMAGE, "/bin/sh", "-c", "npm test"]);
    for (const flag of ["--init", "--read-only"]) expect(args).toContain(flag);
    expect(valueOf(args, "--pull")).toBe("never");
    expect(valueOf(args, "--stop-timeout")).toBe("1");
    expect(valueOf(args, "--log-driver")).toBe("none");
    expect(valueOf(args, "--label")).toBe("venom.sandbox=1");
    expect(valueOf(args, "--cap-drop")).toBe("ALL");
    expect(valueOf(args, "--security-opt")).toBe("no-new-privileges");
    expect(valueOf(args, "-w")).toBe("/workspace");
    expect(valuesOf(args, "--tmpfs")).toEqual(["/tmp:rw,exec,nosuid,size=1g", "/home/venom:rw,exec,nosuid,size=1g"]);
  });

  it("cuts the network off unless the spec allows it", () => {
    expect(valueOf(dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE }), "--network")).toBe("none");
    expect(valueOf(dockerArguments(spec({ network: true }), { image: DEFAULT_DOCKER_IMAGE }), "--network")).toBe("bridge");
  });

  it("applies the process and memory limits, with no swap beyond the memory limit", () => {
    const args = dockerArguments(spec({ limits: { memoryBytes: 1_500_000_000, processes: 64 } }), { image: "node:20" });
    expect(valueOf(args, "--pids-limit")).toBe("64");
    expect(valueOf(args, "--memory")).toBe("1500000000b");
    expect(valueOf(args, "--memory-swap")).toBe("1500000000b");
    expect(() => dockerArguments(spec({ limits: { memoryBytes: 0, processes: 64 } }), { image: "node:20" })).toThrow(/memory/);
    expect(() => dockerArguments(spec({ limits: { memoryBytes: 1e9, processes: Number.NaN } }), { image: "node:20" })).toThrow(
      /process/,
    );
  });

  it("mounts the workspace read-write and its .git read-only over it", () => {
    const args = dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE });
    expect(valuesOf(args, "--mount")).toEqual([
      "type=bind,src=/srv/venom/jobs/42/work,dst=/workspace",
      "type=bind,src=/srv/venom/jobs/42/work/.git,dst=/workspace/.git,readonly",
    ]);
    expect(args).not.toContain("-v");
  });

  it("passes the spec's variables but sets HOME and TMPDIR itself and leaves PATH to the image", () => {
    const args = dockerArguments(
      spec({ env: { CI: "true", HOME: "/root", PATH: "/host/bin", TMPDIR: "/host/tmp", SPACED: "a b=c" } }),
      { image: DEFAULT_DOCKER_IMAGE },
    );
    expect(valuesOf(args, "-e")).toEqual(["HOME=/home/venom", "TMPDIR=/tmp", "CI=true", "SPACED=a b=c"]);
  });

  it("adds no variable of its own beyond HOME and TMPDIR, whatever the host environment holds", () => {
    const previous = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = "ghs_should_never_travel";
    try {
      const args = dockerArguments(spec({ env: {} }), { image: DEFAULT_DOCKER_IMAGE, user: "1000:1000" });
      expect(valuesOf(args, "-e")).toEqual(["HOME=/home/venom", "TMPDIR=/tmp"]);
      expect(args.join("\n")).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY|ghs_/i);
    } finally {
      if (previous === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = previous;
    }
  });

  it("runs as the given user, and as the image's user when none is given", () => {
    expect(valueOf(dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE, user: "1000:1000" }), "--user")).toBe("1000:1000");
    expect(dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE })).not.toContain("--user");
    expect(() => dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE, user: "root; rm -rf /" })).toThrow(/user/);
  });

  it("accepts ordinary image references", () => {
    for (const image of ["node:20-bookworm-slim", "ghcr.io/acme/ci-image:1.2", "registry.local:5000/ci@sha256:abc123"]) {
      expect(dockerArguments(spec(), { image }).at(-4)).toBe(image);
    }
  });

  it("rejects image names that are empty, option-like or carry shell text, naming the setting to fix", () => {
    for (const image of ["", "-v", "--privileged", "node 20", "node:20;id", "$(id)", "node\n20"]) {
      expect(() => dockerArguments(spec(), { image })).toThrow(
        /is not a valid Docker image name; set image: in \.github\/venom\.yml to e\.g\. node:20-bookworm-slim/,
      );
    }
  });

  it("rejects a workspace path that --mount would misread, and a relative one", () => {
    expect(() => dockerArguments(spec({ workspace: "/srv/a,b/work" }), { image: DEFAULT_DOCKER_IMAGE })).toThrow(/comma/);
    expect(() => dockerArguments(spec({ workspace: '/srv/a"b' }), { image: DEFAULT_DOCKER_IMAGE })).toThrow(/quote/);
    expect(() => dockerArguments(spec({ workspace: "work" }), { image: DEFAULT_DOCKER_IMAGE })).toThrow(/absolute/);
    // A colon would split a -v spec, but --mount takes it as part of the path.
    expect(valuesOf(dockerArguments(spec({ workspace: "/srv/a:b" }), { image: DEFAULT_DOCKER_IMAGE }), "--mount")[0]).toBe(
      "type=bind,src=/srv/a:b,dst=/workspace",
    );
  });

  it("rejects a container name Docker would refuse", () => {
    expect(() => dockerArguments(spec({ name: "-bad" }), { image: DEFAULT_DOCKER_IMAGE })).toThrow(/container name/);
  });
});

describe("DockerSandbox", () => {
  it("describes itself by image and network", () => {
    const sandbox = new DockerSandbox();
    expect(sandbox.kind).toBe("docker");
    expect(sandbox.describe(false)).toBe("Docker (image node:20-bookworm-slim), no network");
    expect(sandbox.withImage("python:3.12-slim").describe(true)).toBe("Docker (image python:3.12-slim), network allowed");
    expect(() => new DockerSandbox({ image: "--privileged" })).toThrow(/not a valid Docker image name/);
    expect(() => sandbox.withImage("bad image")).toThrow(/not a valid Docker image name/);
  });

  it("prepares a docker run with a minimal client environment", async () => {
    const previous = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = "ghs_should_never_travel";
    try {
      const sandbox = new DockerSandbox({ dockerPath: "/opt/docker/bin/docker", user: "1234:5678" });
      const invocation = await sandbox.prepare(spec());
      expect(invocation.file).toBe("/opt/docker/bin/docker");
      expect(invocation.args).toEqual(dockerArguments(spec(), { image: DEFAULT_DOCKER_IMAGE, user: "1234:5678" }));
      const allowed = ["PATH", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"];
      for (const name of Object.keys(invocation.env)) expect(allowed).toContain(name);
      expect(invocation.env.PATH).toBe(process.env.PATH);
    } finally {
      if (previous === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = previous;
    }
  });

  it("runs as the app's own user by default, and as the image's with an empty user", async () => {
    const byDefault = await new DockerSandbox().prepare(spec());
    if (process.getuid && process.getgid) {
      expect(valueOf(byDefault.args, "--user")).toBe(`${process.getuid()}:${process.getgid()}`);
    }
    expect((await new DockerSandbox({ user: "" }).prepare(spec())).args).not.toContain("--user");
  });

  it("removes the container in clean-up, since killing the docker client leaves it running", async () => {
    const calls = path.join(scratch, "cleanup-calls.txt");
    const dockerPath = fakeDocker("docker-recording", `echo "$@" >> '${calls}'`);
    const invocation = await new DockerSandbox({ dockerPath }).prepare(spec({ name: "venom-cleanup-7" }));
    await invocation.cleanup?.();
    expect(readFileSync(calls, "utf8")).toBe("rm -f venom-cleanup-7\n");
  });

  it("clean-up never throws, whether docker fails or is missing", async () => {
    const failing = fakeDocker("docker-failing", 'echo "Error: No such container" >&2; exit 1');
    await expect((await new DockerSandbox({ dockerPath: failing }).prepare(spec())).cleanup?.()).resolves.toBeUndefined();
    const missing = path.join(scratch, "no-such-docker");
    await expect((await new DockerSandbox({ dockerPath: missing }).prepare(spec())).cleanup?.()).resolves.toBeUndefined();
  });
});

describe("probeDocker", () => {
  it("reports the server version when the daemon answers", async () => {
    const calls = path.join(scratch, "probe-calls.txt");
    const dockerPath = fakeDocker("docker-up", `echo "$@" >> '${calls}'; echo 27.3.1`);
    expect(await probeDocker({ dockerPath })).toEqual({ available: true, version: "27.3.1" });
    expect(readFileSync(calls, "utf8")).toBe("version --format {{.Server.Version}}\n");
  });

  it("says in one line that the daemon does not answer when only the client is there", async () => {
    const dockerPath = fakeDocker(
      "docker-down",
      "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1",
    );
    expect(await probeDocker({ dockerPath })).toEqual({
      available: false,
      reason:
        "Docker's daemon does not answer (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)",
    });
  });

  it("tells a socket this user may not open from a stopped daemon", async () => {
    const dockerPath = fakeDocker(
      "docker-denied",
      "echo 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock' >&2; exit 1",
    );
    const probe = await probeDocker({ dockerPath });
    expect(probe.available).toBe(false);
    if (!probe.available) expect(probe.reason).toMatch(/^Docker's daemon refuses this user \(permission denied/);
  });

  it("says docker is not installed when the binary is missing", async () => {
    expect(await probeDocker({ dockerPath: path.join(scratch, "absent-docker") })).toEqual({
      available: false,
      reason: "docker is not installed",
    });
  });

  it("gives up on a daemon that hangs", async () => {
    const dockerPath = fakeDocker("docker-hanging", "exec sleep 10");
    const started = Date.now();
    const probe = await probeDocker({ dockerPath, timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(probe).toEqual({ available: false, reason: "Docker's daemon does not answer (no reply within 200 ms)" });
  });
});

describe("dockerImagePresent", () => {
  it("is true only when docker image inspect succeeds", async () => {
    const dockerPath = fakeDocker(
      "docker-images",
      '[ "$1 $2 $3 $4" = "image inspect --format {{.Id}}" ] && [ "$5" = "node:20-bookworm-slim" ] && echo sha256:abc && exit 0\n' +
        "echo 'Error: No such image' >&2; exit 1",
    );
    expect(await dockerImagePresent(DEFAULT_DOCKER_IMAGE, { dockerPath })).toBe(true);
    expect(await dockerImagePresent("python:3.12-slim", { dockerPath })).toBe(false);
    expect(await dockerImagePresent(DEFAULT_DOCKER_IMAGE, { dockerPath: path.join(scratch, "absent") })).toBe(false);
    await expect(dockerImagePresent("--all", { dockerPath })).rejects.toThrow(/not a valid Docker image name/);
  });

  it("tells the operator how to get a missing image", () => {
    expect(missingImageMessage("node:20-bookworm-slim")).toBe(
      "image node:20-bookworm-slim is not present locally; run docker pull node:20-bookworm-slim on this host",
    );
  });
});
