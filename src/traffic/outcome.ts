// What one outbound attempt came to, in the words counters and breakers need; the failure rules are classifyFailure's.
import { classifyFailure, isTransientCause, type Failure, type FailureCause, type HeaderSource } from "../shared/classify-failure.js";

export type OutcomeKind =
  | "success" // 1xx–3xx
  | "client-error" // a 4xx that is not a rate limit: the provider is healthy, the request is wrong; never retried
  | "rate-limited" // 429 (or GitHub's rate-limit 403)
  | "server-error" // 5xx
  | "timeout" // ours, the socket's, or 408
  | "network" // connection refused/reset, DNS, TLS, "fetch failed"
  | "aborted" // the caller's own signal: neither retried nor held against the provider
  | "exception"; // anything else thrown: counts against the breaker, never retried

export interface Outcome {
  kind: OutcomeKind;
  status?: number;
  /** The provider's own wait, from `retry-after-ms`, `Retry-After` or a spent quota's reset. */
  retryAfterMs?: number;
}

const OUTCOME_OF: Record<FailureCause, OutcomeKind> = {
  "rate-limit": "rate-limited",
  server: "server-error",
  timeout: "timeout",
  network: "network",
  request: "client-error",
  aborted: "aborted",
  error: "exception",
};

const CAUSE_OF = Object.fromEntries(Object.entries(OUTCOME_OF).map(([cause, kind]) => [kind, cause])) as Record<
  Exclude<OutcomeKind, "success">,
  FailureCause
>;

/** Worth another attempt exactly when classifyFailure calls the failure transient. */
export function isRetryable(kind: OutcomeKind): boolean {
  return kind !== "success" && isTransientCause(CAUSE_OF[kind]);
}

/** Failures open breakers and count towards degraded mode; 4xx (429 included) do not. */
export function isFailure(kind: OutcomeKind): boolean {
  return kind === "server-error" || kind === "timeout" || kind === "network" || kind === "exception";
}

export function statusOutcome(status: number, headers: HeaderSource, now: number): Outcome {
  if (status < 400) return { kind: "success", status };
  return outcomeOf(classifyFailure({ status, headers }, now));
}

/** A thrown error as an outcome (HTTP errors the way SDKs shape them, then error codes). */
export function errorOutcome(error: unknown, now: number): Outcome {
  return outcomeOf(classifyFailure(error, now));
}

function outcomeOf(failure: Failure): Outcome {
  return {
    kind: OUTCOME_OF[failure.cause],
    ...(failure.status !== undefined ? { status: failure.status } : {}),
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  };
}
