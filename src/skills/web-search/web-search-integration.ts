// Web search as an integration: the skill built from config, and its web_search tool for the Architect when turned on.
import type { IntegrationContext, SkillIntegration } from "../integration.js";
import { searchIntegration } from "../search-integration.js";
import { WebSearchSkill } from "./web-search-skill.js";

export function webSearchIntegration({ config, fetch, log }: IntegrationContext): SkillIntegration<WebSearchSkill> {
  const { tavilyApiKey, tavilyBaseUrl, ddgUrl, webSearch } = config.integrations;
  const skill = new WebSearchSkill({
    ...(tavilyApiKey ? { tavilyApiKey } : {}),
    ...(tavilyBaseUrl ? { tavilyBaseUrl } : {}),
    ...(ddgUrl ? { ddgUrl } : {}),
    // Tavily, DuckDuckGo and page reads are limited apart: one open breaker must not stop the fallback.
    fetchFor: (provider) => fetch(provider),
    log: log.child({ name: "web-search" }),
  });
  return searchIntegration({
    name: "web-search",
    skill,
    turnedOn: webSearch,
    offDetail: "off (set VENOM_WEB_SEARCH=true or TAVILY_API_KEY)",
    tool: async (skill) => (await import("./web-search-tool.js")).webSearchTool(skill),
  });
}
