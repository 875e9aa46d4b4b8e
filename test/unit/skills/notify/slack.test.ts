import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/errors.js";
import type { NotificationEvent } from "../../../../src/skills/notify/notifier.js";
import { createSlackSender, slackMessage } from "../../../../src/skills/notify/slack.js";
import { recordRequests } from "../nock-provider.js";

const event: NotificationEvent = {
  title: "Pull Request ready for review: octo/demo#12",
  message: "Fix <!channel> & the login form",
  status: "failure",
  url: "https://github.com/octo/demo/pull/34",
  prUrl: "https://github.com/octo/demo/pull/34",
  issueUrl: "https://github.com/octo/demo/issues/12",
  repo: "octo/demo",
  issue: 12,
};

// Slack's own webhook host, played by nock; any request nobody expects fails the test.
const SLACK = "https://hooks.slack.com";
const SLACK_PATH = "/services/T00000000/B00000000/fakeslacktoken";
const SLACK_URL = `${SLACK}${SLACK_PATH}`;

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe("createSlackSender", () => {
  it("posts Block Kit blocks with <url|text> links and a plain-text fallback", async () => {
    const requests = recordRequests(nock(SLACK).post(SLACK_PATH).reply(200, "ok"));

    await createSlackSender(SLACK_URL)(event);

    const [request] = requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/services/T00000000/B00000000/fakeslacktoken");
    expect(request?.headers["content-type"]).toMatch(/application\/json/);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      text: "Pull Request ready for review: octo/demo#12\nFix &lt;!channel&gt; &amp; the login form\nhttps://github.com/octo/demo/pull/34",
      blocks: [
        { type: "header", text: { type: "plain_text", text: event.title, emoji: true } },
        {
          type: "section",
          text: { type: "mrkdwn", text: ":x: Fix &lt;!channel&gt; &amp; the login form\n<https://github.com/octo/demo/pull/34|Open pull request>" },
        },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: "*Repository*\n<https://github.com/octo/demo|octo/demo>" },
            { type: "mrkdwn", text: "*Issue*\n<https://github.com/octo/demo/issues/12|#12>" },
            { type: "mrkdwn", text: "*Pull request*\n<https://github.com/octo/demo/pull/34|#34>" },
          ],
        },
      ],
    });
  });

  it("keeps within Slack's limits and leaves out the fields it does not have", () => {
    const message = slackMessage({ title: "t".repeat(500), message: "m", status: "info" });
    expect(message.blocks).toHaveLength(2);
    expect((message.blocks?.[0] as { text: { text: string } }).text.text).toHaveLength(150);
  });

  it("throws one line with the status and Slack's reason, without retrying", async () => {
    const send = createSlackSender(SLACK_URL);
    // Slack answers errors in plain text.
    const requests = recordRequests(nock(SLACK).post(SLACK_PATH).reply(404, "no_service").post(SLACK_PATH).reply(500, "internal_server_error"));
    await expect(send(event)).rejects.toThrow(/^Slack webhook answered 404: no_service$/);
    const error = (await send(event).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toBe("Slack webhook answered 500: internal_server_error");
    expect(error.message).not.toContain("fakeslacktoken");
    expect(requests).toHaveLength(2);
  });

  it("gives up after the timeout", async () => {
    nock(SLACK).post("/services/T0/B0/x").delay(60_000).reply(200, "ok");
    const send = createSlackSender(`${SLACK}/services/T0/B0/x`, { timeoutMs: 300 });
    await expect(send(event)).rejects.toThrow(/^Slack webhook timed out after 0.3 s$/);
  });

  it("rejects a malformed URL with one line naming SLACK_WEBHOOK_URL", () => {
    expect(() => createSlackSender("hooks.slack.com/services/secret")).toThrow(ConfigError);
    expect(() => createSlackSender("hooks.slack.com/services/secret")).toThrow(/^SLACK_WEBHOOK_URL is not a URL/);
  });
});
