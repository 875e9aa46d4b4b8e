// The OpenAI-compatible chat client: one call through the traffic layer (which retries, honouring Retry-After), errors for people.
import type { APIConnectionError, APIError } from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { Logger } from "pino";
import { classifyFailure } from "../shared/classify-failure.js";
import { errorMessage, permanentError, transientError, VenomError } from "../errors.js";
import { lazy } from "../shared/lazy.js";
import { priceOf, type ModelPrices, type ResolvedPrice } from "./pricing.js";
import { createTrafficControl, type TrafficControl } from "../traffic/traffic-control.js";
import { trafficRefusalOf } from "../traffic/traffic-refused-error.js";

export type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";

export const DEFAULT_LLM_BASE_URL = "https://api.openai.com/v1";

const MAX_MESSAGE_CHARS = 300;
/** When the job queue tries again after a local model server refused the connection. */
const LOCAL_REFUSED_RETRY_SECONDS = 30;
/** The SDK's own timer only backs up the traffic layer's per-attempt timeout, which is the one that retries. */
const SDK_TIMEOUT_MARGIN_MS = 5_000;

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
  /** What a model costs on this server (a local server's are $0 unless VENOM_MODEL_PRICES names them). */
  price?(model: string): ResolvedPrice;
}

export interface LlmClientOptions {
  apiKey?: string;
  /** Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio); default OpenAI's. */
  baseUrl?: string;
  model: string;
  log: Logger;
  /** Retries after the first attempt, for 429, 408, 5xx, timeouts and network errors; the traffic layer makes them. */
  maxRetries?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Limits, counts and retries every call as provider `openai`: the app's traffic layer (default: one for this client alone). */
  traffic?: Pick<TrafficControl, "run">;
  /** The HTTP client under the SDK (default: the global fetch). */
  fetch?: typeof fetch;
  /** VENOM_MODEL_PRICES: per-model overrides of the built-in prices. */
  prices?: ModelPrices;
}

/** The client `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `VENOM_MODEL` and `VENOM_MODEL_PRICES` describe, through the app's traffic layer. */
export function createLlmClientFromConfig(
  llm: { apiKey?: string; baseUrl?: string; model: string; prices?: ModelPrices },
  dependencies: { log: Logger; traffic: Pick<TrafficControl, "run"> },
): LlmClient {
  return createLlmClient({
    ...(llm.apiKey ? { apiKey: llm.apiKey } : {}),
    ...(llm.baseUrl ? { baseUrl: llm.baseUrl } : {}),
    model: llm.model,
    ...(llm.prices ? { prices: llm.prices } : {}),
    log: dependencies.log,
    // The traffic layer limits, counts and retries each call (Retry-After honoured); the client words the failure.
    traffic: dependencies.traffic,
  });
}

