// The `venom` CLI: a thin layer over createVenom(); human output by default, --json for scripts.
import path from "node:path";
import { Command, CommanderError } from "commander";
import { readConfig, type VenomConfig } from "./config/env.js";
import type { IntegrationStatus } from "./dashboard/integrations.js";
import { ConfigError, errorMessage } from "./errors.js";
import type { PollReport } from "./intake/poller.js";
import { createLogger, createMasker } from "./log.js";
import { packageInfo } from "./package-info.js";
import { toRecord, type JobRecord } from "./queue/types.js";
import { stripTerminalEscapes } from "./terminal-text.js";
import { createVenom, type Venom, type VenomOptions } from "./venom.js";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** `err` goes to a terminal: progress and log lines are written for a person, not as JSON. */
  isTerminal?: boolean;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  isTerminal: process.stderr.isTTY === true,
};

/** Extra wiring for the commands (the pipeline handler, set by later layers and tests). */
export type VenomFactory = (config: VenomConfig, options: Omit<VenomOptions, "config">) => Promise<Venom>;

export async function runCli(argv: string[], io: CliIo = defaultIo, factory: VenomFactory = defaultFactory): Promise<number> {
  const program = new Command();
  let exitCode = 0;
  // With --json, stdout holds exactly one JSON document whatever happens: the result, or {"error": "..."}.
  const json = argv.includes("--json");
  if (json) factory = withLogsOnStderr(factory);
  program
    .name("venom")
    .description("Venom Integrator: turns GitHub issues into pull requests")
    .version(packageInfo().version, "-v, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
      // Usage errors are reported once, below: as JSON with --json.
      outputError: (text, write) => {
        if (!json) write(text);
      },
    });

  const config = () => readConfig(io.env, io.cwd);

  program
    .command("serve")
    .description("run the webhook server, the worker and (when enabled) the poller")
    .action(async () => {
      const loaded = config();
      if (loaded.github.mode === "none") {
        const setup = await runSetupMode(loaded, io);
        exitCode = await waitForSignal();
        setup.close();
        return;
      }
      const venom = await factory(loaded, {});
      const port = await venom.listen();
      // Said before the poller's first request to GitHub, which can take a while to fail.
      const { describeIsolation, describeStartup } = await import("./startup-summary.js");
      for (const line of describeStartup(loaded, port)) venom.log[line.level](line.message);
      // Probing the sandbox starts a process or two: said when known, never holding start-up.
      void venom.isolationReport().then(
        (report) => {
          const line = describeIsolation(report);
          venom.log[line.level](line.message);
        },
        (error: unknown) => venom.log.warn({ err: error }, "Isolation: could not be determined; run venom doctor"),
      );
      await venom.startBackground();
      const proxy = await startWebhookProxy(loaded, port, venom);
      exitCode = await waitForSignal();
      await proxy?.stop();
      await venom.stop();
    });

  program
    .command("worker")
    .description("run only the job worker (scale-out: several workers share one queue)")
    .action(async () => {
      const venom = await factory(config(), {});
      await venom.startBackground({ worker: true, poller: false });
      venom.log.info("Worker started; waiting for jobs");
      exitCode = await waitForSignal();
      await venom.stop();
    });

  program
    .command("poll")
    .description("poll GitHub for triggered issues (the fallback when webhooks cannot reach this machine)")
    .option("--once", "run one poll cycle and exit")
    .option("--json", "print JSON")
    .action(async (options: { once?: boolean; json?: boolean }) => {
      const loaded = config();
      if (loaded.github.mode === "none") throw new ConfigError("GitHub not configured: set GITHUB_TOKEN and GITHUB_REPO_NAME, or APP_ID and PRIVATE_KEY.");
      const venom = await factory(loaded, {});
      try {
        if (options.once) {
          await venom.startBackground({ worker: false, poller: false });
          const report = await venom.poller.pollOnce();
          io.out(options.json ? JSON.stringify(report) : formatPollReport(report));
          return;
        }
        await venom.startBackground({ worker: false, poller: false });
        venom.poller.start(loaded.polling.intervalMinutes * 60_000);
        exitCode = await waitForSignal();
      } finally {
        await venom.stop();
      }
    });

  program
    .command("doctor")
    .description("check every integration: configured, connected, detail (secrets masked)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const loaded = config();
      const venom = await factory(loaded, {});
      try {
        // Details come masked; a probe that never answers is reported after 30 s, not waited on for minutes.
        const statuses = await venom.checkConnections({ timeoutMs: 30_000 });
        io.out(options.json ? JSON.stringify({ integrations: statuses }) : formatStatuses(statuses));
        if (statuses.some((status) => status.configured && status.connected === false)) exitCode = 1;
      } finally {
        await venom.stop();
      }
    });

  program
    .command("jobs")
    .description("list jobs, newest first")
    .option("--json", "print JSON (the job record of DESIGN.md)")
    .option("--state <state>", "only jobs in this state")
    .option("--limit <n>", "how many", "50")
    .action(async (options: { json?: boolean; state?: string; limit: string }) => {
      const venom = await factory(config(), {});
      try {
        const states = ["queued", "running", "succeeded", "failed", "cancelled"];
        if (options.state && !states.includes(options.state)) {
          throw new ConfigError(`--state must be one of ${states.join(", ")}.`);
        }
        const jobs = await venom.queue.list({
          limit: Number(options.limit) || 50,
          ...(options.state ? { state: options.state as JobRecord["state"] } : {}),
        });
        const records = jobs.map(toRecord);
        io.out(options.json ? JSON.stringify(records) : formatJobs(records));
      } finally {
        await venom.stop();
      }
    });

  program
    .command("fix")
    .description("run the Architect, Coder and Guardian on a local git repository (no GitHub): the fix lands on a new branch")
    .requiredOption("--repo <path>", "the repository (a git checkout with no uncommitted changes)")
    .requiredOption("--issue <file|text>", "a file holding the issue (first line is the title), or the text itself")
    .option("--branch <name>", "branch for the fix (default issue-local-<timestamp>)")
    .option("--json", "print JSON")
    .action(async (options: { repo: string; issue: string; branch?: string; json?: boolean }) => {
      const { readIssueArgument, runLocalFix } = await import("./pipeline/local-fix.js");
      // Before anything else: a mistyped file name must not become the issue's text and cost a run.
      const issue = readIssueArgument(options.issue, io.cwd);
      const loaded = config();
      if (!loaded.llm.apiKey && !loaded.llm.baseUrl) {
        throw new ConfigError("No LLM configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server (Ollama, vLLM, LM Studio).");
      }
      // A person at a terminal reads sentences; a script (or LOG_FORMAT=json) gets pino's JSON on stderr.
      const forPerson = io.isTerminal === true && io.env.LOG_FORMAT !== "json";
      const { createHumanLogStream } = await import("./human-log.js");
      const log = await createLogger({
        level: loaded.log.level === "info" ? "warn" : loaded.log.level,
        format: loaded.log.format,
        secrets: loaded.secrets,
        destination: forPerson ? createHumanLogStream(io.err) : process.stderr,
      });
      const { createLlmClient } = await import("./llm/client.js");
      const { createCheckRunner } = await import("./pipeline/sandbox/create-check-runner.js");
      const llm = createLlmClient({
        ...(loaded.llm.apiKey ? { apiKey: loaded.llm.apiKey } : {}),
        ...(loaded.llm.baseUrl ? { baseUrl: loaded.llm.baseUrl } : {}),
        model: loaded.llm.model,
        log,
      });
      const showProgress = io.isTerminal === true && !options.json;
      const result = await runLocalFix({
        repoPath: path.resolve(io.cwd, options.repo),
        issue,
        ...(options.branch ? { branch: options.branch } : {}),
        llm,
        checks: createCheckRunner(loaded),
        log,
        onProgress: (message) => {
          if (showProgress) io.err(stripTerminalEscapes(`… ${message}`));
        },
      });
      if (options.json) {
        io.out(JSON.stringify(result));
      } else {
        io.out(
          stripTerminalEscapes([
            result.commit ? `Fix committed on branch ${result.branch} (${result.commit.slice(0, 10)})` : "No change made; nothing was committed",
            `Plan: ${result.plan.summary}`,
            `Summary: ${result.summary}`,
            `Files: ${result.changedFiles.join(", ") || "none"}`,
            `Checks: ${result.checks} — ${result.checksSummary}`,
            ...(result.isolation ? [`Isolation: ${result.isolation}`] : []),
            `Tokens: ${result.tokens}`,
          ].join("\n")),
        );
      }
      if (!result.commit) exitCode = 1;
    });

  program
    .command("notify")
    .description("send a notification to Discord, Slack and/or Teams")
    .argument("<message>", "the text to send")
    .option("--channel <channel>", "discord, slack, teams or all", "all")
    .option("--json", "print JSON")
    .action(async (message: string, options: { channel: string; json?: boolean }) => {
      const channels = ["discord", "slack", "teams", "all"];
      if (!channels.includes(options.channel)) throw new ConfigError(`--channel must be one of ${channels.join(", ")}.`);
      const loaded = config();
      const { Notifier } = await import("./skills/notify/notifier.js");
      const { createChannelSenders } = await import("./skills/notify/senders.js");
      const log = await createLogger({ level: "error", secrets: loaded.secrets, destination: process.stderr });
      const notifier = new Notifier(createChannelSenders(loaded.integrations), log, createMasker(loaded.secrets));
      if (options.channel === "all" && notifier.configured().length === 0) {
        throw new ConfigError("Webhook URL not configured: set DISCORD_WEBHOOK_URL, SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL.");
      }
      const results = await notifier.send({ title: "Venom Integrator", message, status: "info" }, options.channel as "all");
      io.out(
        options.json
          ? JSON.stringify(results)
          : results.map((result) => `${result.ok ? "✓" : "✗"} ${result.channel}${result.error ? `  ${result.error}` : "  sent"}`).join("\n"),
      );
      if (results.some((result) => !result.ok)) exitCode = 1;
    });

  /** Runs `work` with the service graph, then stops it (skills go through the traffic layer). */
  const withVenom = async <T>(work: (venom: Venom) => Promise<T>): Promise<T> => {
    const venom = await factory(config(), {});
    try {
      return await work(venom);
    } finally {
      await venom.stop();
    }
  };

  program
    .command("search")
    .description("search the web (Tavily when TAVILY_API_KEY is set, DuckDuckGo otherwise)")
    .argument("<query...>", "what to search for")
    .option("--json", "print JSON")
    .action(async (words: string[], options: { json?: boolean }) => {
      const query = words.join(" ");
      const response = await withVenom((venom) => venom.skills.webSearch.search(query));
      const { formatSearchResponse } = await import("./skills/web-search/web-search-tool.js");
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
      const models = await withVenom((venom) =>
        venom.skills.huggingFace.searchModels(query, { limit: Number(options.limit) || 5, ...(options.task ? { task: options.task } : {}) }),
      );
      const { formatModels } = await import("./skills/huggingface/hf-search-tool.js");
      io.out(options.json ? JSON.stringify(models) : stripTerminalEscapes(formatModels(query, models)));
    });
  hf.command("datasets")
    .description("search datasets, most downloaded first")
    .argument("<query...>")
    .option("--limit <n>", "how many", "5")
    .option("--json", "print JSON")
    .action(async (words: string[], options: { limit: string; json?: boolean }) => {
      const query = words.join(" ");
      const datasets = await withVenom((venom) => venom.skills.huggingFace.searchDatasets(query, { limit: Number(options.limit) || 5 }));
      const { formatDatasets } = await import("./skills/huggingface/hf-search-tool.js");
      io.out(options.json ? JSON.stringify(datasets) : stripTerminalEscapes(formatDatasets(query, datasets)));
    });
  hf.command("model")
    .description("one model's details: card summary, licence, tags, downloads, likes")
    .argument("<id>", "e.g. distilbert/distilbert-base-uncased")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const model = await withVenom((venom) => venom.skills.huggingFace.modelDetails(id));
      io.out(
        options.json
          ? JSON.stringify(model)
          : stripTerminalEscapes([
              `${model.id}  ${model.url}`,
              `task: ${model.task ?? "—"} · library: ${model.library ?? "—"} · licence: ${model.license ?? "—"}`,
              `downloads: ${model.downloads} · likes: ${model.likes}`,
              `tags: ${model.tags.join(", ") || "—"}`,
              model.cardSummary ? `\n${model.cardSummary}` : "",
            ]
              .filter(Boolean)
              .join("\n")),
      );
    });

  const calendar = program.command("calendar").description("Google Calendar: read your agenda, write only to the Venom calendar");
  calendar
    .command("login")
    .description("authorise once in the browser (local loopback); the token is stored with mode 0600")
    .option("--port <port>", "loopback port (default: a free one)")
    .action(async (options: { port?: string }) => {
      const result = await withVenom((venom) =>
        venom.skills.calendar.login({
          onUrl: (url) => io.out(`Open this URL in a browser on this machine to allow access:\n${url}`),
          ...(options.port ? { port: Number(options.port) } : {}),
        }),
      );
      io.out(`Logged in; token stored at ${result.tokenPath}${result.refreshable ? "" : " (no refresh token: log in again when it expires)"}.`);
    });
  calendar
    .command("agenda")
    .description("events from your calendars")
    .option("--hours <n>", "how far ahead", "24")
    .option("--json", "print JSON")
    .action(async (options: { hours: string; json?: boolean }) => {
      const events = await withVenom((venom) => venom.skills.calendar.readAgenda({ hours: Number(options.hours) || 24 }));
      io.out(
        options.json
          ? JSON.stringify(events)
          : events.length === 0
            ? `No events in the next ${options.hours} hours.`
            : events.map((event) => `${event.start.toISOString()}  ${event.title}  (${event.calendar})`).join("\n"),
      );
    });
  calendar
    .command("schedule")
    .description("put a task on the Venom calendar (never on any other calendar)")
    .argument("<title>")
    .requiredOption("--start <time>", "ISO date-time, e.g. 2026-12-01T10:00")
    .option("--minutes <n>", "duration", "30")
    .option("--description <text>")
    .option("--json", "print JSON")
    .action(async (title: string, options: { start: string; minutes: string; description?: string; json?: boolean }) => {
      const start = new Date(options.start);
      if (Number.isNaN(start.getTime())) throw new ConfigError(`--start "${options.start}" is not a date-time; use e.g. 2026-12-01T10:00.`);
      const event = await withVenom((venom) =>
        venom.skills.calendar.scheduleTask({
          title,
          start,
          durationMinutes: Number(options.minutes) || 30,
          ...(options.description ? { description: options.description } : {}),
        }),
      );
      io.out(options.json ? JSON.stringify(event) : `Scheduled "${event.title}" on ${event.calendar} at ${event.start.toISOString()}${event.url ? ` — ${event.url}` : ""}`);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (json && error.exitCode !== 0) io.out(JSON.stringify({ error: error.message.replace(/^error: /, "") }));
      return error.exitCode;
    }
    const message = createMasker(safeSecrets(io))(errorMessage(error));
    if (json) io.out(JSON.stringify({ error: message }));
    else io.err(`venom: ${message}`);
    return error instanceof ConfigError ? 2 : 1;
  }
}

