// Check runners for tests: the host (VENOM_SANDBOX=none) and bubblewrap, which CI installs and tests for real.
import { CheckRunner, type CheckRunnerOptions } from "../../src/pipeline/guardian.js";
import { selectSandbox } from "../../src/pipeline/sandbox/select-sandbox.js";
import type { SandboxMode } from "../../src/pipeline/sandbox/types.js";

export function checkRunner(mode: SandboxMode, options: Partial<CheckRunnerOptions> & { hidden?: string[] } = {}): CheckRunner {
  const { hidden = [], ...rest } = options;
  const selection = selectSandbox({ mode, network: false, hidden });
  return new CheckRunner({ sandbox: () => selection, ...rest });
}

/** Whether bubblewrap works on this machine; CI sets VENOM_REQUIRE_BWRAP=1 so a missing one fails instead of skipping. */
export async function bwrapAvailable(): Promise<boolean> {
  const { report } = await selectSandbox({ mode: "bwrap", network: false, hidden: [] });
  if (report.kind === "bwrap") return true;
  if (process.env.VENOM_REQUIRE_BWRAP === "1") throw new Error(`bubblewrap is required here (VENOM_REQUIRE_BWRAP=1): ${report.detail}`);
  console.warn(`bubblewrap tests skipped: ${report.detail}`);
  return false;
}
