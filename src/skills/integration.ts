// The one contract of an integration: built from {config, fetch, log}, one status type, optional tools for the model.
import type { Logger } from "pino";
import type { VenomConfig } from "../config/env.js";
import type { Tool } from "../llm/tool.js";

/** One line of `venom doctor`, `/venom/api/status` and the dashboard; details are masked before they are shown. */
export interface IntegrationStatus {
  name: string;
  configured: boolean;
  /** Set when a live probe ran: true when the service answered as expected. */
  connected?: boolean;
  detail: string;
}

/** What a skill's own probe answers: the status without the name its integration gives it. */
export type ConnectionStatus = Omit<IntegrationStatus, "name">;

/** A `fetch` for one provider, limited and counted apart by the traffic layer (`retry: false` for SDKs that retry). */
export type FetchFor = (provider: string, options?: { retry?: boolean }) => typeof fetch;

/** Everything an integration is built from. */
export interface IntegrationContext {
  config: VenomConfig;
  fetch: FetchFor;
  log: Logger;
}

export interface Integration {
  /** As doctor and the status API name it: `web-search`, `google-calendar`… */
  readonly name: string;
  /** Where the probe goes, named when it does not answer in time. */
  readonly endpoint?: string;
  /** What is shown before the first probe ends, when the config alone can tell (no request made). */
  pending?(): IntegrationStatus;
  /** Configured, connected and a one-line detail; never throws. An unconfigured integration makes no request. */
  checkConnection(): Promise<IntegrationStatus>;
  /** Tools offered to the Architect's model: none unless the operator turned them on, since queries carry issue text. */
  /** Loaded on first use: tool modules pull in zod, which start-up does without. */
  tools?(): Promise<Tool[]>;
}

/** An integration that is also a service the app and the CLI call (web search, the Hub, the calendar). */
export interface SkillIntegration<Skill> extends Integration {
  readonly skill: Skill;
}

/** Shown for a live probe that has not answered yet. */
export const CHECKING = "checking…";
