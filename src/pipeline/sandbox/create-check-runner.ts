// Builds the Guardian's runner from the config: the sandbox VENOM_SANDBOX picks, its limits, and output masking.
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { VenomConfig } from "../../config/env.js";
import { createMasker } from "../../log.js";
import { CheckRunner } from "../guardian.js";
import { DockerSandbox, dockerImagePresent, missingImageMessage } from "./docker.js";
import { createSandboxProvider } from "./select-sandbox.js";
import type { Sandbox } from "./types.js";

/** The app's own install directory (its code, `.env`, maybe a key next to it): never shown to a check. */
const appDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

export function createCheckRunner(config: Pick<VenomConfig, "sandbox" | "sensitivePaths" | "secrets">): CheckRunner {
  const sandbox = createSandboxProvider({
    mode: config.sandbox.mode,
    network: config.sandbox.network,
    hidden: [...config.sensitivePaths, appDirectory, homedir()],
  });
  return new CheckRunner({
    sandbox,
    networkAllowed: config.sandbox.network,
    limits: { memoryBytes: config.sandbox.memoryBytes, processes: config.sandbox.processes },
    mask: createMasker(config.secrets),
    adapt: dockerImage,
  });
}

/** Docker runs the repository's own `image:` when it names one; an image absent here is reported, never pulled. */
async function dockerImage(sandbox: Sandbox, options: { image?: string }): Promise<Sandbox | string> {
  if (!(sandbox instanceof DockerSandbox)) return sandbox;
  const chosen = options.image ? sandbox.withImage(options.image) : sandbox;
  if (!(await dockerImagePresent(chosen.image, { dockerPath: chosen.dockerPath }))) return `checks not run: ${missingImageMessage(chosen.image)}`;
  return chosen;
}
