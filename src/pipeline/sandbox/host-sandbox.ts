// VENOM_SANDBOX=none: the command runs on this host as the app's user, with only a scrubbed environment.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sandbox, SandboxInvocation, SandboxSpec } from "./types.js";

export class HostSandbox implements Sandbox {
  readonly kind = "none" as const;

  describe(): string {
    return "on this host without isolation (VENOM_SANDBOX=none): the repository's code could read this host's files and keys";
  }

  async prepare(spec: SandboxSpec): Promise<SandboxInvocation> {
    // A throw-away HOME, so a planted ~/.gitconfig or ~/.npmrc cannot outlive the command (it is all `none` can offer).
    const home = await mkdtemp(path.join(tmpdir(), "venom-home-"));
    return {
      file: "/bin/sh",
      args: ["-c", spec.command],
      cwd: spec.workspace,
      env: { ...spec.env, HOME: home, TMPDIR: home },
      cleanup: () => rm(home, { recursive: true, force: true }).catch(() => undefined),
    };
  }
}
