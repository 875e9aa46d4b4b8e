// A local stand-in for Slack's Web API (chat.postMessage, chat.update, auth.test) and response_url: records calls, answers like Slack.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlackCall {
  /** `chat.postMessage`, `chat.update`, or `response_url` for a reply to a clicker. */
  method: string;
  /** The bearer token the call carried. */
  token: string | undefined;
  /** The arguments, JSON-valued fields (blocks) parsed. */
  args: Record<string, unknown>;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** `http://127.0.0.1:<port>/api`: SLACK_API_URL. */
  readonly apiUrl: string;
  /** A response_url on this server (`<origin>/actions/<id>`). */
  readonly responseUrl: string;
  readonly #server: Server;
  readonly #messages = new Map<string, Record<string, unknown>>();
  #sequence = 0;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.responseUrl = `http://127.0.0.1:${port}/actions/T1/1/reply`;
  }

  static async start(): Promise<FakeSlack> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const slack = new FakeSlack(server, (server.address() as AddressInfo).port);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      slack.#handle(request, response).catch(() => response.destroy());
    });
    return slack;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** Calls of one method, oldest first. */
  of(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The message as it stands after every post and update: `${channel}/${ts}` → its last arguments. */
  message(channel: string, ts: string): Record<string, unknown> | undefined {
    return this.#messages.get(`${channel}/${ts}`);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (request.url ?? "/").split("?", 1)[0] ?? "/";
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const args = parseArgs(raw, request.headers["content-type"]);
    const answer = (body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
      response.end(text);
    };
    if (path.startsWith("/actions/")) {
      this.calls.push({ method: "response_url", token, args });
      return answer({ ok: true });
    }
    const method = path.replace(/^\/api\//, "");
    this.calls.push({ method, token, args });
    if (!token) return answer({ ok: false, error: "not_authed" });
    const channel = typeof args.channel === "string" ? args.channel : "";
    switch (method) {
      case "chat.postMessage": {
        if (!channel) return answer({ ok: false, error: "channel_not_found" });
        this.#sequence += 1;
        // Slack answers with the channel's id (C…) even when a name was given.
        const id = channel.startsWith("#") ? "C0FAKECHAN" : channel;
        const ts = `1700000000.${String(this.#sequence).padStart(6, "0")}`;
        this.#messages.set(`${id}/${ts}`, args);
        return answer({ ok: true, channel: id, ts, message: { text: args.text, ts } });
      }
      case "chat.update": {
        const ts = typeof args.ts === "string" ? args.ts : "";
        if (!this.#messages.has(`${channel}/${ts}`)) return answer({ ok: false, error: "message_not_found" });
        this.#messages.set(`${channel}/${ts}`, args);
        return answer({ ok: true, channel, ts, text: args.text });
      }
      case "auth.test":
        return answer({ ok: true, url: "https://fake.slack.com/", team: "Fake Team", user: "venom", team_id: "T0FAKE", user_id: "U0VENOM" });
      default:
        return answer({ ok: false, error: "unknown_method" });
    }
  }
}

/** @slack/web-api sends form fields, JSON-encoding objects (blocks); response_url replies are JSON. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes("application/json")) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    try {
      args[key] = value.startsWith("[") || value.startsWith("{") ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}
