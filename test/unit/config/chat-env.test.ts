// Slack app and Teams outgoing-webhook settings: off by default, secrets masked, a bad value one ConfigError naming it.
import { describe, expect, it } from "vitest";
import { readChatEnv } from "../../../src/config/chat-env.js";
import { readConfig } from "../../../src/config/env.js";
import { ConfigError } from "../../../src/errors.js";

describe("readChatEnv", () => {
  it("is off until configured", () => {
    expect(readChatEnv({})).toEqual({ slack: { apiUrl: "https://slack.com/api", users: {} }, teams: { users: {} } });
  });

  it("reads the Slack app, the Teams secret and both user maps", () => {
    const chat = readChatEnv({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "signing",
      SLACK_CHANNEL: "C0VENOM",
      SLACK_API_URL: "http://127.0.0.1:9/api/",
      VENOM_SLACK_USERS: '{"U012ABCDEF":"octocat"}',
      TEAMS_OUTGOING_SECRET: "c2VjcmV0",
      VENOM_TEAMS_USERS: '{"00000000-aad":"hubot"}',
    });
    expect(chat).toEqual({
      slack: { botToken: "xoxb-1", signingSecret: "signing", channel: "C0VENOM", apiUrl: "http://127.0.0.1:9/api", users: { U012ABCDEF: "octocat" } },
      teams: { outgoingSecret: "c2VjcmV0", users: { "00000000-aad": "hubot" } },
    });
  });

  it.each([
    [{ VENOM_SLACK_USERS: "{not json" }, /^VENOM_SLACK_USERS is not valid JSON; it must be JSON like/],
    [{ VENOM_SLACK_USERS: '["octocat"]' }, /^VENOM_SLACK_USERS is not a JSON object/],
    [{ VENOM_SLACK_USERS: '{"U1":"not a login!"}' }, /^VENOM_SLACK_USERS maps "U1" to something that is not a GitHub login/],
    [{ VENOM_TEAMS_USERS: '{"a":42}' }, /^VENOM_TEAMS_USERS maps "a"/],
    [{ SLACK_BOT_TOKEN: "xoxb-1" }, /^SLACK_CHANNEL is missing while SLACK_BOT_TOKEN is set/],
    [{ SLACK_CHANNEL: "C1" }, /^SLACK_BOT_TOKEN is missing while SLACK_CHANNEL is set/],
    [{ SLACK_API_URL: "slack.com" }, /^SLACK_API_URL must be an absolute http\(s\) URL/],
    [{ TEAMS_OUTGOING_SECRET: "not base64!" }, /^TEAMS_OUTGOING_SECRET must be the base64 security token/],
  ])("refuses %j with one line naming the variable", (env, message) => {
    expect(() => readChatEnv(env)).toThrow(ConfigError);
    expect(() => readChatEnv(env)).toThrow(message);
    try {
      readChatEnv(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("puts the token and both secrets in config.secrets", () => {
    const config = readConfig({ SLACK_BOT_TOKEN: "xoxb-secret-token", SLACK_CHANNEL: "C1", SLACK_SIGNING_SECRET: "sign-secret", TEAMS_OUTGOING_SECRET: "dGVhbXMtc2VjcmV0" }, "/tmp");
    expect(config.secrets).toEqual(expect.arrayContaining(["xoxb-secret-token", "sign-secret", "dGVhbXMtc2VjcmV0"]));
    expect(config.chat.slack.channel).toBe("C1");
  });
});
