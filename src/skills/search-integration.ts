// A search skill as an integration: off until the operator turns it on, since its queries carry issue text; probed and offered to the Architect only then.
import type { Tool } from "../llm/tool.js";
import type { ConnectionStatus, SkillIntegration } from "./integration.js";

export interface SearchIntegrationOptions<Skill> {
  name: string;
  skill: Skill;
  /** VENOM_WEB_SEARCH / VENOM_HF_SEARCH, or the provider's key. */
  turnedOn: boolean;
  /** The status detail while off: how to turn it on. */
  offDetail: string;
  /** Loads the tool on first use (its module pulls in zod, which start-up does without). */
  tool: (skill: Skill) => Promise<Tool>;
}

export function searchIntegration<Skill extends { checkConnection(): Promise<ConnectionStatus> }>(
  options: SearchIntegrationOptions<Skill>,
): SkillIntegration<Skill> {
  const { name, skill, turnedOn } = options;
  return {
    name,
    skill,
    // Live probes only when turned on: a skill that is off never reaches the network.
    checkConnection: async () => (turnedOn ? { name, ...(await skill.checkConnection()) } : { name, configured: false, detail: options.offDetail }),
    // A query built from a private issue must not reach a search engine or the Hub unless someone chose that.
    tools: async () => (turnedOn ? [await options.tool(skill)] : []),
  };
}
