// The one answer to "is this worth another try?": any provider's thrown error or HTTP answer → transient, permanent or user.
import { CancelledError, ShutdownError, VenomError, type ErrorKind } from "../errors.js";

/** How a call failed, as counters and breakers need it; `kind` follows from it. */
export type FailureCause =
  | "rate-limit" // 429, or a 403 that says it is a rate limit: the provider is fine, we are too fast
  | "server" // 5xx
  | "timeout" // our timer, a socket timeout, or 408
  | "network" // connection refused/reset, DNS, TLS, undici's "fetch failed"
  | "request" // any other 4xx: the request is wrong, the same request will fail again
  | "aborted" // the caller's own signal: a cancel, a shutdown, an abort
  | "error"; // anything else thrown: a bug, a bad answer, or a VenomError that already knows its kind

export interface Failure {
  kind: ErrorKind;
  cause: FailureCause;
  status?: number;
  /** The provider's own wait: `retry-after-ms`, `Retry-After`, or the reset time of a spent quota. */
  retryAfterMs?: number;
}

export type HeaderSource = Headers | Record<string, unknown> | undefined;

const TRANSIENT_CAUSES: ReadonlySet<FailureCause> = new Set(["rate-limit", "server", "timeout", "network"]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export function isTransientCause(cause: FailureCause): boolean {
  return TRANSIENT_CAUSES.has(cause);
}

/**
 * Reads a thrown error the way SDKs shape it (`status`, `statusCode`, `response.status`, `headers`,
 * `response.headers`; Octokit, gaxios, openai, @huggingface/hub), a fetch `Response`, or `{status, headers}`;
 * then error codes along the `cause` chain. A VenomError keeps the kind it was given.
 */
export function classifyFailure(subject: unknown, now: number = Date.now()): Failure {
  if (subject instanceof CancelledError || subject instanceof ShutdownError) return { kind: subject.kind, cause: "aborted" };
  if (subject instanceof VenomError) {
    return { kind: subject.kind, cause: "error", ...(subject.retryAfterSeconds !== undefined ? { retryAfterMs: subject.retryAfterSeconds * 1000 } : {}) };
  }
  const status = statusOf(subject);
  if (status !== undefined) return statusFailure(status, headersOf(subject), messageOf(subject), now);
  return failure(causeOf(subject));
}

/** The one status rule: a timeout (408), a rate limit (429) and server errors (5xx) are transient; other answers are not. */
function statusCause(status: number, rateLimited: boolean): FailureCause {
  if (status === 429 || rateLimited) return "rate-limit";
  if (status >= 500) return "server";
  if (status === 408) return "timeout";
  return "request";
}

function statusFailure(status: number, headers: HeaderSource, message: string, now: number): Failure {
  const retryAfterMs = parseRetryAfter(headers, now);
  const spent = header(headers, "x-ratelimit-remaining") === "0";
  // GitHub answers a spent quota or a secondary limit with 403 as often as with 429.
  const rateLimited = status === 403 && (spent || retryAfterMs !== undefined || /rate limit/i.test(message));
  const cause = statusCause(status, rateLimited);
  const wait = cause === "rate-limit" && retryAfterMs === undefined && spent ? untilReset(headers, now) : retryAfterMs;
  return { ...failure(cause), status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
}

function failure(cause: FailureCause): Failure {
  return { kind: isTransientCause(cause) ? "transient" : "permanent", cause };
}

function causeOf(error: unknown): FailureCause {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.name === "TimeoutError") return "timeout";
    if (current instanceof CancelledError || current instanceof ShutdownError) return "aborted";
    const code = (current as NodeJS.ErrnoException).code;
    if (code && TIMEOUT_CODES.has(code)) return "timeout";
    if (code && NETWORK_CODES.has(code)) return "network";
    if (current.name === "AbortError") return "aborted";
    if (current instanceof TypeError && current.message === "fetch failed") return "network";
  }
  return "error";
}

/** `retry-after-ms` (milliseconds) first, then `Retry-After` (seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(header(headers, "retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** A header from a fetch `Headers` or a plain object (Octokit, gaxios); the first value of a list. */
export function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, unknown>;
  const value = record[name] ?? record[name.toLowerCase()];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/** `x-ratelimit-reset` as GitHub sends it (epoch seconds); ignored unless it lies ahead. */
function untilReset(headers: HeaderSource, now: number): number | undefined {
  const reset = Number(header(headers, "x-ratelimit-reset"));
  return Number.isFinite(reset) && reset * 1000 > now ? reset * 1000 - now : undefined;
}

function statusOf(subject: unknown): number | undefined {
  if (typeof subject !== "object" || subject === null) return undefined;
  const candidate = subject as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const value of [candidate.status, candidate.statusCode, candidate.response?.status]) {
    if (typeof value === "number" && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

function headersOf(subject: unknown): HeaderSource {
  const candidate = subject as { headers?: unknown; response?: { headers?: unknown } };
  const headers = candidate.headers ?? candidate.response?.headers;
  return typeof headers === "object" && headers !== null ? (headers as HeaderSource) : undefined;
}

function messageOf(subject: unknown): string {
  return subject instanceof Error ? subject.message : "";
}
