// Microsoft Teams notifications: an Adaptive Card posted with fetch to an incoming webhook (Workflows or a legacy connector).
import { SEND_TIMEOUT_MS, checkWebhookUrl, deliveryError, transportFailure, webhookMasker, type SenderOptions } from "./delivery.js";
import { notificationParts } from "./notification-parts.js";
import type { ChannelSender, NotificationEvent } from "./notifier.js";

const TITLE_COLOUR: Record<NotificationEvent["status"], string> = { success: "Good", failure: "Attention", info: "Accent" };

/**
 * The Teams message: one Adaptive Card (title, text, facts, a button per link). With `publicUrl` (VENOM_PUBLIC_URL), a
 * run's card also links its dashboard page, where a Teams workflow webhook's reader can retry or cancel it.
 */
export function teamsMessage(event: NotificationEvent, options: { publicUrl?: string } = {}): Record<string, unknown> {
  const parts = notificationParts(event);
  if (options.publicUrl && event.jobId) {
    parts.links.push({ text: "Open run in Venom", url: `${options.publicUrl.replace(/\/+$/, "")}/venom/jobs/${encodeURIComponent(event.jobId)}` });
  }
  const facts = parts.facts.map((fact) => ({ title: fact.label, value: fact.url && fact.url !== fact.text ? `[${fact.text}](${fact.url})` : fact.text }));
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: parts.title, weight: "Bolder", size: "Medium", color: TITLE_COLOUR[parts.status], wrap: true },
            ...(parts.message ? [{ type: "TextBlock", text: parts.message, wrap: true }] : []),
            ...(facts.length ? [{ type: "FactSet", facts }] : []),
          ],
          ...(parts.links.length ? { actions: parts.links.map((link) => ({ type: "Action.OpenUrl", title: link.text, url: link.url })) } : {}),
        },
      },
    ],
  };
}

export function createTeamsSender(webhookUrl: string, options: SenderOptions & { publicUrl?: string } = {}): ChannelSender {
  checkWebhookUrl(webhookUrl, "TEAMS_WEBHOOK_URL");
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const mask = webhookMasker(webhookUrl);
  return async (event) => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(teamsMessage(event, options.publicUrl ? { publicUrl: options.publicUrl } : {})),
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw deliveryError("Teams", transportFailure(error, timeoutMs), mask);
    }
    if (!response.ok) throw deliveryError("Teams", `answered ${response.status} ${response.statusText}`, mask);
    // Legacy Office 365 connectors answer 200 and put the real failure in the body.
    const legacyStatus = /returned HTTP error (\d{3})/.exec(text)?.[1];
    if (legacyStatus) throw deliveryError("Teams", `answered ${legacyStatus} (reported in a 200 response)`, mask);
  };
}
