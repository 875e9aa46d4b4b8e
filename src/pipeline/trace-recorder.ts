// Keeps a run's trace (run-trace.ts) in its job: step changes save it with the job's step, tool calls at most every
// TRACE_SAVE_INTERVAL_MS between them, and the end of the attempt saves it once more. Used by the Issue-to-PR run
// (issue-run.ts) and by follow-up rounds (follow-up/follow-up-job.ts), so both show their tool calls on the run page.
import type { JobContext } from "../queue/worker.js";
import { RUN_TRACE_KEY, RunTrace, type TracedToolCall } from "./run-trace.js";

/** Tool calls between two step changes are saved this often at most, so a long Coder loop shows on the run page. */
const TRACE_SAVE_INTERVAL_MS = 2_000;

export class TraceRecorder {
  readonly trace: RunTrace;
  readonly #context: Pick<JobContext, "checkpoint" | "log">;
  #savedAt = 0;

  /** `mask` hides the app's secrets in what the trace keeps (createMasker(config.secrets)): the dashboard shows it. */
  constructor(context: Pick<JobContext, "job" | "checkpoint" | "log">, mask?: (text: string) => string) {
    this.#context = context;
    this.trace = new RunTrace(context.job.data[RUN_TRACE_KEY], context.job.attempts, mask ? { mask } : {});
  }

  /** A step starts: the job's `step` names it, saved with the trace (one write). */
  async enterStep(name: string): Promise<void> {
    this.trace.enterStep(name);
    await this.#saveWithStep(name);
  }

  /** A phase starts within the step (the agents' planning, coding, validating): the job's `step` names it. */
  async enterPhase(name: string): Promise<void> {
    this.trace.enterPhase(name);
    await this.#saveWithStep(name);
  }

  /** A tool call of the agents: traced, and saved at most every TRACE_SAVE_INTERVAL_MS between step changes. */
  toolCall(agent: TracedToolCall["agent"], name: string, args: string, result: string): void {
    this.trace.toolCall(agent, name, args, result);
    if (Date.now() - this.#savedAt < TRACE_SAVE_INTERVAL_MS) return;
    this.#savedAt = Date.now();
    this.#context.checkpoint({ data: { [RUN_TRACE_KEY]: this.trace.data } }).catch((error: unknown) => {
      this.#context.log.warn({ err: error }, "Could not save the run trace; the next step change saves it");
    });
  }

  /** The attempt is over: the open step ends and the trace is saved (a lost lease makes this a no-op). */
  async finish(): Promise<void> {
    this.trace.finish();
    await this.#context.checkpoint({ data: { [RUN_TRACE_KEY]: this.trace.data } }).catch((error: unknown) => {
      this.#context.log.warn({ err: error }, "Could not save the run trace");
    });
  }

  async #saveWithStep(name: string): Promise<void> {
    this.#savedAt = Date.now();
    await this.#context.checkpoint({ step: name, data: { [RUN_TRACE_KEY]: this.trace.data } });
  }
}