async function defaultFactory(config: VenomConfig, options: Omit<VenomOptions, "config">): Promise<Venom> {
  return createVenom({ ...options, config });
}

/** Log lines go to stderr, so they never mix with the one JSON document --json promises on stdout. */
function withLogsOnStderr(factory: VenomFactory): VenomFactory {
  return async (config, options) =>
    factory(config, {
      ...options,
      log: options.log ?? (await createLogger({ level: config.log.level, format: config.log.format, secrets: config.secrets, destination: process.stderr })),
    });
}

function safeSecrets(io: CliIo): string[] {
  try {
    return readConfig(io.env, io.cwd).secrets;
  } catch {
    return [];
  }
}

function waitForSignal(): Promise<number> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve(signal === "SIGINT" ? 130 : 0);
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/** No App and no token: serve the setup pages, which register the App from app.yml and write .env (mode 0600). */
async function runSetupMode(config: VenomConfig, io: CliIo): Promise<{ close(): void }> {
  const { startSetupServer } = await import("./setup/setup-server.js");
  const log = await createLogger({ level: config.log.level, format: config.log.format, secrets: config.secrets });
  const { server } = await startSetupServer({ config, env: io.env, cwd: io.cwd, log });
  return { close: () => server.close() };
}

async function startWebhookProxy(config: VenomConfig, port: number, venom: Venom): Promise<{ stop(): Promise<void> } | undefined> {
  const source = config.server.webhookProxyUrl;
  if (!source) return undefined;
  const { SmeeClient } = await import("smee-client");
  const target = `http://127.0.0.1:${port}${config.server.webhookPath}`;
  const log = venom.log.child({ name: "smee" });
  const client = new SmeeClient({
    source,
    target,
    logger: { info: (...args: unknown[]) => log.info(args.map(String).join(" ")), error: (...args: unknown[]) => log.error(args.map(String).join(" ")) },
  });
  await client.start();
  log.info(`Forwarding webhooks from the smee channel to ${target}`);
  return client;
}

