// What every channel sender shares: the send deadline, webhook URL checks and one-line, secret-free errors.
import { ConfigError } from "../../errors.js";
import { createMasker } from "../../log.js";

/** A notification that has not been delivered after this long is reported as failed. */
export const SEND_TIMEOUT_MS = 10_000;

export interface SenderOptions {
  /** Milliseconds before a send gives up (default {@link SEND_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** Checks an incoming-webhook URL once, at start-up; the message names the variable, never its (secret) value. */
export function checkWebhookUrl(raw: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${variable} is not a URL: expected an absolute http(s) webhook URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`${variable} must be an http(s) URL, got a ${url.protocol} URL.`);
  }
  return url;
}

/** A masker for one webhook: its own URL and token, plus every known token shape. */
export function webhookMasker(...secrets: string[]): (text: string) => string {
  return createMasker(secrets);
}

/** Rejects with a `TimeoutError` when `work` has not settled in time; a backstop for clients whose own timeout is per attempt. */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`timed out after ${seconds(timeoutMs)}`);
      error.name = "TimeoutError";
      reject(error);
    }, timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The detail of a transport failure, for errors every HTTP client raises alike: a timeout or abort,
 * undici's `fetch failed` (the reason is in `cause`), a socket error (`ECONNREFUSED`, with `code`).
 */
export function transportFailure(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return `failed: ${String(error)}`;
  if (error.name === "TimeoutError" || error.name === "AbortError") return `timed out after ${seconds(timeoutMs)}`;
  if (error.message === "fetch failed" && error.cause !== undefined) return transportFailure(error.cause, timeoutMs);
  const code = (error as { code?: unknown }).code;
  const message = error.message || (typeof code === "string" ? code : error.name);
  return `request failed: ${message}`;
}

/** The one-line error a sender throws: `Discord webhook answered 404: Unknown Webhook`. */
export function deliveryError(service: string, detail: string, mask: (text: string) => string): Error {
  const line = `${service} webhook ${detail}`.replace(/\s+/g, " ").trim();
  return new Error(mask(line.length > 300 ? `${line.slice(0, 299)}…` : line));
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
