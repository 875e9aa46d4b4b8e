// One skill, the notifier or the model client built from config, a logger and the traffic layer: no Probot, no queue.
import type { VenomConfig } from "../config/env.js";
import type { LlmClient } from "../llm/client.js";
import { createMasker, type Logger } from "../log.js";
import { googleCalendarIntegration } from "../skills/google-calendar/google-calendar-integration.js";
import type { GoogleCalendarSkill } from "../skills/google-calendar/google-calendar-skill.js";
import { huggingFaceIntegration } from "../skills/huggingface/hugging-face-integration.js";
import type { HuggingFaceSkill } from "../skills/huggingface/hugging-face-skill.js";
import type { IntegrationContext } from "../skills/integration.js";
import { Notifier } from "../skills/notify/notifier.js";
import { createChannelSenders } from "../skills/notify/senders.js";
import { throughTraffic } from "../skills/notify/through-traffic.js";
import { webSearchIntegration } from "../skills/web-search/web-search-integration.js";
import type { WebSearchSkill } from "../skills/web-search/web-search-skill.js";
import { createTrafficControl, type TrafficControl } from "../traffic/index.js";
import type { CliContext } from "./cli-context.js";
import { createCliLogger } from "./cli-logger.js";

/** What a one-shot command needs, built on first use; every outbound call goes through `traffic`. */
export interface StandaloneServices {
  log: Logger;
  traffic: TrafficControl;
  webSearch(): WebSearchSkill;
  huggingFace(): HuggingFaceSkill;
  calendar(): GoogleCalendarSkill;
  notifier(): Notifier;
  /** Async: the openai package loads only for the command that talks to a model. */
  llm(): Promise<LlmClient>;
  /** Stops the traffic layer's timers. */
  close(): void;
}

/**
 * Each skill comes from its integration in the registry (src/skills/), built from `{config, fetch, log}` as the
 * app builds it, but one at a time: `venom search` must not open the database or load Probot to ask one question.
 */
export function createStandaloneServices(config: VenomConfig, log: Logger): StandaloneServices {
  const traffic = createTrafficControl({ log: log.child({ name: "traffic" }), settings: config.traffic });
  const context: IntegrationContext = { config, fetch: (provider, options) => traffic.fetchFor(provider, options), log };
  return {
    log,
    traffic,
    webSearch: () => webSearchIntegration(context).skill,
    huggingFace: () => huggingFaceIntegration(context).skill,
    calendar: () => googleCalendarIntegration(context).skill,
    // Notifications carry text from issues and the model: the app's own secrets never leave in them.
    notifier: () =>
      new Notifier(throughTraffic(createChannelSenders(config.integrations), traffic), log.child({ name: "notify" }), createMasker(config.secrets)),
    llm: async () => (await import("../llm/client.js")).createLlmClientFromConfig(config.llm, { log: log.child({ name: "llm" }), traffic }),
    close: () => traffic.close(),
  };
}

/** Runs `work` with the services, then stops the traffic layer whatever happened. */
export async function withStandaloneServices<T>(config: VenomConfig, log: Logger, work: (services: StandaloneServices) => Promise<T>): Promise<T> {
  const services = createStandaloneServices(config, log);
  try {
    return await work(services);
  } finally {
    services.close();
  }
}

/** For a command that makes a call or two: the command line's config, its log on stderr. */
export async function withCommandServices<T>(context: CliContext, work: (services: StandaloneServices) => Promise<T>): Promise<T> {
  const config = context.config();
  const log = await createCliLogger(config, context.io, { json: context.json });
  return withStandaloneServices(config, log, work);
}
