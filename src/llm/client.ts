// The OpenAI-compatible chat client: one call, our own observable retries (Retry-After honoured), errors for people.
import type OpenAI from "openai";
import type { APIConnectionError, APIError } from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { Logger } from "pino";
import { realSleep as sleep, type Sleep } from "../traffic/sleep.js";
import { trafficRefusalOf } from "../traffic/traffic-refused-error.js";

export { sleep, type Sleep };
import { permanentError, transientError } from "../errors.js";

export type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";

export const DEFAULT_LLM_BASE_URL = "https://api.openai.com/v1";

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
const JITTER = 0.1;
const MAX_MESSAGE_CHARS = 300;
/** When the job queue tries again after a local model server refused the connection. */
const LOCAL_REFUSED_RETRY_SECONDS = 30;

export interface ChatRequest {
  messages: ChatCompletionMessageParam[];
  tools?: ChatCompletionTool[];
  tool_choice?: ChatCompletionToolChoiceOption;
  /** Overrides the client's model for this call (a repo's `model` setting). */
  model?: string;
  signal?: AbortSignal;
}

export interface LlmClient {
  /** The default model, used when a request names none. */
  readonly model: string;
  /** The server's base URL as shown to people (credentials and query removed). */
  readonly baseUrl: string;
  chat(request: ChatRequest): Promise<ChatCompletion>;
}

/** Waits `ms`; rejects with the signal's reason when it aborts first. */

export interface LlmClientOptions {
  apiKey?: string;
  /** Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio); default OpenAI's. */
  baseUrl?: string;
  model: string;
  log: Logger;
  /** Retries after the first attempt, for 429, 408, 5xx, timeouts and network errors. */
  maxRetries?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Injected by tests to observe and skip the waits. */
  sleep?: Sleep;
  /** Source of the ±10 % jitter, in [0, 1); injected by tests for exact delays. */
  random?: () => number;
  /** The HTTP client: the traffic layer's rate-limited fetch in the app. */
  fetch?: typeof fetch;
}

export function createLlmClient(options: LlmClientOptions): LlmClient {
  const { log, model, maxRetries = 4, timeoutMs = 120_000, random = Math.random } = options;
  const wait = options.sleep ?? sleep;
  const baseUrl = displayUrl(options.baseUrl ?? DEFAULT_LLM_BASE_URL);
  // The SDK loads on the first call, so an idle app never holds it in memory.
  let sdk: Promise<{ module: OpenAiModule; client: OpenAI }> | undefined;
  const load = () =>
    (sdk ??= import("openai").then((module) => ({
      module,
      // The SDK's own retries stay off: ours log each wait and surface Retry-After to the job queue.
      client: new module.default({
        apiKey: options.apiKey ?? "not-needed",
        ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
        maxRetries: 0,
        timeout: timeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    })));

  async function chat(request: ChatRequest): Promise<ChatCompletion> {
    const { signal } = request;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: request.model ?? model,
      messages: request.messages,
      ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
      ...(request.tool_choice ? { tool_choice: request.tool_choice } : {}),
    };
    const { module, client } = await load();
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const started = Date.now();
      let completion: ChatCompletion;
      try {
        completion = await client.chat.completions.create(body, signal ? { signal } : {});
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // The traffic layer refused (degraded, breaker open, long wait): the job re-queues instead of waiting here.
        const refusal = trafficRefusalOf(error);
        if (refusal) throw refusal;
        const failure = describeFailure(error, baseUrl, body.model, module);
        if (failure.permanent) throw failure.permanent;
        if (failure.giveUp) throw failure.giveUp;
        const backoff = Math.min(MAX_DELAY_MS, jittered(Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt), random));
        const delayMs = failure.retryAfterMs ?? backoff;
        const retryAfterSeconds = Math.max(1, Math.ceil(delayMs / 1000));
        // A server asking for more than our longest wait is better served by the job queue than by a blocked worker.
        if (attempt >= maxRetries || delayMs > MAX_DELAY_MS) {
          log.warn({ status: failure.label, attempts: attempt + 1, retryAfterSeconds }, "LLM request failed, giving up");
          throw transientError(
            `The LLM at ${baseUrl} kept failing (${failure.label}): ${failure.message}; check OPENAI_BASE_URL / try again later`,
            { cause: error, retryAfterSeconds },
          );
        }
        log.warn(
          { status: failure.label, attempt: attempt + 1, delayMs: Math.round(delayMs), honouredRetryAfter: failure.retryAfterMs !== undefined },
          `LLM request failed (${failure.label}): ${failure.message}; retrying`,
        );
        await wait(delayMs, signal);
        continue;
      }
      if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices) || completion.choices.length === 0) {
        throw permanentError(
          `The LLM at ${baseUrl} answered without a chat completion; check OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint`,
        );
      }
      log.debug(
        { model: completion.model, ms: Date.now() - started, usage: completion.usage, finishReason: completion.choices[0]?.finish_reason },
        "LLM call done",
      );
      return completion;
    }
  }

  return { model, baseUrl, chat };
}

