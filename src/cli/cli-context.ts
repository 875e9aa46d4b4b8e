// What every command group is given: the terminal, the config reader, the app factory and the exit code.
import type { VenomConfig } from "../config/env.js";
import type { Venom, VenomOptions } from "../venom.js";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** `err` goes to a terminal: progress and log lines are written for a person, not as JSON. */
  isTerminal?: boolean;
}

/** Builds the whole app (Probot, queue, worker); only the commands that need it call it. */
export type VenomFactory = (config: VenomConfig, options: Omit<VenomOptions, "config">) => Promise<Venom>;

export interface CliContext {
  io: CliIo;
  /** `--json` somewhere on the command line: stdout holds exactly one JSON document. */
  json: boolean;
  /** Reads the environment on each call, so a bad variable is reported by the command that needs it. */
  config: () => VenomConfig;
  factory: VenomFactory;
  /** The process's exit code once the command's action has returned. */
  setExitCode: (code: number) => void;
}
