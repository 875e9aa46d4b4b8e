import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/errors.js";
import { Notifier, type NotificationEvent } from "../../../../src/skills/notify/notifier.js";
import { createChannelSenders } from "../../../../src/skills/notify/senders.js";
import { WebhookSink } from "../../../support/webhook-sink.js";

const log = pino({ level: "silent" });
const event: NotificationEvent = {
  title: "Venom stopped on octo/demo#12",
  message: "The checks failed",
  status: "failure",
  url: "https://github.com/octo/demo/issues/12",
  issueUrl: "https://github.com/octo/demo/issues/12",
  repo: "octo/demo",
  issue: 12,
};

let sink: WebhookSink;
let nextId = 200000000000000000n;

beforeAll(async () => {
  sink = await WebhookSink.start();
});
afterAll(async () => {
  await sink.stop();
});
beforeEach(() => {
  sink.clear();
});

const channelOf = (path: string) => (path.startsWith("/api/") ? "discord" : path.startsWith("/services/") ? "slack" : "teams");

describe("createChannelSenders", () => {
  it("creates a sender for each configured URL only", () => {
    expect(createChannelSenders({})).toEqual({});
    expect(Object.keys(createChannelSenders({ slackWebhookUrl: sink.slackUrl(), discordWebhookUrl: "" }))).toEqual(["slack"]);
    expect(Object.keys(createChannelSenders({ discordWebhookUrl: sink.discordUrl(), slackWebhookUrl: sink.slackUrl(), teamsWebhookUrl: sink.teamsUrl() }))).toEqual([
      "discord",
      "slack",
      "teams",
    ]);
  });

  it("stops on a malformed Discord URL with one line naming DISCORD_WEBHOOK_URL", () => {
    const create = () => createChannelSenders({ discordWebhookUrl: "https://discord.com/api/webhooks/only-a-secret-token" });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/^DISCORD_WEBHOOK_URL is not a Discord webhook URL: expected <origin>\/api\[\/vN\]\/webhooks\/<id>\/<token>/);
  });

  it("sends to every channel when all are configured", async () => {
    const notifier = new Notifier(
      createChannelSenders({ discordWebhookUrl: sink.discordUrl(String(nextId++)), slackWebhookUrl: sink.slackUrl(), teamsWebhookUrl: sink.teamsUrl() }),
      log,
    );
    expect(await notifier.send(event)).toEqual([
      { channel: "discord", ok: true },
      { channel: "slack", ok: true },
      { channel: "teams", ok: true },
    ]);
    expect(sink.received.map((request) => channelOf(request.path)).sort()).toEqual(["discord", "slack", "teams"]);
  });

  it('sends "all" to the configured channels only', async () => {
    const notifier = new Notifier(createChannelSenders({ discordWebhookUrl: sink.discordUrl(String(nextId++)), teamsWebhookUrl: sink.teamsUrl() }), log);
    expect(notifier.configured()).toEqual(["discord", "teams"]);
    expect(await notifier.send(event, "all")).toEqual([
      { channel: "discord", ok: true },
      { channel: "teams", ok: true },
    ]);
    expect(sink.received.map((request) => channelOf(request.path)).sort()).toEqual(["discord", "teams"]);
    expect(await notifier.send(event, "slack")).toEqual([{ channel: "slack", ok: false, error: "slack webhook URL not configured" }]);
  });

  it.each([
    ["discord", 500, /^Discord webhook answered 500: Internal Server Error$/],
    ["discord", 404, /^Discord webhook answered 404: Not Found$/],
    ["slack", 500, /^Slack webhook answered 500: internal_server_error$/],
    ["slack", 404, /^Slack webhook answered 404: not_found$/],
    ["teams", 500, /^Teams webhook answered 500 Internal Server Error$/],
    ["teams", 404, /^Teams webhook answered 404 Not Found$/],
  ] as const)("reports a failing %s webhook (%i) as { ok: false, error } without throwing", async (channel, status, error) => {
    const notifier = new Notifier(
      createChannelSenders({ discordWebhookUrl: sink.discordUrl(String(nextId++)), slackWebhookUrl: sink.slackUrl(), teamsWebhookUrl: sink.teamsUrl() }),
      log,
    );
    sink.failNext(status);
    const results = await notifier.send(event, channel);
    expect(results).toEqual([{ channel, ok: false, error: expect.stringMatching(error) as unknown }]);
    expect(sink.received).toHaveLength(1);
  });

  it("reports an unreachable webhook as { ok: false, error } without throwing", async () => {
    const notifier = new Notifier(createChannelSenders({ discordWebhookUrl: "http://127.0.0.1:9/api/webhooks/1/secret-token" }), log);
    const [result] = await notifier.send(event);
    expect(result).toMatchObject({ channel: "discord", ok: false, error: expect.stringMatching(/^Discord webhook request failed: .*ECONNREFUSED/) as unknown });
    expect(result?.error).not.toContain("secret-token");
  });

  // ESM imports cannot be spied on, and this test process has loaded discord.js already; so a fresh Node process
  // imports senders.ts, creates all three senders and reports which libraries its CommonJS module cache holds
  // (discord.js and @slack/webhook are CommonJS: importing them in any way fills that cache). The same probe
  // then sends, and must see the libraries appear: that proves the check can see a load at all.
  it("loads neither discord.js nor @slack/webhook until a send needs it", async () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    const probe = fileURLToPath(new URL("./lazy-load-probe.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", probe, sink.discordUrl(String(nextId++)), sink.slackUrl(), sink.teamsUrl()],
      { cwd: root, timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      idle: { discord: false, slack: false },
      afterTeams: { discord: false, slack: false },
      afterSends: { discord: true, slack: true },
    });
    expect(sink.received.map((request) => channelOf(request.path))).toEqual(["teams", "discord", "slack"]);
  });
});
