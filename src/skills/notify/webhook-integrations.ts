// Discord, Slack and Teams as integrations: configured by their webhook URL alone, shown masked, never probed.
import { maskToken } from "../../log.js";
import type { Integration, IntegrationContext, IntegrationStatus } from "../integration.js";
import type { Channel } from "./notifier.js";

/** A webhook is not probed: posting to one would notify people, and there is no harmless request to send. */
function webhookIntegration(name: Channel, url: string | undefined, variable: string): Integration {
  const status: IntegrationStatus = url
    ? { name, configured: true, detail: `webhook ${maskToken(url)}` }
    : { name, configured: false, detail: `not configured (set ${variable})` };
  return { name, pending: () => status, checkConnection: async () => status };
}

export const discordIntegration = ({ config }: IntegrationContext): Integration =>
  webhookIntegration("discord", config.integrations.discordWebhookUrl, "DISCORD_WEBHOOK_URL");

export const slackIntegration = ({ config }: IntegrationContext): Integration =>
  webhookIntegration("slack", config.integrations.slackWebhookUrl, "SLACK_WEBHOOK_URL");

export const teamsIntegration = ({ config }: IntegrationContext): Integration =>
  webhookIntegration("teams", config.integrations.teamsWebhookUrl, "TEAMS_WEBHOOK_URL");