interface Failure {
  /** Set when retrying cannot help. */
  permanent?: Error;
  /** Set when waiting here cannot help soon: thrown at once, still transient for the job queue. */
  giveUp?: Error;
  /** Status code, "timeout" or "network error". */
  label: string;
  message: string;
  retryAfterMs?: number;
}

type OpenAiModule = typeof import("openai");

function describeFailure(error: unknown, baseUrl: string, model: string, sdk: OpenAiModule): Failure {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  if (error instanceof APIUserAbortError) {
    // Aborted without our signal (should not happen); not worth retrying.
    return { permanent: error, label: "aborted", message: error.message };
  }
  if (error instanceof APIConnectionTimeoutError) return { label: "timeout", message: "the request timed out" };
  if (error instanceof APIConnectionError) {
    const failure: Failure = { label: "network error", message: shorten(errorCauseMessage(error)) };
    // A local server that refuses the connection is not running: retrying for seconds only delays saying so.
    if (errorCode(error) === "ECONNREFUSED" && isLocalUrl(baseUrl)) {
      failure.giveUp = transientError(`Could not reach the model at ${baseUrl}: connection refused; start the server or fix OPENAI_BASE_URL`, {
        cause: error,
        retryAfterSeconds: LOCAL_REFUSED_RETRY_SECONDS,
      });
    }
    return failure;
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const message = apiMessage(error);
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = retryAfter(error.headers);
      return { label: String(status), message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { label: String(status), message, permanent: refusal(status, message, baseUrl, model, error) };
  }
  if (error instanceof SyntaxError) {
    return {
      label: "bad response",
      message: error.message,
      permanent: permanentError(`The LLM at ${baseUrl} answered with invalid JSON; check OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint`, {
        cause: error,
      }),
    };
  }
  return { label: "error", message: String(error), permanent: error instanceof Error ? error : new Error(String(error)) };
}

function refusal(status: number, message: string, baseUrl: string, model: string, cause: unknown): Error {
  if (status === 401) return permanentError("The LLM rejected the API key (401); check OPENAI_API_KEY", { cause });
  if (status === 403) {
    return permanentError(`The LLM at ${baseUrl} refused access (403): ${message}; check OPENAI_API_KEY may use model ${model}`, { cause });
  }
  if (status === 404) {
    return permanentError(`The LLM at ${baseUrl} has no model ${model} or no chat endpoint (404): ${message}; check VENOM_MODEL and OPENAI_BASE_URL`, {
      cause,
    });
  }
  return permanentError(`The LLM at ${baseUrl} refused the request (${status}): ${message}`, { cause });
}

/** The server's own words when it sent an OpenAI error body, else the SDK's message without its status prefix. */
function apiMessage(error: APIError): string {
  const body: unknown = error.error;
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string" && body.message) {
    return shorten(body.message);
  }
  return shorten(error.message.replace(/^\d{3}\s+/, ""));
}

/** The first `code` (ECONNREFUSED…) along the cause chain: the SDK wraps fetch's error, which wraps the socket's. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Loopback, private-network and `.local` hosts: where Ollama, vLLM and LM Studio usually run. */
export function isLocalUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  if (hostname === "localhost" || hostname.endsWith(".localhost") || hostname.endsWith(".local")) return true;
  if (hostname === "::1" || hostname === "0.0.0.0" || hostname === "host.docker.internal") return true;
  if (/^f[cd][0-9a-f]{2}:/.test(hostname)) return true;
  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(hostname);
  if (!octets) return false;
  const [first, second] = [Number(octets[1]), Number(octets[2])];
  return first === 127 || first === 10 || (first === 192 && second === 168) || (first === 172 && second >= 16 && second <= 31);
}

function errorCauseMessage(error: APIConnectionError): string {
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause.cause instanceof Error ? (cause.cause as NodeJS.ErrnoException).code : undefined);
    return code ? `${error.message.replace(/\.$/, "")} (${code})` : `${error.message.replace(/\.$/, "")}: ${cause.message}`;
  }
  return error.message;
}

/** `retry-after-ms` (milliseconds) first, then `retry-after` (seconds or an HTTP date). */
export function retryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

function jittered(ms: number, random: () => number): number {
  return ms * (1 + (random() * 2 - 1) * JITTER);
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim().replace(/\.$/, "");
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}…` : flat;
}

/** Error messages reach status comments: never show credentials or query parameters of the base URL. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
