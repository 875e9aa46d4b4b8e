// The sandbox as an integration: which isolation runs the repository's code on this host, for `venom doctor` and the dashboard.
import type { Integration } from "../../skills/integration.js";
import type { SandboxReport } from "./types.js";

/** Configured unless no isolation is available; `none` runs unisolated, so it is neither connected nor not. */
export function sandboxIntegration(isolationReport: () => Promise<SandboxReport>): Integration {
  return {
    name: "sandbox",
    async checkConnection() {
      const report = await isolationReport();
      return {
        name: "sandbox",
        configured: report.kind !== "unavailable",
        ...(report.kind === "unavailable" ? { connected: false } : report.kind === "none" ? {} : { connected: true }),
        detail: report.detail,
      };
    },
  };
}
