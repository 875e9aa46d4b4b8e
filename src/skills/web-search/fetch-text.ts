// One timed, size-bounded text request over an injected fetch, with errors that name the service and never throw raw.
import { TextDecoder } from "node:util";
import { classifyFailure } from "../../shared/classify-failure.js";
import { VenomError, errorMessage, permanentError, transientError } from "../../errors.js";

export interface TextRequest {
  fetch: typeof fetch;
  url: string;
  init?: RequestInit;
  /** Named in error messages, e.g. "DuckDuckGo". */
  service: string;
  timeoutMs: number;
  /** Bytes of body read at most; the rest is dropped unread. */
  maxBytes: number;
}

export interface TextResponse {
  status: number;
  ok: boolean;
  /** Final URL after redirects (the request's own when the fetch does not say). */
  url: string;
  contentType: string;
  text: string;
  /** The `Location` header, for a caller that follows redirects itself (`redirect: "manual"`). */
  location?: string;
}

export async function requestText(request: TextRequest): Promise<TextResponse> {
  const { service, timeoutMs } = request;
  try {
    const response = await request.fetch(request.url, { ...request.init, signal: AbortSignal.timeout(timeoutMs) });
    const contentType = response.headers.get("content-type") ?? "";
    const text = await readBounded(response, request.maxBytes, charsetOf(contentType));
    const location = response.headers.get("location") ?? undefined;
    return { status: response.status, ok: response.ok, url: response.url || request.url, contentType, text, ...(location ? { location } : {}) };
  } catch (error) {
    throw requestFailure(service, timeoutMs, error);
  }
}

/** A non-2xx answer as an error, transient when classifyFailure says a retry can help. */
export function httpError(service: string, status: number, detail?: string): VenomError {
  const message = `${service} answered ${status}${detail ? `: ${oneLine(detail, 200)}` : ""}`;
  return classifyFailure({ status }).kind === "transient" ? transientError(message) : permanentError(message);
}

/** A thrown fetch (network, timeout, traffic layer refusal) as one VenomError. */
export function requestFailure(service: string, timeoutMs: number, error: unknown): VenomError {
  if (error instanceof VenomError) return error;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return transientError(`${service} timed out after ${timeoutMs / 1000} s`, { cause: error });
  }
  // undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : "";
  return transientError(`${service} request failed: ${errorMessage(error)}${cause}`, { cause: error });
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

async function readBounded(response: Response, maxBytes: number, charset: string): Promise<string> {
  const decoder = decoderFor(charset);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
    size += Math.min(value.byteLength, room);
    if (size >= maxBytes) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return decoder.decode(Buffer.concat(chunks));
}

function charsetOf(contentType: string): string {
  return /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1] ?? "utf-8";
}

function decoderFor(charset: string): TextDecoder {
  try {
    return new TextDecoder(charset);
  } catch {
    // An unknown label: UTF-8 is what nearly every page really is.
    return new TextDecoder("utf-8");
  }
}
