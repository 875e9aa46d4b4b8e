// A scripted OpenAI-compatible server for tests: each chat completion request takes the next step of the script.
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is sent as its JSON; a string is sent as is (to script malformed arguments). */
  arguments: object | string;
  /** Default `call_<request>_<index>`. */
  id?: string;
}

interface StepTiming {
  /** Wait this long before answering (to trigger client timeouts). */
  delayMs?: number;
}

export interface ToolCallsStep extends StepTiming {
  toolCalls: ScriptedToolCall[];
  /** Text sent alongside the tool calls; default null. */
  content?: string;
  /** Default: estimated from the request and the reply (chars / 4); `null` omits usage. */
  usage?: Usage | null;
}

export interface ContentStep extends StepTiming {
  content: string;
  usage?: Usage | null;
  /** Default `stop`. */
  finishReason?: "stop" | "length" | "content_filter";
}

/** Fault injection: answers with this status (e.g. 429 with `retry-after: 1`, 500). */
export interface StatusStep extends StepTiming {
  status: number;
  headers?: Record<string, string>;
  /** Default an OpenAI error body; a string is sent as text. */
  body?: unknown;
}

/** Drops the connection without an answer (a network error for the client). */
export interface DisconnectStep extends StepTiming {
  disconnect: true;
}

export type StaticStep = ToolCallsStep | ContentStep | StatusStep | DisconnectStep;
/** A step, or a function deciding the reply from the request (e.g. echoing what a tool returned). */
export type Step = StaticStep | ((request: LlmRequest) => StaticStep | Promise<StaticStep>);

export interface LlmMessage {
  role: "system" | "user" | "assistant" | "tool" | "developer";
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface LlmTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface LlmRequest {
  /** 0-based position among the chat completion requests. */
  index: number;
  path: string;
  headers: IncomingHttpHeaders;
  model: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  toolChoice?: unknown;
  /** The whole JSON body as sent. */
  body: Record<string, unknown>;
  /** What the server answered with. */
  status?: number;
}

export interface FakeLlmOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** The model answered when a request names none and listed by `/v1/models`; default `fake-model`. */
  model?: string;
}

const CHAT_PATHS = new Set(["/v1/chat/completions", "/chat/completions"]);

export class FakeLlm {
  /** Every chat completion request, in order. */
  readonly requests: LlmRequest[] = [];
  /** Base URL for the `openai` client / `OPENAI_BASE_URL`, ending with `/v1`. */
  readonly baseUrl: string;
  readonly #server: Server;
  readonly #options: FakeLlmOptions;
  #steps: Step[] = [];
  #exhausted: Step = { content: "script exhausted" };
  #completionCount = 0;

  private constructor(server: Server, port: number, options: FakeLlmOptions) {
    this.#server = server;
    this.#options = options;
    this.baseUrl = `http://127.0.0.1:${port}/v1`;
  }

