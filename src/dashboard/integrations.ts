// Each integration's status — configured, connected, detail with secrets masked — for doctor and /venom/api/status.
import type { VenomConfig } from "../config/env.js";
import { maskToken } from "../log.js";

export interface IntegrationStatus {
  name: string;
  configured: boolean;
  /** Set when a live probe ran: true when the service answered as expected. */
  connected?: boolean;
  detail: string;
}

/** A live probe for one integration; returns the detail line or throws with what to fix. */
export type ConnectionProbe = () => Promise<string>;

export async function probe(
  name: string,
  configured: boolean,
  notConfigured: string,
  check: ConnectionProbe | undefined,
): Promise<IntegrationStatus> {
  if (!configured) return { name, configured: false, detail: notConfigured };
  if (!check) return { name, configured: true, detail: "configured" };
  try {
    return { name, configured: true, connected: true, detail: await check() };
  } catch (error) {
    return { name, configured: true, connected: false, detail: (error as Error).message };
  }
}

/** Static facts from the config, secrets masked (used where no live probe exists yet). */
export function describeConfigured(config: VenomConfig): IntegrationStatus[] {
  const { integrations } = config;
  const webhook = (name: string, url: string | undefined, variable: string): IntegrationStatus =>
    url
      ? { name, configured: true, detail: `webhook ${maskToken(url)}` }
      : { name, configured: false, detail: `not configured (set ${variable})` };
  return [
    webhook("discord", integrations.discordWebhookUrl, "DISCORD_WEBHOOK_URL"),
    webhook("slack", integrations.slackWebhookUrl, "SLACK_WEBHOOK_URL"),
    webhook("teams", integrations.teamsWebhookUrl, "TEAMS_WEBHOOK_URL"),
  ];
}

/** Shown for a live probe that has not answered yet. */
export const CHECKING = "checking…";

/**
 * Bounds one probe: a service that accepts the connection and never answers must not hold the
 * dashboard with it. Without `timeoutMs` (doctor) the probe gets all the time it needs.
 */
export async function withinTimeout(
  name: string,
  work: IntegrationStatus | Promise<IntegrationStatus>,
  timeoutMs: number | undefined,
  where?: string,
): Promise<IntegrationStatus> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<IntegrationStatus>((resolve) => {
    const seconds = Math.round((timeoutMs / 1000) * 10) / 10;
    timer = setTimeout(
      () => resolve({ name, configured: true, connected: false, detail: `no answer${where ? ` from ${where}` : ""} within ${seconds} s` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
