// What one outbound attempt came to, and what that means for retries, the breaker and the counters.

export type OutcomeKind =
  | "success" // 1xx–3xx
  | "client-error" // 4xx other than 429: the provider is healthy, the request is wrong; never retried
  | "rate-limited" // 429
  | "server-error" // 5xx
  | "timeout"
  | "network" // connection refused/reset, DNS, TLS, "fetch failed"
  | "aborted" // the caller's own signal: neither retried nor held against the provider
  | "exception"; // anything else thrown: counts against the breaker, never retried

export interface Outcome {
  kind: OutcomeKind;
  status?: number;
  /** The provider's own wait, from `retry-after-ms` or `Retry-After`. */
  retryAfterMs?: number;
}

export type HeaderSource = Headers | Record<string, unknown> | undefined;

/** Only timeouts, network errors, 429 and 5xx are worth another attempt. */
export function isRetryable(kind: OutcomeKind): boolean {
  return kind === "rate-limited" || kind === "server-error" || kind === "timeout" || kind === "network";
}

/** Failures open breakers and count towards degraded mode; 4xx (429 included) do not. */
export function isFailure(kind: OutcomeKind): boolean {
  return kind === "server-error" || kind === "timeout" || kind === "network" || kind === "exception";
}

export function statusOutcome(status: number, headers: HeaderSource, now: number): Outcome {
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers, now);
    return {
      kind: status === 429 ? "rate-limited" : "server-error",
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return { kind: status >= 400 ? "client-error" : "success", status };
}

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

/** Reads HTTP errors the way SDKs shape them (`status`, `statusCode`, `response.status`, `headers`), then error codes. */
export function errorOutcome(error: unknown, now: number): Outcome {
  const status = statusOf(error);
  if (status !== undefined) return statusOutcome(status, headersOf(error), now);
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.name === "TimeoutError") return { kind: "timeout" };
    const code = (current as NodeJS.ErrnoException).code;
    if (code && TIMEOUT_CODES.has(code)) return { kind: "timeout" };
    if (code && NETWORK_CODES.has(code)) return { kind: "network" };
    if (current.name === "AbortError") return { kind: "aborted" };
    if (current instanceof TypeError && current.message === "fetch failed") return { kind: "network" };
  }
  return { kind: "exception" };
}

/** `retry-after-ms` (milliseconds) first, then `Retry-After` (seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(headers: HeaderSource, now: number): number | undefined {
  const milliseconds = Number.parseFloat(header(headers, "retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** min(max, base·2^retry) with ±jitter; `random` returns [0, 1). */
export function backoffDelay(retryIndex: number, base: number, max: number, jitter: number, random: () => number): number {
  const plain = Math.min(max, base * 2 ** retryIndex);
  return Math.min(max, plain * (1 + (random() * 2 - 1) * jitter));
}

export function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, unknown>;
  const value = record[name] ?? record[name.toLowerCase()];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const candidate = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const value of [candidate.status, candidate.statusCode, candidate.response?.status]) {
    if (typeof value === "number" && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

function headersOf(error: unknown): HeaderSource {
  const candidate = error as { headers?: unknown; response?: { headers?: unknown } };
  const headers = candidate.headers ?? candidate.response?.headers;
  return typeof headers === "object" && headers !== null ? (headers as HeaderSource) : undefined;
}