  static async start(options: FakeLlmOptions = {}): Promise<FakeLlm> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const fake = new FakeLlm(server, (server.address() as AddressInfo).port, options);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      fake.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, errorBody(500, `fake LLM failed: ${String(error)}`));
        else response.destroy();
      });
    });
    return fake;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Appends steps to the script; each chat completion request consumes the next one. */
  script(steps: Step[]): this {
    this.#steps.push(...steps);
    return this;
  }

  /** The reply once the script is used up; default a `content` reply "script exhausted". */
  whenExhausted(step: Step): this {
    this.#exhausted = step;
    return this;
  }

  /** Steps not yet consumed. */
  get pending(): number {
    return this.#steps.length;
  }

  /** Forgets the script and the recorded requests. */
  reset(): void {
    this.#steps = [];
    this.#exhausted = { content: "script exhausted" };
    this.requests.length = 0;
  }

  get lastRequest(): LlmRequest | undefined {
    return this.requests.at(-1);
  }

  /** All message text of one request (default the last), to assert what a prompt contained. */
  promptText(index: number = this.requests.length - 1): string {
    const request = this.requests[index];
    if (!request) return "";
    return request.messages.map((message) => messageText(message)).join("\n\n");
  }

  /** Tool results the model was shown in one request (default the last), in order. */
  toolResults(index: number = this.requests.length - 1): string[] {
    const request = this.requests[index];
    if (!request) return [];
    return request.messages.filter((message) => message.role === "tool").map((message) => messageText(message));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const raw = await readBody(request);
    const { apiKey } = this.#options;
    if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(response, 401, errorBody(401, "Incorrect API key provided", "invalid_api_key"));
      return;
    }
    if (request.method === "GET" && (path === "/v1/models" || path === "/models")) {
      const model = this.#options.model ?? "fake-model";
      sendJson(response, 200, { object: "list", data: [{ id: model, object: "model", created: 1_700_000_000, owned_by: "fake-llm" }] });
      return;
    }
    if (request.method !== "POST" || !CHAT_PATHS.has(path)) {
      sendJson(response, 404, errorBody(404, `fake LLM has no route ${request.method} ${path}`));
      return;
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw || "{}");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("body is not an object");
      body = parsed as Record<string, unknown>;
    } catch (error) {
      sendJson(response, 400, errorBody(400, `We could not parse the JSON body of your request (${String(error)})`));
      return;
    }
    const recorded: LlmRequest = {
      index: this.requests.length,
      path,
      headers: request.headers,
      model: typeof body.model === "string" ? body.model : (this.#options.model ?? "fake-model"),
      messages: Array.isArray(body.messages) ? (body.messages as LlmMessage[]) : [],
      tools: Array.isArray(body.tools) ? (body.tools as LlmTool[]) : [],
      ...(body.tool_choice !== undefined ? { toolChoice: body.tool_choice } : {}),
      body,
    };
    this.requests.push(recorded);

    const next = this.#steps.shift() ?? this.#exhausted;
    const step = typeof next === "function" ? await next(recorded) : next;
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if (response.destroyed) return;

    if ("disconnect" in step) {
      recorded.status = 0;
      request.socket.destroy();
      return;
    }
    if ("status" in step) {
      recorded.status = step.status;
      const headers = { ...step.headers };
      if (typeof step.body === "string") {
        response.writeHead(step.status, { "content-type": "text/plain", ...headers });
        response.end(step.body);
      } else {
        sendJson(response, step.status, step.body ?? errorBody(step.status, STATUS_CODES[step.status] ?? "error"), headers);
      }
      return;
    }
    recorded.status = 200;
    sendJson(response, 200, this.#completion(recorded, step));
  }

  #completion(request: LlmRequest, step: ToolCallsStep | ContentStep): Record<string, unknown> {
    const number = ++this.#completionCount;
    const toolCalls =
      "toolCalls" in step
        ? step.toolCalls.map((call, index) => ({
            id: call.id ?? `call_${number}_${index}`,
            type: "function",
            function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
          }))
        : undefined;
    const content = step.content ?? null;
    const message = { role: "assistant", content, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
    const finishReason = toolCalls ? "tool_calls" : "finishReason" in step && step.finishReason ? step.finishReason : "stop";
    const usage =
      step.usage === null
        ? undefined
        : (step.usage ?? {
            prompt_tokens: Math.ceil(JSON.stringify(request.messages).length / 4),
            completion_tokens: Math.ceil(((content ?? "") + JSON.stringify(toolCalls ?? [])).length / 4),
          });
    return {
      id: `chatcmpl-fake-${number}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      system_fingerprint: null,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
    };
  }
}

function messageText(message: LlmMessage): string {
  const content = message.content;
  const text = typeof content === "string" ? content : Array.isArray(content) ? content.map((part) => part.text ?? "").join("") : "";
  const calls = message.tool_calls?.map((call) => `${call.function.name}(${call.function.arguments})`).join("\n") ?? "";
  return [text, calls].filter(Boolean).join("\n");
}

function errorBody(status: number, message: string, code: string | null = null): Record<string, unknown> {
  const type = status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