export function createLlmClient(options: LlmClientOptions): LlmClient {
  const { log, model, maxRetries = 4, timeoutMs = 120_000 } = options;
  const traffic = options.traffic ?? createTrafficControl({ log });
  const baseUrl = displayUrl(options.baseUrl ?? DEFAULT_LLM_BASE_URL);
  // The SDK loads on the first call, so an idle app never holds it in memory.
  const load = lazy(async () => {
    const module = await import("openai");
    // The SDK's own retries stay off: the traffic layer's are the only ones, and they surface Retry-After to the job queue.
    const client = new module.default({
      apiKey: options.apiKey ?? "not-needed",
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      maxRetries: 0,
      timeout: timeoutMs + SDK_TIMEOUT_MARGIN_MS,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { module, client };
  });

  async function chat(request: ChatRequest): Promise<ChatCompletion> {
    const { signal } = request;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: request.model ?? model,
      messages: request.messages,
      ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
      ...(request.tool_choice ? { tool_choice: request.tool_choice } : {}),
    };
    const { module, client } = await load();
    signal?.throwIfAborted();
    const started = Date.now();
    let completion: ChatCompletion;
    try {
      completion = await traffic.run(
        "openai",
        "POST",
        async ({ signal: attemptSignal }) => {
          try {
            return await client.chat.completions.create(body, attemptSignal ? { signal: attemptSignal } : {});
          } catch (error) {
            throw localRefusal(error, baseUrl) ?? error;
          }
        },
        { maxAttempts: maxRetries + 1, timeoutMs, handBack: true, describe: "LLM request", ...(signal ? { signal } : {}) },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw describeFailure(error, { baseUrl, model: body.model, sdk: module, log });
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

  const local = isLocalUrl(baseUrl);
  const price = (name: string): ResolvedPrice => priceOf(name, options.prices, local);
  return { model, baseUrl, chat, price };
}

type OpenAiModule = typeof import("openai");

interface FailureContext {
  baseUrl: string;
  model: string;
  sdk: OpenAiModule;
  log: Logger;
}

/** A local server that refuses the connection is not running: retrying for seconds only delays saying so. */
function localRefusal(error: unknown, baseUrl: string): VenomError | undefined {
  if (errorCode(error) !== "ECONNREFUSED" || !isLocalUrl(baseUrl)) return undefined;
  return transientError(`Could not reach the model at ${baseUrl}: connection refused; start the server or fix OPENAI_BASE_URL`, {
    cause: error,
    retryAfterSeconds: LOCAL_REFUSED_RETRY_SECONDS,
  });
}

/** The traffic layer's last word as an error for people: what failed, and whose move it is. */
function describeFailure(error: unknown, context: FailureContext): Error {
  const { baseUrl, model, sdk, log } = context;
  const refusal = trafficRefusalOf(error);
  // Degraded mode, an open breaker, a long bucket wait: the refusal already says so.
  if (refusal && refusal.reason !== "retries-exhausted" && refusal.reason !== "retry-after") return refusal;
  if (!refusal && error instanceof VenomError) return error;
  const last = refusal ? refusal.cause : error;
  const { label, message } = detailOf(last, sdk);
  if (refusal || classifyFailure(last).kind === "transient") {
    const retryAfterSeconds = refusal?.retryAfterSeconds;
    log.warn({ status: label, retryAfterSeconds }, "LLM request failed, giving up");
    return transientError(`The LLM at ${baseUrl} kept failing (${label}): ${message}; check OPENAI_BASE_URL / try again later`, {
      cause: last,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  if (last instanceof sdk.APIError && typeof last.status === "number") return refusalOf(last.status, message, baseUrl, model, last);
  if (last instanceof SyntaxError) {
    return permanentError(`The LLM at ${baseUrl} answered with invalid JSON; check OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint`, {
      cause: last,
    });
  }
  // Aborted without our signal, or a bug: not worth retrying.
  return last instanceof Error ? last : new Error(String(last));
}

/** A status code, "timeout" or "network error", and the server's or the socket's own words. */
function detailOf(error: unknown, sdk: OpenAiModule): { label: string; message: string } {
  if (error instanceof sdk.APIError && typeof error.status === "number") return { label: String(error.status), message: apiMessage(error) };
  if (error instanceof sdk.APIConnectionTimeoutError) return { label: "timeout", message: "the request timed out" };
  if (error instanceof sdk.APIConnectionError) return { label: "network error", message: shorten(connectionMessage(error)) };
  const { cause } = classifyFailure(error);
  if (cause === "timeout") return { label: "timeout", message: "the request timed out" };
  if (cause === "network") return { label: "network error", message: shorten(errorMessage(error)) };
  return { label: "error", message: shorten(errorMessage(error)) };
}

function refusalOf(status: number, message: string, baseUrl: string, model: string, cause: unknown): Error {
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

function connectionMessage(error: APIConnectionError): string {
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause.cause instanceof Error ? (cause.cause as NodeJS.ErrnoException).code : undefined);
    return code ? `${error.message.replace(/\.$/, "")} (${code})` : `${error.message.replace(/\.$/, "")}: ${cause.message}`;
  }
  return error.message;
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
