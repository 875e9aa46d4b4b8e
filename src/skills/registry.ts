// Every skill in one list, and what doctor, /venom/api/status, the dashboard and the Architect do with a list of integrations.
import type { Tool } from "../llm/tool.js";
import { googleCalendarIntegration } from "./google-calendar/google-calendar-integration.js";
import { huggingFaceIntegration } from "./huggingface/hugging-face-integration.js";
import type { Integration, IntegrationContext, IntegrationStatus } from "./integration.js";
import { discordIntegration, slackIntegration, teamsIntegration } from "./notify/webhook-integrations.js";
import { webSearchIntegration } from "./web-search/web-search-integration.js";

/** The skills, in the order they are listed: adding a skill is its file and one line here. */
export const SKILLS = {
  discord: discordIntegration,
  slack: slackIntegration,
  teams: teamsIntegration,
  webSearch: webSearchIntegration,
  huggingFace: huggingFaceIntegration,
  calendar: googleCalendarIntegration,
} as const satisfies Record<string, (context: IntegrationContext) => Integration>;

export type Skills = { [Key in keyof typeof SKILLS]: ReturnType<(typeof SKILLS)[Key]> };

export function createSkills(context: IntegrationContext): Skills {
  return Object.fromEntries(Object.entries(SKILLS).map(([key, create]) => [key, create(context)])) as Skills;
}

/**
 * Every probe at once, details masked. `timeoutMs` bounds each (the dashboard's background probe: a service
 * that accepts the connection and never answers must not hold it); without it (doctor) each gets all the time it needs.
 */
export async function checkConnections(
  integrations: readonly Integration[],
  options: { timeoutMs?: number; mask: (text: string) => string },
): Promise<IntegrationStatus[]> {
  const statuses = await Promise.all(
    integrations.map((integration) => withinTimeout(integration, integration.checkConnection(), options.timeoutMs)),
  );
  return statuses.map((status) => ({ ...status, detail: options.mask(status.detail) }));
}

/** What the config alone says, with no request made: the dashboard's answer until the first probes end. */
export function pendingStatuses(integrations: readonly Integration[], mask: (text: string) => string): IntegrationStatus[] {
  return integrations.flatMap((integration) => integration.pending?.() ?? []).map((status) => ({ ...status, detail: mask(status.detail) }));
}

/** The tools the integrations offer the Architect: only those the operator turned on. */
export async function integrationTools(integrations: readonly Integration[]): Promise<Tool[]> {
  const offered = await Promise.all(integrations.map((integration) => integration.tools?.() ?? []));
  return offered.flat();
}

async function withinTimeout(
  integration: Integration,
  work: Promise<IntegrationStatus>,
  timeoutMs: number | undefined,
): Promise<IntegrationStatus> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<IntegrationStatus>((resolve) => {
    const seconds = Math.round((timeoutMs / 1000) * 10) / 10;
    const where = integration.endpoint ? ` from ${integration.endpoint}` : "";
    timer = setTimeout(() => resolve({ name: integration.name, configured: true, connected: false, detail: `no answer${where} within ${seconds} s` }), timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
