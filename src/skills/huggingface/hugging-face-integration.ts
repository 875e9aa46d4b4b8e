// The Hugging Face Hub as an integration: the skill built from config, and its hf_search tool for the Architect when turned on.
import type { IntegrationContext, SkillIntegration } from "../integration.js";
import { searchIntegration } from "../search-integration.js";
import { HuggingFaceSkill } from "./hugging-face-skill.js";

export function huggingFaceIntegration({ config, fetch, log }: IntegrationContext): SkillIntegration<HuggingFaceSkill> {
  const { hfToken, hfEndpoint, hfSearch } = config.integrations;
  const skill = new HuggingFaceSkill({
    ...(hfToken ? { token: hfToken } : {}),
    ...(hfEndpoint ? { endpoint: hfEndpoint } : {}),
    fetch: fetch("huggingface"),
    log: log.child({ name: "huggingface" }),
  });
  return searchIntegration({ name: "huggingface", skill, turnedOn: hfSearch, offDetail: "off (set VENOM_HF_SEARCH=true or HF_TOKEN)", tool: async (search) => (await import("./hf-search-tool.js")).hfSearchTool(search) });
}
