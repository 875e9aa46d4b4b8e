// Discord notifications: an embed sent by discord.js's WebhookClient, loaded on first send and aimed at the URL's own origin.
import type { APIEmbed, WebhookClient } from "discord.js";
import { ConfigError } from "../../errors.js";
import { SEND_TIMEOUT_MS, deliveryError, transportFailure, webhookMasker, withDeadline, type SenderOptions } from "./delivery.js";
import { notificationParts, truncate } from "./notification-parts.js";
import type { ChannelSender, NotificationEvent } from "./notifier.js";

export interface DiscordWebhook {
  /** discord.js's REST base: `<origin>[<path prefix>]/api` (discord.js adds `/v10`). */
  apiBase: string;
  id: string;
  token: string;
  /** `?thread_id=` on the URL posts into that thread of a forum or text channel. */
  threadId?: string;
}

// Discord's brand colours: green, red, blurple.
export const DISCORD_COLOURS: Record<NotificationEvent["status"], number> = {
  success: 0x57f287,
  failure: 0xed4245,
  info: 0x5865f2,
};

const WEBHOOK_PATH = /^(.*?)\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([\w-]+)\/?$/;
const EXPECTED = "expected <origin>/api[/vN]/webhooks/<id>/<token>, as Discord's \"Copy Webhook URL\" gives it";

/**
 * Splits `DISCORD_WEBHOOK_URL` into discord.js's REST base, id and token. Parsed here because
 * `WebhookClient({ url })` only accepts discord.com origins, and the origin must be honoured as given.
 */
export function parseDiscordWebhookUrl(raw: string): DiscordWebhook {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`DISCORD_WEBHOOK_URL is not a URL: ${EXPECTED}.`);
  }
  const match = url.protocol === "https:" || url.protocol === "http:" ? WEBHOOK_PATH.exec(url.pathname) : null;
  const [, prefix = "", id, token] = match ?? [];
  if (!id || !token) throw new ConfigError(`DISCORD_WEBHOOK_URL is not a Discord webhook URL: ${EXPECTED}.`);
  const threadId = url.searchParams.get("thread_id");
  return { apiBase: `${url.origin}${prefix}/api`, id, token, ...(threadId && /^\d+$/.test(threadId) ? { threadId } : {}) };
}

/** The embed: title, message, link, colour by status, and repository / issue / PR fields. */
export function discordEmbed(event: NotificationEvent): APIEmbed {
  const parts = notificationParts(event);
  const fields = parts.facts.map((fact) => ({
    name: fact.label,
    value: truncate(fact.url && fact.url !== fact.text ? `[${fact.text}](${fact.url})` : fact.text, 1024),
    inline: true,
  }));
  return {
    ...(parts.title ? { title: truncate(parts.title, 256) } : {}),
    ...(parts.message ? { description: truncate(parts.message, 4096) } : {}),
    ...(parts.link ? { url: parts.link.url } : {}),
    color: DISCORD_COLOURS[parts.status],
    ...(fields.length ? { fields } : {}),
    footer: { text: "Venom Integrator" },
    timestamp: new Date().toISOString(),
  };
}

export function createDiscordSender(webhookUrl: string, options: SenderOptions = {}): ChannelSender {
  const webhook = parseDiscordWebhookUrl(webhookUrl);
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const mask = webhookMasker(webhookUrl, webhook.token);
  return async (event) => {
    try {
      const client = await clientFor(webhook, timeoutMs);
      await withDeadline(
        client.send({
          embeds: [discordEmbed(event)],
          // Issue titles are user text: never let them ping @everyone, roles or users.
          allowedMentions: { parse: [] },
          ...(webhook.threadId ? { threadId: webhook.threadId } : {}),
        }),
        timeoutMs,
      );
    } catch (error) {
      throw deliveryError("Discord", discordFailure(error, timeoutMs), mask);
    }
  };
}

// Discord rate-limits per webhook, so every sender for one URL shares one client and its rate-limit buckets.
const clients = new Map<string, Promise<WebhookClient>>();

function clientFor(webhook: DiscordWebhook, timeoutMs: number): Promise<WebhookClient> {
  const key = `${timeoutMs} ${webhook.apiBase}/webhooks/${webhook.id}/${webhook.token}`;
  let client = clients.get(key);
  if (!client) {
    // Loaded on first send: an app that never notifies Discord never loads discord.js.
    client = import("discord.js").then(
      ({ WebhookClient }) =>
        new WebhookClient(
          { id: webhook.id, token: webhook.token },
          {
            rest: {
              api: webhook.apiBase,
              timeout: timeoutMs,
              // No hidden retries past the deadline: a failed notification is reported, and the job records it.
              retries: 0,
              // A rate limit that cannot be waited out within the deadline fails at once instead of hanging.
              rejectOnRateLimit: (limit) => limit.retryAfter >= timeoutMs,
            },
          },
        ),
    );
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

/** discord.js's errors: `DiscordAPIError` (4xx, Discord's message), `HTTPError` (5xx), `RateLimitError`. */
function discordFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number") {
      const rawError = (error as { rawError?: { message?: unknown } }).rawError;
      const reason = typeof rawError?.message === "string" && rawError.message ? rawError.message : error.message;
      return `answered ${status}: ${reason}`;
    }
    if (error.name.startsWith("RateLimitError")) {
      const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
      return `rate limited (429): retry after ${typeof retryAfter === "number" ? Math.max(1, Math.round(retryAfter / 1000)) : "?"} s`;
    }
  }
  return transportFailure(error, timeoutMs);
}
