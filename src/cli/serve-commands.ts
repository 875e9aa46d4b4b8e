// `venom serve`, `venom worker` and `venom poll`: the long-running commands, the only ones that boot the whole app.
import type { Command } from "commander";
import type { VenomConfig } from "../config/env.js";
import { ConfigError } from "../errors.js";
import type { PollReport } from "../intake/poller.js";
import { createLogger } from "../log.js";
import type { Venom } from "../venom.js";
import type { CliContext, CliIo } from "./cli-context.js";

export function addServeCommands(program: Command, context: CliContext): void {
  const { io, config, factory, setExitCode } = context;

  program
    .command("serve")
    .description("run the webhook server, the worker and (when enabled) the poller")
    .action(async () => {
      const loaded = config();
      if (loaded.github.mode === "none") {
        const setup = await runSetupMode(loaded, io);
        setExitCode(await waitForSignal());
        setup.close();
        return;
      }
      const venom = await factory(loaded, {});
      const port = await venom.listen();
      // Said before the poller's first request to GitHub, which can take a while to fail.
      const { describeIsolation, describeStartup } = await import("../startup-summary.js");
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
      setExitCode(await waitForSignal());
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
      setExitCode(await waitForSignal());
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
        await venom.startBackground({ worker: false, poller: false });
        if (options.once) {
          const report = await venom.poller.pollOnce();
          io.out(options.json ? JSON.stringify(report) : formatPollReport(report));
          return;
        }
        venom.poller.start(loaded.polling.intervalMinutes * 60_000);
        setExitCode(await waitForSignal());
      } finally {
        await venom.stop();
      }
    });
}

export function formatPollReport(report: PollReport): string {
  const failed = report.failed > 0 ? ` ${report.failed} repo(s) could not be read; the next cycle tries again (details in the log).` : "";
  return `Polled ${report.repos} repo(s) with ${report.requests} request(s) (${report.notModified} unchanged, free of rate limit); ${report.issuesSeen} triggered issue(s), ${report.enqueued} new job(s).${failed}`;
}

/** Resolves with the exit code a shell expects: 130 after Ctrl-C, 0 after a polite SIGTERM. */
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
  const { startSetupServer } = await import("../setup/setup-server.js");
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
