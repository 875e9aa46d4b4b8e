// What a run did, for the dashboard's run page: step times, the agents' tool calls in order, the checks' output.
//
// Kept in the job's data under `trace` (RUN_TRACE_KEY) with hard caps, so a job record stays small: the newest
// MAX_TOOL_CALLS calls (older ones only counted), each argument and result cut to a few KB, the checks' output too.
// A retried job continues the trace of its earlier attempts (each entry names its attempt).
// Tool-call arguments and results and the checks' output pass through the run's secret mask (log.ts createMasker
// with the app's secrets) before they are kept: the dashboard shows them, so they must never hold a secret.

export const RUN_TRACE_KEY = "trace";
export const MAX_TOOL_CALLS = 200;
export const MAX_ARGUMENT_CHARS = 1_000;
export const MAX_RESULT_CHARS = 2_000;
export const MAX_CHECKS_OUTPUT_CHARS = 8_000;
const MAX_STEPS = 100;

export interface TracedStep {
  /** A pipeline step (intake, workspace, plan, code, commit, pull_request, notify) or an agents' phase (planning…). */
  name: string;
  kind: "step" | "phase";
  attempt: number;
  startedAt: string;
  /** Absent while it runs (or when the attempt died in it). */
  endedAt?: string;
}

export interface TracedToolCall {
  at: string;
  attempt: number;
  agent: "architect" | "coder";
  name: string;
  /** The JSON arguments as the model sent them, cut to MAX_ARGUMENT_CHARS. */
  arguments: string;
  /** The tool's answer, cut to MAX_RESULT_CHARS. */
  result: string;
  /** False when the result started with `Error:`. */
  ok: boolean;
  /** Characters of the whole result. */
  resultChars: number;
}

export interface TracedChecks {
  at: string;
  attempt: number;
  result: string;
  summary: string;
  /** Cut to MAX_CHECKS_OUTPUT_CHARS (the head and the tail: failures are often at the end). */
  output: string;
}

export interface RunTraceData {
  steps: TracedStep[];
  toolCalls: TracedToolCall[];
  /** Older calls dropped to keep the newest MAX_TOOL_CALLS. */
  toolCallsDropped: number;
  checks?: TracedChecks;
}

export interface RunTraceOptions {
  now?: () => Date;
  /** Applied to every text the trace keeps (tool-call arguments and results, checks), before it is cut. */
  mask?: (text: string) => string;
}

export class RunTrace {
  readonly data: RunTraceData;
  readonly #attempt: number;
  readonly #now: () => Date;
  readonly #mask: (text: string) => string;

  constructor(saved: unknown, attempt: number, options: RunTraceOptions | (() => Date) = {}) {
    const { now = () => new Date(), mask = (text: string) => text } = typeof options === "function" ? { now: options } : options;
    this.data = readTrace(saved);
    this.#attempt = attempt;
    this.#now = now;
    this.#mask = mask;
  }

  /** A pipeline step starts: the previous one (and its phases) ends. */
  enterStep(name: string): void {
    const now = this.#time();
    this.#endOpen(now);
    this.#push({ name, kind: "step", attempt: this.#attempt, startedAt: now });
  }

  /** An agents' phase starts within the current step: the previous phase ends. */
  enterPhase(name: string): void {
    const now = this.#time();
    this.#endOpen(now, "phase");
    this.#push({ name, kind: "phase", attempt: this.#attempt, startedAt: now });
  }

  /** The attempt is over: whatever runs ends now. */
  finish(): void {
    this.#endOpen(this.#time());
  }

  toolCall(agent: TracedToolCall["agent"], name: string, args: string, result: string): void {
    this.data.toolCalls.push({
      at: this.#time(),
      attempt: this.#attempt,
      agent,
      name,
      arguments: cut(this.#mask(args), MAX_ARGUMENT_CHARS),
      result: cut(this.#mask(result), MAX_RESULT_CHARS),
      ok: !result.startsWith("Error:"),
      resultChars: result.length,
    });
    const excess = this.data.toolCalls.length - MAX_TOOL_CALLS;
    if (excess > 0) {
      this.data.toolCalls.splice(0, excess);
      this.data.toolCallsDropped += excess;
    }
  }

  checks(result: string, summary: string, output: string): void {
    const mask = this.#mask;
    this.data.checks = { at: this.#time(), attempt: this.#attempt, result, summary: mask(summary), output: headAndTail(mask(output), MAX_CHECKS_OUTPUT_CHARS) };
  }

  #push(step: TracedStep): void {
    this.data.steps.push(step);
    if (this.data.steps.length > MAX_STEPS) this.data.steps.splice(0, this.data.steps.length - MAX_STEPS);
  }

  #endOpen(now: string, kind?: TracedStep["kind"]): void {
    for (const step of this.data.steps) {
      if (step.endedAt === undefined && step.attempt === this.#attempt && (!kind || step.kind === kind)) step.endedAt = now;
    }
  }

  #time(): string {
    return this.#now().toISOString();
  }
}

/** A saved trace, or an empty one when there is none or it has another shape (an older release). */
export function readTrace(saved: unknown): RunTraceData {
  const trace = saved as Partial<RunTraceData> | null | undefined;
  if (!trace || typeof trace !== "object" || !Array.isArray(trace.steps) || !Array.isArray(trace.toolCalls)) {
    return { steps: [], toolCalls: [], toolCallsDropped: 0 };
  }
  return {
    steps: [...trace.steps],
    toolCalls: [...trace.toolCalls],
    toolCallsDropped: typeof trace.toolCallsDropped === "number" ? trace.toolCallsDropped : 0,
    ...(trace.checks ? { checks: trace.checks } : {}),
  };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function headAndTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n… [${text.length - 2 * half} characters cut] …\n${text.slice(-half)}`;
}
