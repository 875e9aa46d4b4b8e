// Slack app mode and Teams commands in the integration status: named when on, the bot token probed with auth.test.
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../../../src/config/env.js";
import { createLogger } from "../../../../src/log.js";
import { slackIntegration, teamsIntegration } from "../../../../src/skills/notify/webhook-integrations.js";
import { FakeSlack } from "../../../support/fake-slack.js";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack.stop();
});

async function context(env: Record<string, string>) {
  return { config: readConfig(env, "/tmp"), fetch: () => fetch, log: await createLogger({ level: "silent", destination: new PassThrough() }) };
}

describe("chat integrations", () => {
  it("stay the webhook integrations when no app or outgoing webhook is configured", async () => {
    expect(await slackIntegration(await context({})).checkConnection()).toEqual({ name: "slack", configured: false, detail: "not configured (set SLACK_WEBHOOK_URL)" });
    expect(await teamsIntegration(await context({})).checkConnection()).toEqual({ name: "teams", configured: false, detail: "not configured (set TEAMS_WEBHOOK_URL)" });
  });

  it("probe Slack's bot token with auth.test and name the actions routes", async () => {
    const integration = slackIntegration(
      await context({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_CHANNEL: "C0VENOM", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: slack.apiUrl, VENOM_SLACK_USERS: '{"U1":"ana"}' }),
    );
    expect(integration.pending?.()).toEqual({ name: "slack", configured: true, detail: "app mode in C0VENOM; buttons at /venom/slack/actions (1 users mapped)" });
    const status = await integration.checkConnection();
    expect(status).toEqual({
      name: "slack",
      configured: true,
      connected: true,
      detail: "app mode in C0VENOM; buttons at /venom/slack/actions (1 users mapped); bot venom in Fake Team",
    });
    expect(slack.of("auth.test").at(-1)?.token).toBe("xoxb-1");
    const teams = teamsIntegration(await context({ TEAMS_OUTGOING_SECRET: "c2VjcmV0" }));
    expect(await teams.checkConnection()).toEqual({ name: "teams", configured: true, detail: "commands at /venom/teams/actions (0 users mapped)" });
  });
});
