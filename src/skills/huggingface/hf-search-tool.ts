// The `hf_search {query, kind}` tool for the Architect: the top models or datasets on the hub, most downloaded first.
import { errorMessage } from "../../errors.js";
import type { LoopTool } from "../../llm/tool-loop.js";
import type { HuggingFaceSkill } from "./hugging-face-skill.js";
import type { DatasetSummary, ModelSummary } from "./types.js";

const SHOWN_TAGS = 8;
// Tags that say nothing about what a repo is.
const NOISE_TAG = /^(region:|endpoints_compatible$|autotrain_compatible$|deploy:|text-generation-inference$)/;

export function hfSearchTool(skill: Pick<HuggingFaceSkill, "searchModels" | "searchDatasets">): LoopTool {
  return {
    name: "hf_search",
    description:
      "Search the Hugging Face Hub for models or datasets, most downloaded first. " +
      "Answers with up to 5 ids, with task, downloads, likes, tags and URL.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", description: "Words in the repo name, e.g. \"sentiment\" or \"whisper\"." },
        kind: { type: "string", enum: ["model", "dataset"], description: "What to search for." },
      },
      required: ["query", "kind"],
      additionalProperties: false,
    },
    async run(rawArguments: string): Promise<string> {
      const args = parseArguments(rawArguments);
      if (args instanceof Error) return `Error: ${args.message}`;
      try {
        return args.kind === "model"
          ? formatModels(args.query, await skill.searchModels(args.query))
          : formatDatasets(args.query, await skill.searchDatasets(args.query));
      } catch (error) {
        return `Error: Hugging Face search failed: ${errorMessage(error)}`;
      }
    },
  };
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

function parseArguments(rawArguments: string): { query: string; kind: "model" | "dataset" } | Error {
  let value: unknown;
  try {
    value = JSON.parse(rawArguments || "{}");
  } catch {
    return new Error('arguments are not JSON; call hf_search with {"query": "sentiment", "kind": "model"}');
  }
  const { query, kind = "model" } = typeof value === "object" && value !== null ? (value as { query?: unknown; kind?: unknown }) : {};
  if (typeof query !== "string" || !query.trim()) return new Error('"query" must be a non-empty string, e.g. {"query": "sentiment", "kind": "model"}');
  if (kind !== "model" && kind !== "dataset") return new Error(`"kind" must be "model" or "dataset", not ${JSON.stringify(kind)}`);
  return { query: query.trim(), kind };
}

function tagLine(tags: string[]): string[] {
  const shown = tags.filter((tag) => !NOISE_TAG.test(tag));
  if (shown.length === 0) return [];
  const more = shown.length > SHOWN_TAGS ? ` (+${shown.length - SHOWN_TAGS} more)` : "";
  return [`   tags: ${shown.slice(0, SHOWN_TAGS).join(", ")}${more}`];
}

const count = (value: number) => value.toLocaleString("en-US");