export function formatStatuses(statuses: IntegrationStatus[]): string {
  const width = Math.max(...statuses.map((status) => status.name.length));
  return statuses
    .map((status) => {
      const mark = !status.configured ? "-" : status.connected === false ? "✗" : "✓";
      const state = !status.configured ? "not configured" : status.connected === undefined ? "configured" : status.connected ? "connected" : "not connected";
      return `${mark} ${status.name.padEnd(width)}  ${state.padEnd(14)}  ${status.detail}`;
    })
    .join("\n");
}

export function formatJobs(jobs: JobRecord[]): string {
  if (jobs.length === 0) return "No jobs yet. Label an issue with the trigger label to start one.";
  return jobs
    .map((job) => {
      const tail = job.prUrl ?? job.error ?? job.step;
      return `${job.id}  ${job.repo}#${job.issue}  ${job.state.padEnd(9)}  ${job.trigger.padEnd(7)}  attempts ${job.attempts}  ${tail}`;
    })
    .join("\n");
}

export function formatPollReport(report: PollReport): string {
  const failed = report.failed > 0 ? ` ${report.failed} repo(s) could not be read; the next cycle tries again (details in the log).` : "";
  return `Polled ${report.repos} repo(s) with ${report.requests} request(s) (${report.notModified} unchanged, free of rate limit); ${report.issuesSeen} triggered issue(s), ${report.enqueued} new job(s).${failed}`;
}
