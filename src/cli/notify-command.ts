// `venom notify`: one message to Discord, Slack and/or Teams, through the traffic layer like the app's notifications.
import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { Channel, DeliveryResult } from "../skills/notify/notifier.js";
import type { CliContext } from "./cli-context.js";
import { createCliLogger } from "./cli-logger.js";

const CHOICES: ReadonlyArray<Channel | "all"> = ["discord", "slack", "teams", "all"];

export function addNotifyCommand(program: Command, context: CliContext): void {
  const { io, config, setExitCode } = context;
  program
    .command("notify")
    .description("send a notification to Discord, Slack and/or Teams")
    .argument("<message>", "the text to send")
    .option("--channel <channel>", "discord, slack, teams or all", "all")
    .option("--json", "print JSON")
    .action(async (message: string, options: { channel: string; json?: boolean }) => {
      const channel = CHOICES.find((choice) => choice === options.channel);
      if (!channel) throw new ConfigError(`--channel must be one of ${CHOICES.join(", ")}.`);
      const loaded = config();
      // Each channel's result is the answer; the log would only repeat a failure.
      const log = await createCliLogger(loaded, io, { level: "error", json: true });
      const { withStandaloneServices } = await import("./standalone-services.js");
      const results = await withStandaloneServices(loaded, log, async (services) => {
        const notifier = services.notifier();
        if (channel === "all" && notifier.configured().length === 0) {
          throw new ConfigError("Webhook URL not configured: set DISCORD_WEBHOOK_URL, SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL.");
        }
        return notifier.send({ title: "Venom Integrator", message, status: "info" }, channel);
      });
      io.out(options.json ? JSON.stringify(results) : formatDeliveries(results));
      if (results.some((result) => !result.ok)) setExitCode(1);
    });
}

export function formatDeliveries(results: DeliveryResult[]): string {
  return results.map((result) => `${result.ok ? "✓" : "✗"} ${result.channel}${result.error ? `  ${result.error}` : "  sent"}`).join("\n");
}
