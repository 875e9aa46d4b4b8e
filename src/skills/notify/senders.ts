// Builds one sender per configured webhook URL; a missing URL means the channel is not configured.
import { createDiscordSender } from "./discord.js";
import type { SenderOptions } from "./delivery.js";
import type { Channel, ChannelSender } from "./notifier.js";
import { createSlackSender } from "./slack.js";
import { createTeamsSender } from "./teams.js";

export interface ChannelSendersOptions extends SenderOptions {
  discordWebhookUrl?: string;
  slackWebhookUrl?: string;
  teamsWebhookUrl?: string;
  /** VENOM_PUBLIC_URL: Teams cards link the dashboard's run page under it. */
  publicUrl?: string;
}

/**
 * Checks each given URL now (a malformed one throws a `ConfigError` naming its variable) but loads no
 * client library: discord.js and @slack/webhook are imported on a channel's first send.
 */
export function createChannelSenders(options: ChannelSendersOptions): Partial<Record<Channel, ChannelSender>> {
  const timing: SenderOptions = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  return {
    ...(options.discordWebhookUrl ? { discord: createDiscordSender(options.discordWebhookUrl, timing) } : {}),
    ...(options.slackWebhookUrl ? { slack: createSlackSender(options.slackWebhookUrl, timing) } : {}),
    ...(options.teamsWebhookUrl ? { teams: createTeamsSender(options.teamsWebhookUrl, { ...timing, ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}) }) } : {}),
  };
}
