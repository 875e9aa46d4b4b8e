// `venom doctor`: every integration's status (configured, connected, detail with secrets masked).
import type { Command } from "commander";
import type { IntegrationStatus } from "../skills/integration.js";
import type { CliContext } from "./cli-context.js";

export function addDoctorCommand(program: Command, context: CliContext): void {
  const { io, config, factory, setExitCode } = context;
  program
    .command("doctor")
    .description("check every integration: configured, connected, detail (secrets masked)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      // The whole app: GitHub's probe needs its Octokit, the sandbox's its check runner.
      const venom = await factory(config(), {});
      try {
        // Details come masked; a probe that never answers is reported after 30 s, not waited on for minutes.
        const statuses = await venom.checkConnections({ timeoutMs: 30_000 });
        io.out(options.json ? JSON.stringify({ integrations: statuses }) : formatStatuses(statuses));
        if (statuses.some((status) => status.configured && status.connected === false)) setExitCode(1);
      } finally {
        await venom.stop();
      }
    });
}

export function formatStatuses(statuses: IntegrationStatus[]): string {
  const width = Math.max(...statuses.map((status) => status.name.length));
  return statuses
    .map((status) => {
      const mark = !status.configured ? "-" : status.connected === false ? "✗" : "✓";
      const state = !status.configured ? "not configured" : status.connected === undefined ? "configured" : status.connected ? "connected" : "not connected";
      return `${mark} ${status.name.padEnd(width)}  ${state.padEnd(14)}  ${status.detail}`;
    })
    .join("\n");
}
