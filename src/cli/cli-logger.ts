// The log of a command that does not boot the app: never on stdout, readable lines for a person at a terminal.
import type { VenomConfig } from "../config/env.js";
import { createLogger, type Logger } from "../log.js";
import type { CliIo } from "./cli-context.js";

export interface CliLoggerOptions {
  /** Default: the configured LOG_LEVEL. */
  level?: string;
  /** The command prints JSON: log lines stay pino's JSON, on stderr. */
  json?: boolean;
}

/** stdout is the command's answer (one JSON document with --json), so log lines go to stderr. */
export async function createCliLogger(config: VenomConfig, io: CliIo, options: CliLoggerOptions = {}): Promise<Logger> {
  // A person at a terminal reads sentences; a script (or LOG_FORMAT=json) gets pino's JSON.
  const forPerson = io.isTerminal === true && !options.json && io.env.LOG_FORMAT !== "json";
  const destination = forPerson ? (await import("../human-log.js")).createHumanLogStream(io.err) : process.stderr;
  return createLogger({ level: options.level ?? config.log.level, format: config.log.format, secrets: config.secrets, destination });
}
