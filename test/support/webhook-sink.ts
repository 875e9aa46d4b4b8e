// A local stand-in for Discord, Slack and Teams incoming webhooks: records every request and answers like the real service.
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  method: string;
  /** Path without the query string, e.g. `/api/v10/webhooks/123/token`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON (also Slack's `payload=` form and Discord's multipart `payload_json`), else the raw text. */
  body: unknown;
  rawBody: string;
  /** What the sink answered. */
  status: number;
}

export interface SinkReply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON, a string as text; default a body shaped like the service's own error. */
  body?: unknown;
}

// discord.js (`@discordjs/rest`) adds the API version: `/api/v10/webhooks/:id/:token[/messages/:messageId]`.
const DISCORD_WEBHOOK = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)(?:\/messages\/([^/]+))?\/?$/;
const DISCORD_EPOCH = 1_420_070_400_000n;
const DISCORD_TOKEN = `fake-discord-token-${"x".repeat(49)}`;

export class WebhookSink {
  readonly received: ReceivedWebhook[] = [];
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly #server: Server;
  readonly #failures: SinkReply[] = [];
  readonly #waiters = new Set<() => void>();
  #sequence = 0n;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.origin = `http://127.0.0.1:${port}`;
  }

  static async start(): Promise<WebhookSink> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const sink = new WebhookSink(server, (server.address() as AddressInfo).port);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      sink.#handle(request, response).catch(() => response.destroy());
    });
    return sink;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** The sink's URL for any path, e.g. `sink.url("/services/T0/B0/x")`. */
  url(path = "/"): string {
    return `${this.origin}${path.startsWith("/") ? path : `/${path}`}`;
  }

  /**
   * A Discord webhook URL as users paste it (`DISCORD_WEBHOOK_URL`), with a real-shaped id (17–19 digits) and token
   * (68 characters). discord.js's `WebhookClient({ url })` only accepts discord.com origins, so a notifier pointed here
   * must parse id and token itself and pass `{ id, token }` with `rest: { api: `${origin}/api` }`.
   */
  discordUrl(id = "1234567890123456789", token = DISCORD_TOKEN): string {
    return this.url(`/api/webhooks/${id}/${token}`);
  }

  /** A Slack incoming webhook URL (`SLACK_WEBHOOK_URL`). */
  slackUrl(): string {
    return this.url("/services/T00000000/B00000000/fakeslacktoken");
  }

  /** A Teams incoming webhook / workflow URL (`TEAMS_WEBHOOK_URL`). */
  teamsUrl(): string {
    return this.url("/webhookb2/fake-teams/IncomingWebhook/fake/fake");
  }

  /** The next `times` requests (any path) get `status`, e.g. `failNext(429, 1, { headers: { "retry-after": "1" } })`. */
  failNext(status: number, times = 1, reply: Omit<SinkReply, "status"> = {}): this {
    for (let i = 0; i < times; i++) this.#failures.push({ status, ...reply });
    return this;
  }

  /** Requests whose path starts with `prefix`. */
  receivedAt(prefix: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.path.startsWith(prefix));
  }

  /** Resolves with the first request (already received or still to come) that matches; notifications are sent in the background. */
  waitFor(predicate: (request: ReceivedWebhook) => boolean = () => true, timeoutMs = 5_000): Promise<ReceivedWebhook> {
    const found = this.received.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.received.find(predicate);
        if (!match) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`webhook sink: no matching request within ${timeoutMs} ms (received ${this.received.length})`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Forgets recorded requests and pending failures. */
  clear(): void {
    this.received.length = 0;
    this.#failures.length = 0;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? "/", this.origin);
    const received: ReceivedWebhook = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: parseBody(rawBody, request.headers["content-type"]),
      rawBody,
      status: 0,
    };
    const discord = DISCORD_WEBHOOK.exec(url.pathname);
    const failure = this.#failures.shift();
    const reply = failure ? this.#failureReply(failure, discord !== null) : this.#reply(received, discord);
    received.status = reply.status;
    this.received.push(received);
    send(response, reply);
    for (const waiter of [...this.#waiters]) waiter();
  }

  #failureReply(failure: SinkReply, discord: boolean): SinkReply {
    if (failure.body !== undefined) return failure;
    const reason = STATUS_CODES[failure.status] ?? "error";
    if (discord) {
      // @discordjs/rest reads `retry_after` (seconds) from a 429 body and `{ code, message }` from other errors.
      const retryAfter = Number(failure.headers?.["retry-after"] ?? "0.1");
      const body = failure.status === 429 ? { message: "You are being rate limited.", retry_after: retryAfter, global: false } : { message: reason, code: 0 };
      const headers = failure.status === 429 ? { "retry-after": String(retryAfter), "x-ratelimit-scope": "user", ...failure.headers } : failure.headers;
      return { status: failure.status, ...(headers ? { headers } : {}), body };
    }
    // Slack answers errors in plain text (`rate_limited`, `invalid_payload`, `no_service`).
    return { ...failure, body: failure.status === 429 ? "rate_limited" : reason.toLowerCase().replace(/\s+/g, "_") };
  }

  #reply(received: ReceivedWebhook, discord: RegExpExecArray | null): SinkReply {
    if (!discord) return { status: 200, body: "ok" };
    const [, webhookId = "0", token = "", messageId] = discord;
    if (received.method === "GET" && !messageId) {
      return {
        status: 200,
        body: { id: webhookId, type: 1, name: "Venom sink", avatar: null, channel_id: "111111111111111111", guild_id: "222222222222222222", application_id: null, token },
      };
    }
    if (received.method === "DELETE") return { status: 204 };
    const wantsMessage = received.query.wait === "true" || messageId !== undefined;
    if (!wantsMessage) return { status: 204 };
    const payload = (typeof received.body === "object" && received.body !== null ? received.body : {}) as Record<string, unknown>;
    return { status: 200, body: this.#discordMessage(webhookId, messageId ?? this.#snowflake(), payload) };
  }

  #discordMessage(webhookId: string, id: string, payload: Record<string, unknown>): Record<string, unknown> {
    return {
      id,
      type: 0,
      channel_id: "111111111111111111",
      content: typeof payload.content === "string" ? payload.content : "",
      embeds: Array.isArray(payload.embeds) ? payload.embeds : [],
      attachments: [],
      components: Array.isArray(payload.components) ? payload.components : [],
      author: {
        id: webhookId,
        username: typeof payload.username === "string" ? payload.username : "Venom sink",
        avatar: null,
        discriminator: "0000",
        bot: true,
      },
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: payload.tts === true,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: typeof payload.flags === "number" ? payload.flags : 0,
      webhook_id: webhookId,
    };
  }

  #snowflake(): string {
    this.#sequence = (this.#sequence + 1n) & 0xfffn;
    return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | this.#sequence);
  }
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  const type = (contentType ?? "").toLowerCase();
  try {
    if (type.includes("application/x-www-form-urlencoded")) {
      const form = new URLSearchParams(raw);
      const payload = form.get("payload");
      return payload !== null ? JSON.parse(payload) : Object.fromEntries(form);
    }
    if (type.includes("multipart/form-data")) {
      const match = /name="payload_json"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)\r?\n--/.exec(raw);
      return match?.[1] !== undefined ? JSON.parse(match[1]) : raw;
    }
    if (type.includes("json") || /^\s*[{[]/.test(raw)) return JSON.parse(raw);
  } catch {
    return raw;
  }
  return raw;
}

function send(response: ServerResponse, reply: SinkReply): void {
  if (reply.status === 204 || reply.body === undefined) {
    response.writeHead(reply.status, reply.headers ?? {});
    response.end();
    return;
  }
  const json = typeof reply.body !== "string";
  const text = json ? JSON.stringify(reply.body) : (reply.body as string);
  response.writeHead(reply.status, {
    "content-type": json ? "application/json" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...reply.headers,
  });
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
