import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/errors.js";
import type { NotificationEvent } from "../../../../src/skills/notify/notifier.js";
import { createTeamsSender, teamsMessage } from "../../../../src/skills/notify/teams.js";
import { recordRequests } from "../nock-provider.js";

const event: NotificationEvent = {
  title: "Pull Request ready for review: octo/demo#12",
  message: "Fix the login form — checks passed",
  status: "success",
  url: "https://github.com/octo/demo/pull/34",
  prUrl: "https://github.com/octo/demo/pull/34",
  issueUrl: "https://github.com/octo/demo/issues/12",
  repo: "octo/demo",
  issue: 12,
};

// A Teams incoming webhook host, played by nock; any request nobody expects fails the test.
const TEAMS = "https://example.webhook.office.com";
const TEAMS_PATH = "/webhookb2/fake-teams/IncomingWebhook/fake/fake";
const TEAMS_URL = `${TEAMS}${TEAMS_PATH}`;

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

describe("createTeamsSender", () => {
  it("posts a message carrying an Adaptive Card", async () => {
    const requests = recordRequests(nock(TEAMS).post(TEAMS_PATH).reply(200, "1"));

    await createTeamsSender(TEAMS_URL)(event);

    const [request] = requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/webhookb2/fake-teams/IncomingWebhook/fake/fake");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: event.title, weight: "Bolder", size: "Medium", color: "Good", wrap: true },
              { type: "TextBlock", text: event.message, wrap: true },
              {
                type: "FactSet",
                facts: [
                  { title: "Repository", value: "[octo/demo](https://github.com/octo/demo)" },
                  { title: "Issue", value: "[#12](https://github.com/octo/demo/issues/12)" },
                  { title: "Pull request", value: "[#34](https://github.com/octo/demo/pull/34)" },
                ],
              },
            ],
            actions: [
              { type: "Action.OpenUrl", title: "Open pull request", url: "https://github.com/octo/demo/pull/34" },
              { type: "Action.OpenUrl", title: "Open issue", url: "https://github.com/octo/demo/issues/12" },
            ],
          },
        },
      ],
    });
  });

  it("leaves out facts and buttons it has nothing for", () => {
    const card = (teamsMessage({ title: "Venom test", message: "hello", status: "failure" }).attachments as Array<{ content: Record<string, unknown> }>)[0]?.content;
    expect(card?.body).toEqual([
      { type: "TextBlock", text: "Venom test", weight: "Bolder", size: "Medium", color: "Attention", wrap: true },
      { type: "TextBlock", text: "hello", wrap: true },
    ]);
    expect(card).not.toHaveProperty("actions");
  });

  it("throws with the status on a non-2xx answer", async () => {
    const send = createTeamsSender(TEAMS_URL);
    nock(TEAMS).post(TEAMS_PATH).reply(500, "internal_server_error").post(TEAMS_PATH).reply(404, "not_found");
    await expect(send(event)).rejects.toThrow(/^Teams webhook answered 500 Internal Server Error$/);
    await expect(send(event)).rejects.toThrow(/^Teams webhook answered 404 Not Found$/);
  });

  it("throws when a legacy connector reports a failure inside a 200", async () => {
    nock(TEAMS).post(TEAMS_PATH).reply(200, "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi");
    await expect(createTeamsSender(TEAMS_URL)(event)).rejects.toThrow(/^Teams webhook answered 429 \(reported in a 200 response\)$/);
  });

  it("gives up after the timeout", async () => {
    nock(TEAMS).post("/webhookb2/x").delay(60_000).reply(200, "1");
    const send = createTeamsSender(`${TEAMS}/webhookb2/x`, { timeoutMs: 300 });
    await expect(send(event)).rejects.toThrow(/^Teams webhook timed out after 0.3 s$/);
  });

  it("rejects a non-http URL with one line naming TEAMS_WEBHOOK_URL", () => {
    expect(() => createTeamsSender("file:///etc/passwd")).toThrow(ConfigError);
    expect(() => createTeamsSender("file:///etc/passwd")).toThrow(/^TEAMS_WEBHOOK_URL must be an http\(s\) URL/);
  });
});

describe("teamsMessage with VENOM_PUBLIC_URL", () => {
  it("links the dashboard's run page when the notification names its job", () => {
    const actionsOf = (message: Record<string, unknown>) =>
      ((message.attachments as Array<{ content: { actions?: Array<{ title: string; url: string }> } }>)[0]?.content.actions ?? []);
    const event = { title: "PR ready", message: "m", status: "success" as const, prUrl: "https://github.com/o/r/pull/2", jobId: "lq2x9abc12ef" };
    expect(actionsOf(teamsMessage(event, { publicUrl: "https://venom.example.com/" }))).toContainEqual({
      type: "Action.OpenUrl",
      title: "Open run in Venom",
      url: "https://venom.example.com/venom/jobs/lq2x9abc12ef",
    });
    expect(actionsOf(teamsMessage(event)).map((action) => action.title)).not.toContain("Open run in Venom");
  });
});
