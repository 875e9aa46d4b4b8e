// `venom search` and `venom hf`: the web search and Hugging Face skills from the command line, no app booted.
import type { Command } from "commander";
import type { ModelDetails } from "../skills/huggingface/types.js";
import { stripTerminalEscapes } from "../terminal-text.js";
import type { CliContext } from "./cli-context.js";

export function addSearchCommands(program: Command, context: CliContext): void {
  const { io } = context;
  // Loaded by the command that uses them: `venom jobs` or `venom --version` never loads the skills.
  const services = () => import("./standalone-services.js");

  program
    .command("search")
    .description("search the web (Tavily when TAVILY_API_KEY is set, DuckDuckGo otherwise)")
    .argument("<query...>", "what to search for")
    .option("--json", "print JSON")
    .action(async (words: string[], options: { json?: boolean }) => {
      const query = words.join(" ");
      const { withCommandServices } = await services();
      const response = await withCommandServices(context, (skills) => skills.webSearch().search(query));
      const { formatSearchResponse } = await import("../skills/web-search/web-search-tool.js");
      io.out(options.json ? JSON.stringify(response) : stripTerminalEscapes(formatSearchResponse(query, response)));
    });

  const hf = program.command("hf").description("explore Hugging Face models and datasets");
  hf.command("models")
    .description("search models, most downloaded first")
    .argument("<query...>")
    .option("--task <task>", "pipeline tag, e.g. text-classification")
    .option("--limit <n>", "how many", "5")
    .option("--json", "print JSON")
    .action(async (words: string[], options: { task?: string; limit: string; json?: boolean }) => {
      const query = words.join(" ");
      const { withCommandServices } = await services();
      const models = await withCommandServices(context, (skills) =>
        skills.huggingFace().searchModels(query, { limit: Number(options.limit) || 5, ...(options.task ? { task: options.task } : {}) }),
      );
      const { formatModels } = await import("../skills/huggingface/hf-search-tool.js");
      io.out(options.json ? JSON.stringify(models) : stripTerminalEscapes(formatModels(query, models)));
    });
  hf.command("datasets")
    .description("search datasets, most downloaded first")
    .argument("<query...>")
    .option("--limit <n>", "how many", "5")
    .option("--json", "print JSON")
    .action(async (words: string[], options: { limit: string; json?: boolean }) => {
      const query = words.join(" ");
      const { withCommandServices } = await services();
      const datasets = await withCommandServices(context, (skills) => skills.huggingFace().searchDatasets(query, { limit: Number(options.limit) || 5 }));
      const { formatDatasets } = await import("../skills/huggingface/hf-search-tool.js");
      io.out(options.json ? JSON.stringify(datasets) : stripTerminalEscapes(formatDatasets(query, datasets)));
    });
  hf.command("model")
    .description("one model's details: card summary, licence, tags, downloads, likes")
    .argument("<id>", "e.g. distilbert/distilbert-base-uncased")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const { withCommandServices } = await services();
      const model = await withCommandServices(context, (skills) => skills.huggingFace().modelDetails(id));
      io.out(options.json ? JSON.stringify(model) : formatModelDetails(model));
    });
}

export function formatModelDetails(model: ModelDetails): string {
  return stripTerminalEscapes(
    [
      `${model.id}  ${model.url}`,
      `task: ${model.task ?? "—"} · library: ${model.library ?? "—"} · licence: ${model.license ?? "—"}`,
      `downloads: ${model.downloads} · likes: ${model.likes}`,
      `tags: ${model.tags.join(", ") || "—"}`,
      model.cardSummary ? `\n${model.cardSummary}` : "",
    ]
      .filter(Boolean)
      .join("\n"),
  );
}
