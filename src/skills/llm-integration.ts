// The model as an integration: configured by OPENAI_API_KEY or OPENAI_BASE_URL, said from the config alone (no probe).
import type { VenomConfig } from "../config/env.js";
import type { Integration, IntegrationStatus } from "./integration.js";

export function llmIntegration(config: VenomConfig["llm"]): Integration {
  const status: IntegrationStatus =
    config.apiKey || config.baseUrl
      ? { name: "llm", configured: true, detail: `model ${config.model} at ${config.baseUrl ?? "https://api.openai.com/v1"}` }
      : { name: "llm", configured: false, detail: "not configured (set OPENAI_API_KEY or OPENAI_BASE_URL)" };
  return { name: "llm", pending: () => status, checkConnection: async () => status };
}
