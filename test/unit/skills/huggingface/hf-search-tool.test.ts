import { describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import { hfSearchTool } from "../../../../src/skills/huggingface/hf-search-tool.js";
import type { DatasetSummary, ModelSummary } from "../../../../src/skills/huggingface/types.js";

const model: ModelSummary = {
  id: "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
  url: "https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english",
  task: "text-classification",
  downloads: 7_362_931,
  likes: 758,
  tags: ["transformers", "pytorch", "tf", "rust", "onnx", "safetensors", "distilbert", "text-classification", "en", "license:apache-2.0", "endpoints_compatible", "region:us"],
  private: false,
  gated: false,
};
const dataset: DatasetSummary = {
  id: "stanfordnlp/imdb",
  url: "https://huggingface.co/datasets/stanfordnlp/imdb",
  downloads: 210_493,
  likes: 312,
  tags: ["task_categories:text-classification", "language:en", "region:us"],
  private: false,
  gated: false,
};

function tool(answer: { models?: ModelSummary[]; datasets?: DatasetSummary[]; error?: Error } = {}) {
  const calls: string[] = [];
  const run = <T>(kind: string, query: string, value: T[] | undefined) => {
    calls.push(`${kind}:${query}`);
    return answer.error ? Promise.reject(answer.error) : Promise.resolve(value ?? []);
  };
  return {
    calls,
    tool: hfSearchTool({
      searchModels: (query: string) => run("model", query, answer.models),
      searchDatasets: (query: string) => run("dataset", query, answer.datasets),
    }),
  };
}

describe("hfSearchTool", () => {
  it("is the hf_search {query, kind} tool of the LLM protocol", () => {
    const { tool: hfSearch } = tool();
    expect(hfSearch.name).toBe("hf_search");
    expect(hfSearch.parameters).toMatchObject({
      type: "object",
      properties: { query: { type: "string" }, kind: { type: "string", enum: ["model", "dataset"] } },
      required: ["query", "kind"],
      additionalProperties: false,
    });
  });

  it("lists models with task, downloads, likes, useful tags and URL", async () => {
    const { tool: hfSearch, calls } = tool({ models: [model] });
    expect(await hfSearch.run('{"query":"sentiment","kind":"model"}')).toBe(
      [
        'Hugging Face models matching "sentiment", most downloaded first:',
        "1. distilbert/distilbert-base-uncased-finetuned-sst-2-english — text-classification, 7,362,931 downloads, 758 likes",
        "   tags: transformers, pytorch, tf, rust, onnx, safetensors, distilbert, text-classification (+2 more)",
        "   https://huggingface.co/distilbert/distilbert-base-uncased-finetuned-sst-2-english",
      ].join("\n"),
    );
    expect(calls).toEqual(["model:sentiment"]);
  });

  it("lists datasets", async () => {
    const { tool: hfSearch, calls } = tool({ datasets: [dataset] });
    expect(await hfSearch.run('{"query":"imdb","kind":"dataset"}')).toBe(
      [
        'Hugging Face datasets matching "imdb", most downloaded first:',
        "1. stanfordnlp/imdb — 210,493 downloads, 312 likes",
        "   tags: task_categories:text-classification, language:en",
        "   https://huggingface.co/datasets/stanfordnlp/imdb",
      ].join("\n"),
    );
    expect(calls).toEqual(["dataset:imdb"]);
  });

  it("says when nothing matches", async () => {
    const { tool: hfSearch } = tool();
    expect(await hfSearch.run('{"query":"qzxv9","kind":"dataset"}')).toBe('No Hugging Face datasets match "qzxv9"; try fewer or other words.');
  });

  it("answers Error: text for bad arguments and failures, never throwing", async () => {
    const { tool: hfSearch, calls } = tool({ error: new VenomError("transient", "Hugging Face answered 503: Service Unavailable") });
    expect(await hfSearch.run("{")).toMatch(/^Error: arguments are not JSON/);
    expect(await hfSearch.run('{"query":"  "}')).toMatch(/^Error: "query" must be a non-empty string/);
    expect(await hfSearch.run('{"query":"x","kind":"space"}')).toBe('Error: "kind" must be "model" or "dataset", not "space"');
    expect(calls).toEqual([]);
    expect(await hfSearch.run('{"query":"x"}')).toBe("Error: Hugging Face search failed: Hugging Face answered 503: Service Unavailable");
    expect(calls).toEqual(["model:x"]);
  });
});
