import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/errors.js";
import { DISCORD_COLOURS, createDiscordSender, parseDiscordWebhookUrl } from "../../../../src/skills/notify/discord.js";
import type { NotificationEvent } from "../../../../src/skills/notify/notifier.js";
import { WebhookSink } from "../../../support/webhook-sink.js";
import { startHangingServer } from "./hanging-server.js";

const TOKEN = `test-token-${"y".repeat(57)}`;
const event: NotificationEvent = {
  title: "Pull Request ready for review: octo/demo#12",
  message: "Fix the login form — checks passed @everyone",
  status: "success",
  url: "https://github.com/octo/demo/pull/34",
  prUrl: "https://github.com/octo/demo/pull/34",
  issueUrl: "https://github.com/octo/demo/issues/12",
  repo: "octo/demo",
  issue: 12,
};

let sink: WebhookSink;
// Each test its own webhook id: discord.js keeps rate-limit state per webhook (and the sender shares clients per URL).
let nextId = 100000000000000000n;
const webhookId = () => String(nextId++);

beforeAll(async () => {
  sink = await WebhookSink.start();
});
afterAll(async () => {
  await sink.stop();
});
beforeEach(() => {
  sink.clear();
});

describe("createDiscordSender", () => {
  it("posts an embed through discord.js to <origin>/api/v10/webhooks/<id>/<token>?wait=true", async () => {
    const id = webhookId();
    await createDiscordSender(sink.discordUrl(id, TOKEN))(event);

    const request = await sink.waitFor();
    expect(sink.received).toHaveLength(1);
    expect(request.method).toBe("POST");
    expect(request.path).toBe(`/api/v10/webhooks/${id}/${TOKEN}`);
    // discord.js always asks for the created message; the sink answers one and discord.js accepts it.
    expect(request.query).toEqual({ wait: "true" });
    expect(request.status).toBe(200);
    expect(request.headers["content-type"]).toMatch(/application\/json/);
    expect(request.headers["user-agent"]).toMatch(/DiscordBot/);
    const body = request.body as { embeds: unknown[]; allowed_mentions: unknown; content?: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.content).toBeUndefined();
    expect(body.embeds).toEqual([
      {
        title: event.title,
        description: event.message,
        url: "https://github.com/octo/demo/pull/34",
        color: 0x57f287,
        fields: [
          { name: "Repository", value: "[octo/demo](https://github.com/octo/demo)", inline: true },
          { name: "Issue", value: "[#12](https://github.com/octo/demo/issues/12)", inline: true },
          { name: "Pull request", value: "[#34](https://github.com/octo/demo/pull/34)", inline: true },
        ],
        footer: { text: "Venom Integrator" },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      },
    ]);
  });

  it("colours by status: green success, red failure, blurple info", async () => {
    const send = createDiscordSender(sink.discordUrl(webhookId(), TOKEN));
    for (const status of ["success", "failure", "info"] as const) await send({ title: "t", message: "m", status });
    const colours = sink.received.map((request) => (request.body as { embeds: Array<{ color: number }> }).embeds[0]?.color);
    expect(colours).toEqual([0x57f287, 0xed4245, 0x5865f2]);
    expect(DISCORD_COLOURS).toEqual({ success: 0x57f287, failure: 0xed4245, info: 0x5865f2 });
  });

  it("leaves out the link and fields it does not have, and drops unsafe links", async () => {
    await createDiscordSender(sink.discordUrl(webhookId(), TOKEN))({
      title: "Venom test",
      message: "hello",
      status: "info",
      url: "javascript:alert(1)",
      issueUrl: "https://x-access-token:ghs_secret123456789012345678901234@github.com/octo/demo/issues/5",
    });
    const [embed] = (sink.received[0]?.body as { embeds: Array<Record<string, unknown>> }).embeds;
    expect(embed).toMatchObject({ title: "Venom test", description: "hello", url: "https://github.com/octo/demo/issues/5" });
    expect(embed?.fields).toEqual([{ name: "Issue", value: "[#5](https://github.com/octo/demo/issues/5)", inline: true }]);
    expect(sink.received[0]?.rawBody).not.toContain("ghs_");
  });

  it("honours the URL as given: a path prefix, an explicit API version and ?thread_id=", async () => {
    const id = webhookId();
    await createDiscordSender(sink.url(`/proxy/api/v10/webhooks/${id}/${TOKEN}?thread_id=123456789012345678`))(event);
    const request = await sink.waitFor();
    expect(request.path).toBe(`/proxy/api/v10/webhooks/${id}/${TOKEN}`);
    expect(request.query).toEqual({ wait: "true", thread_id: "123456789012345678" });
  });

  it("throws one line with the status and Discord's reason, never the token", async () => {
    const send = createDiscordSender(sink.discordUrl(webhookId(), TOKEN));
    sink.failNext(404, 1, { body: { message: "Unknown Webhook", code: 10015 } });
    await expect(send(event)).rejects.toThrow(/^Discord webhook answered 404: Unknown Webhook$/);
    sink.failNext(500);
    const error = (await send(event).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toBe("Discord webhook answered 500: Internal Server Error");
    expect(error.message).not.toContain(TOKEN);
    expect(error.stack).not.toContain(TOKEN);
    // No hidden retries: one request per failed send.
    expect(sink.received).toHaveLength(2);
  });

  it("waits out a short rate limit, and fails at once on one longer than the deadline", async () => {
    const url = sink.discordUrl(webhookId(), TOKEN);
    sink.failNext(429, 1, { headers: { "retry-after": "0.2" } });
    await createDiscordSender(url)(event);
    expect(sink.received.map((request) => request.status)).toEqual([429, 200]);

    sink.clear();
    // Discord's answer: the bucket is empty for a minute.
    sink.failNext(429, 1, { headers: { "retry-after": "60", "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "60" } });
    const started = Date.now();
    await expect(createDiscordSender(url)(event)).rejects.toThrow(/^Discord webhook rate limited \(429\): retry after 60 s$/);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The second sender for the same URL shared the first one's client: it knows the limit without asking Discord.
    await expect(createDiscordSender(url)(event)).rejects.toThrow(/rate limited/);
    expect(sink.received).toHaveLength(1);
  });

  it("gives up after the timeout", async () => {
    const server = await startHangingServer();
    try {
      const send = createDiscordSender(`${server.origin}/api/webhooks/${webhookId()}/${TOKEN}`, { timeoutMs: 300 });
      await expect(send(event)).rejects.toThrow(/^Discord webhook timed out after 0.3 s$/);
    } finally {
      await server.stop();
    }
  });
});

describe("parseDiscordWebhookUrl", () => {
  it("reads Discord's own URLs and local ones alike", () => {
    expect(parseDiscordWebhookUrl(`https://discord.com/api/webhooks/123456789012345678/${TOKEN}`)).toEqual({
      apiBase: "https://discord.com/api",
      id: "123456789012345678",
      token: TOKEN,
    });
    expect(parseDiscordWebhookUrl("http://127.0.0.1:4000/api/v10/webhooks/1/abc_-D/")).toEqual({ apiBase: "http://127.0.0.1:4000/api", id: "1", token: "abc_-D" });
  });

  it.each([
    "not a url",
    "ftp://discord.com/api/webhooks/1/abc",
    "https://discord.com/api/webhooks/123456789012345678",
    "https://discord.com/api/webhooks/not-a-number/abc",
    "https://discord.com/channels/1/2",
    "https://hooks.slack.com/services/T0/B0/secret",
  ])("rejects %s with one line naming DISCORD_WEBHOOK_URL, not its value", (value) => {
    let error: unknown;
    try {
      parseDiscordWebhookUrl(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^DISCORD_WEBHOOK_URL is not a (URL|Discord webhook URL): expected <origin>\/api\[\/vN\]\/webhooks\/<id>\/<token>/);
    expect(message).not.toContain("\n");
    expect(message).not.toContain(value);
  });
});
