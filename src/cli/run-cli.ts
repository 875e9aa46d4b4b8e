// The `venom` CLI: builds the commander program from the command groups; human output by default, --json for scripts.
import { Command, CommanderError } from "commander";
import { readConfig } from "../config/env.js";
import { ConfigError, errorMessage } from "../errors.js";
import { createLogger, createMasker } from "../log.js";
import { packageInfo } from "../package-info.js";
import { addCalendarCommands } from "./calendar-commands.js";
import type { CliContext, CliIo, VenomFactory } from "./cli-context.js";
import { addDoctorCommand } from "./doctor-command.js";
import { addFixCommand } from "./fix-command.js";
import { addJobsCommand } from "./jobs-command.js";
import { addNotifyCommand } from "./notify-command.js";
import { addSearchCommands } from "./search-commands.js";
import { addServeCommands } from "./serve-commands.js";

export type { CliIo, VenomFactory } from "./cli-context.js";

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  isTerminal: process.stderr.isTTY === true,
};

/** Runs one command line; resolves to the process's exit code (2 for a configuration error). */
export async function runCli(argv: string[], io: CliIo = defaultIo, factory: VenomFactory = defaultFactory): Promise<number> {
  let exitCode = 0;
  // With --json, stdout holds exactly one JSON document whatever happens: the result, or {"error": "..."}.
  const json = argv.includes("--json");
  const context: CliContext = {
    io,
    json,
    config: () => readConfig(io.env, io.cwd),
    factory: json ? withLogsOnStderr(factory) : factory,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = new Command()
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
  for (const addCommands of [addServeCommands, addDoctorCommand, addJobsCommand, addFixCommand, addNotifyCommand, addSearchCommands, addCalendarCommands]) {
    addCommands(program, context);
  }

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

// Loaded only by the commands that boot the app: `venom search` never loads Probot or SQLite.
const defaultFactory: VenomFactory = async (config, options) => (await import("../venom.js")).createVenom({ ...options, config });

/** Log lines go to stderr, so they never mix with the one JSON document --json promises on stdout. */
function withLogsOnStderr(factory: VenomFactory): VenomFactory {
  return async (config, options) =>
    factory(config, {
      ...options,
      log: options.log ?? (await createLogger({ level: config.log.level, format: config.log.format, secrets: config.secrets, destination: process.stderr })),
    });
}

/** The secrets to mask from an error message; a config that cannot be read has none to give. */
function safeSecrets(io: CliIo): string[] {
  try {
    return readConfig(io.env, io.cwd).secrets;
  } catch {
    return [];
  }
}
