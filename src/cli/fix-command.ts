// `venom fix`: the Architect, Coder and Guardian on a local git repository, no GitHub; the fix lands on a new branch.
import path from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { LocalFixResult } from "../pipeline/local-fix.js";
import { stripTerminalEscapes } from "../terminal-text.js";
import type { CliContext } from "./cli-context.js";
import { createCliLogger } from "./cli-logger.js";

export function addFixCommand(program: Command, context: CliContext): void {
  const { io, config, setExitCode } = context;
  program
    .command("fix")
    .description("run the Architect, Coder and Guardian on a local git repository (no GitHub): the fix lands on a new branch")
    .requiredOption("--repo <path>", "the repository (a git checkout with no uncommitted changes)")
    .requiredOption("--issue <file|text>", "a file holding the issue (first line is the title), or the text itself")
    .option("--branch <name>", "branch for the fix (default issue-local-<timestamp>)")
    .option("--json", "print JSON")
    .action(async (options: { repo: string; issue: string; branch?: string; json?: boolean }) => {
      const { readIssueArgument, runLocalFix } = await import("../pipeline/local-fix.js");
      // Before anything else: a mistyped file name must not become the issue's text and cost a run.
      const issue = readIssueArgument(options.issue, io.cwd);
      const loaded = config();
      if (!loaded.llm.apiKey && !loaded.llm.baseUrl) {
        throw new ConfigError("No LLM configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server (Ollama, vLLM, LM Studio).");
      }
      // Progress lines say what happens; the log adds only warnings unless asked for more.
      const log = await createCliLogger(loaded, io, { level: loaded.log.level === "info" ? "warn" : loaded.log.level });
      const [{ withStandaloneServices }, { createCheckRunner }] = await Promise.all([
        import("./standalone-services.js"),
        import("../pipeline/sandbox/create-check-runner.js"),
      ]);
      const showProgress = io.isTerminal === true && !options.json;
      // The model's requests go through the traffic layer, limited and counted as in the app.
      const result = await withStandaloneServices(loaded, log, async (services) =>
        runLocalFix({
          repoPath: path.resolve(io.cwd, options.repo),
          issue,
          ...(options.branch ? { branch: options.branch } : {}),
          llm: await services.llm(),
          checks: createCheckRunner(loaded),
          log,
          onProgress: (message) => {
            if (showProgress) io.err(stripTerminalEscapes(`… ${message}`));
          },
        }),
      );
      io.out(options.json ? JSON.stringify(result) : formatLocalFix(result));
      if (!result.commit) setExitCode(1);
    });
}

export function formatLocalFix(result: LocalFixResult): string {
  return stripTerminalEscapes(
    [
      result.commit ? `Fix committed on branch ${result.branch} (${result.commit.slice(0, 10)})` : "No change made; nothing was committed",
      `Plan: ${result.plan.summary}`,
      `Summary: ${result.summary}`,
      `Files: ${result.changedFiles.join(", ") || "none"}`,
      `Checks: ${result.checks} — ${result.checksSummary}`,
      ...(result.isolation ? [`Isolation: ${result.isolation}`] : []),
      `Tokens: ${result.tokens}`,
    ].join("\n"),
  );
}
