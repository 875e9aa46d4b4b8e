// Slack notifications: Block Kit through @slack/webhook's IncomingWebhook (loaded on first send), with a plain-text fallback.
import type { IncomingWebhookSendArguments } from "@slack/webhook";
import { lazy } from "../../shared/lazy.js";
import { SEND_TIMEOUT_MS, checkWebhookUrl, deliveryError, transportFailure, webhookMasker, type SenderOptions } from "./delivery.js";
import { notificationParts, truncate, type Link } from "./notification-parts.js";
import type { ChannelSender, NotificationEvent } from "./notifier.js";

const STATUS_EMOJI: Record<NotificationEvent["status"], string> = {
  success: ":white_check_mark:",
  failure: ":x:",
  info: ":information_source:",
};

/** The message: a header, the text with its link, the facts as fields; `text` is what notifications and old clients show. */
export function slackMessage(event: NotificationEvent): IncomingWebhookSendArguments {
  const parts = notificationParts(event);
  const body = [`${STATUS_EMOJI[parts.status]} ${escapeMrkdwn(parts.message)}`.trim(), parts.link ? slackLink(parts.link) : ""].filter(Boolean);
  const fields = parts.facts.map((fact) => ({
    type: "mrkdwn" as const,
    text: truncate(`*${fact.label}*\n${fact.url ? slackLink({ text: fact.text, url: fact.url }) : escapeMrkdwn(fact.text)}`, 2000),
  }));
  return {
    text: truncate(escapeMrkdwn([parts.title, parts.message, parts.link?.url].filter(Boolean).join("\n")), 3000),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(parts.title || "Venom Integrator", 150), emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: truncate(body.join("\n"), 3000) } },
      ...(fields.length ? [{ type: "section" as const, fields: fields.slice(0, 10) }] : []),
    ],
  };
}

export function createSlackSender(webhookUrl: string, options: SenderOptions = {}): ChannelSender {
  checkWebhookUrl(webhookUrl, "SLACK_WEBHOOK_URL");
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const mask = webhookMasker(webhookUrl);
  // Loaded on first send, like discord.js: an idle app loads no notification client.
  const webhook = lazy(async () => {
    const { IncomingWebhook } = await import("@slack/webhook");
    return new IncomingWebhook(webhookUrl, { timeout: timeoutMs });
  });
  return async (event) => {
    try {
      await (await webhook()).send(slackMessage(event));
    } catch (error) {
      throw deliveryError("Slack", slackFailure(error, timeoutMs), mask);
    }
  };
}

/** @slack/webhook's errors: an HTTP error carries Slack's plain-text reason (`no_service`, `invalid_payload`); a request error wraps the cause. */
function slackFailure(error: unknown, timeoutMs: number): string {
  const failure = error as { statusCode?: unknown; body?: unknown; original?: unknown };
  if (typeof failure.statusCode === "number") {
    const reason = typeof failure.body === "string" && /^[\w.-]{1,80}$/.test(failure.body.trim()) ? `: ${failure.body.trim()}` : "";
    return `answered ${failure.statusCode}${reason}`;
  }
  return transportFailure(failure.original ?? error, timeoutMs);
}

/** Slack's mrkdwn needs only `&`, `<` and `>` escaped; that also keeps user text from forming `<!channel>` pings. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function slackLink(link: Link): string {
  return `<${link.url.replace(/\|/g, "%7C")}|${escapeMrkdwn(link.text).replace(/\|/g, "¦")}>`;
}
