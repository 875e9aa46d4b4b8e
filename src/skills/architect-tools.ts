// The skill tools offered to the Architect: only those the operator turned on, since their queries carry issue text.
import type { LoopTool } from "../llm/tool-loop.js";
import { hfSearchTool } from "./huggingface/hf-search-tool.js";
import type { HuggingFaceSkill } from "./huggingface/hugging-face-skill.js";
import { webSearchTool } from "./web-search/web-search-tool.js";
import type { WebSearchSkill } from "./web-search/web-search-skill.js";

/** What the operator allowed (VENOM_WEB_SEARCH / TAVILY_API_KEY, VENOM_HF_SEARCH / HF_TOKEN). */
export interface ArchitectToolSwitches {
  webSearch: boolean;
  hfSearch: boolean;
}

export function architectSkillTools(
  switches: ArchitectToolSwitches,
  skills: { webSearch: Pick<WebSearchSkill, "search">; huggingFace: Pick<HuggingFaceSkill, "searchModels" | "searchDatasets"> },
): LoopTool[] {
  // A query built from a private issue must not reach DuckDuckGo or the Hub unless someone chose that.
  return [
    ...(switches.webSearch ? [webSearchTool(skills.webSearch)] : []),
    ...(switches.hfSearch ? [hfSearchTool(skills.huggingFace)] : []),
  ];
}
