// The `hf_search {query, kind}` tool for the Architect: the top models or datasets on the hub, most downloaded first.
import { z } from "zod";
import { errorMessage } from "../../errors.js";
import { defineTool, type Tool } from "../../llm/tool.js";
import type { HuggingFaceSkill } from "./hugging-face-skill.js";
import type { DatasetSummary, ModelSummary } from "./types.js";

const SHOWN_TAGS = 8;
// Tags that say nothing about what a repo is.
const NOISE_TAG = /^(region:|endpoints_compatible$|autotrain_compatible$|deploy:|text-generation-inference$)/;
const EXAMPLE = '{"query": "sentiment", "kind": "model"}';
const QUERY_PROBLEM = `"query" must be a non-empty string, e.g. ${EXAMPLE}`;

const hfSearchSchema = z.object(
  {
    query: z.string(QUERY_PROBLEM).trim().min(1, QUERY_PROBLEM).describe('Words in the repo name, e.g. "sentiment" or "whisper".'),
    // Models when left out: the model is told to choose, but a call without it still answers.
    kind: z
      .enum(["model", "dataset"], { error: (issue) => `"kind" must be "model" or "dataset", not ${JSON.stringify(issue.input)}` })
      .default("model")
      .describe("What to search for."),
  },
  { error: QUERY_PROBLEM },
);

export function hfSearchTool(skill: Pick<HuggingFaceSkill, "searchModels" | "searchDatasets">): Tool {
  return defineTool({
    name: "hf_search",
    description:
      "Search the Hugging Face Hub for models or datasets, most downloaded first. " +
      "Answers with up to 5 ids, with task, downloads, likes, tags and URL.",
    schema: hfSearchSchema,
    readOnly: true,
    example: EXAMPLE,
    async run({ query, kind }) {
      try {
        return kind === "model" ? formatModels(query, await skill.searchModels(query)) : formatDatasets(query, await skill.searchDatasets(query));
      } catch (error) {
        return `Error: Hugging Face search failed: ${errorMessage(error)}`;
      }
    },
  });
}

export function formatModels(query: string, models: ModelSummary[]): string {
  if (models.length === 0) return `No Hugging Face models match ${JSON.stringify(query)}; try fewer or other words.`;
  const lines = [`Hugging Face models matching ${JSON.stringify(query)}, most downloaded first:`];
  models.forEach((model, index) => {
    const facts = [model.task, `${count(model.downloads)} downloads`, `${count(model.likes)} likes`].filter(Boolean);
    lines.push(`${index + 1}. ${model.id} — ${facts.join(", ")}`, ...tagLine(model.tags), `   ${model.url}`);
  });
  return lines.join("\n");
}

export function formatDatasets(query: string, datasets: DatasetSummary[]): string {
  if (datasets.length === 0) return `No Hugging Face datasets match ${JSON.stringify(query)}; try fewer or other words.`;
  const lines = [`Hugging Face datasets matching ${JSON.stringify(query)}, most downloaded first:`];
  datasets.forEach((dataset, index) => {
    lines.push(
      `${index + 1}. ${dataset.id} — ${count(dataset.downloads)} downloads, ${count(dataset.likes)} likes`,
      ...tagLine(dataset.tags),
      `   ${dataset.url}`,
    );
  });
  return lines.join("\n");
}

function tagLine(tags: string[]): string[] {
  const shown = tags.filter((tag) => !NOISE_TAG.test(tag));
  if (shown.length === 0) return [];
  const more = shown.length > SHOWN_TAGS ? ` (+${shown.length - SHOWN_TAGS} more)` : "";
  return [`   tags: ${shown.slice(0, SHOWN_TAGS).join(", ")}${more}`];
}

const count = (value: number) => value.toLocaleString("en-US");
