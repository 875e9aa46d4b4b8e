// The transient error the traffic layer throws instead of holding a worker through a long wait.
import { VenomError } from "../errors.js";

export type RefusalReason =
  | "degraded" // degraded mode: only exempt providers are served
  | "global-cap" // the global outbound cap per minute was crossed (this enters degraded mode)
  | "circuit-open" // the provider's breaker is open
  | "rate-limited" // our own bucket for the scope would make the call wait too long
  | "retry-after" // the provider asked for a wait longer than the threshold
  | "retries-exhausted"; // every attempt failed transiently; the job queue tries again after the next backoff

export class TrafficRefusedError extends VenomError {
  readonly reason: RefusalReason;
  readonly provider: string;
  readonly scope: string;
  /** Whole seconds, at least 1: when the job queue should try again. */
  declare readonly retryAfterSeconds: number;

  constructor(reason: RefusalReason, scope: string, retryAfterMs: number, message: string, cause?: unknown) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super("transient", `${message}; retrying in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
      ...(cause !== undefined ? { cause } : {}),
    });
    this.name = "TrafficRefusedError";
    this.reason = reason;
    this.scope = scope;
    this.provider = scope.split(":", 1)[0] ?? scope;
  }
}

/** Finds our refusal inside an SDK's wrapper (e.g. openai's APIConnectionError keeps it as `cause`). */
export function trafficRefusalOf(error: unknown): TrafficRefusedError | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    if (current instanceof TrafficRefusedError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
