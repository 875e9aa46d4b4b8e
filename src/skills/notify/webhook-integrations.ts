// Discord, Slack and Teams as integrations: configured by their webhook URL, shown masked, never probed; Slack's app
// mode (SLACK_BOT_TOKEN) is probed with auth.test, and the chat actions' routes are named when on.
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

export const slackIntegration = ({ config, fetch }: IntegrationContext): Integration => {
  const webhook = webhookIntegration("slack", config.integrations.slackWebhookUrl, "SLACK_WEBHOOK_URL");
  const app = config.chat.slack;
  if (!app.botToken && !app.signingSecret) return webhook;
  const webhookStatus = webhook.pending?.();
  const parts = [
    webhookStatus?.configured ? webhookStatus.detail : "",
    app.botToken ? `app mode in ${app.channel ?? "?"}` : "",
    app.signingSecret ? `buttons at /venom/slack/actions (${Object.keys(app.users).length} users mapped)` : "",
  ].filter(Boolean);
  const status: IntegrationStatus = { name: "slack", configured: true, detail: parts.join("; ") };
  return {
    name: "slack",
    endpoint: app.apiUrl,
    pending: () => status,
    async checkConnection() {
      if (!app.botToken) return status;
      // auth.test: the one harmless call that proves the bot token (it posts nothing).
      try {
        const response = await fetch("slack", { retry: false })(`${app.apiUrl}/auth.test`, {
          method: "POST",
          headers: { authorization: `Bearer ${app.botToken}` },
          signal: AbortSignal.timeout(10_000),
        });
        const answer = (await response.json()) as { ok?: boolean; error?: string; team?: string; user?: string };
        if (!answer.ok) return { ...status, connected: false, detail: `${status.detail}; bot token refused: ${String(answer.error ?? response.status).slice(0, 80)}` };
        return { ...status, connected: true, detail: `${status.detail}; bot ${answer.user ?? "?"} in ${answer.team ?? "?"}` };
      } catch (error) {
        return { ...status, connected: false, detail: `${status.detail}; Slack did not answer: ${error instanceof Error ? error.message.slice(0, 80) : "error"}` };
      }
    },
  };
};

export const teamsIntegration = ({ config }: IntegrationContext): Integration => {
  const webhook = webhookIntegration("teams", config.integrations.teamsWebhookUrl, "TEAMS_WEBHOOK_URL");
  const outgoing = config.chat.teams;
  if (!outgoing.outgoingSecret) return webhook;
  const webhookStatus = webhook.pending?.();
  const detail = [webhookStatus?.configured ? webhookStatus.detail : "", `commands at /venom/teams/actions (${Object.keys(outgoing.users).length} users mapped)`]
    .filter(Boolean)
    .join("; ");
  const status: IntegrationStatus = { name: "teams", configured: true, detail };
  return { name: "teams", pending: () => status, checkConnection: async () => status };
};
