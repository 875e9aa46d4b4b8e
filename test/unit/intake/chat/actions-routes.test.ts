// The two chat routes over real HTTP: signatures checked before anything, replays refused, answers in each platform's shape.
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ChatActions } from "../../../../src/intake/chat/chat-actions.js";
import { slackSignature } from "../../../../src/intake/chat/slack-signature.js";
import { createSlackActionsRoute } from "../../../../src/intake/chat/slack-actions-route.js";
import { teamsAuthorization } from "../../../../src/intake/chat/teams-signature.js";
import { createTeamsActionsRoute } from "../../../../src/intake/chat/teams-actions-route.js";
import { PermissionCache } from "../../../../src/github/permissions.js";
import { createHttpServer, listen } from "../../../../src/http/server.js";
import { createLogger } from "../../../../src/log.js";
import { openDatabase } from "../../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../../src/queue/sqlite-queue.js";

const signingSecret = "slack-signing-secret-for-tests";
const teamsSecret = Buffer.from("teams outgoing webhook secret").toString("base64");
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start() {
  const queue = new SqliteJobQueue(openDatabase(":memory:"));
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const actions = new ChatActions({
    queue,
    permissions: new PermissionCache(),
    requestFor: async () => async (_route, { username }) => ({ data: { permission: username === "ana" ? "admin" : "read" } }),
    isPlanOnly: () => false,
    record: async () => undefined,
    log,
  });
  const replies: Array<{ url: string; text: string }> = [];
  const server = createHttpServer(
    [
      createSlackActionsRoute({
        signingSecret,
        users: { UANA: "ana", URITA: "rita" },
        actions,
        rememberOnce: (key, ttl) => queue.rememberOnce(key, ttl),
        reply: async (url, text) => void replies.push({ url, text }),
        log,
      }),
      createTeamsActionsRoute({ secret: teamsSecret, users: { "aad-ana": "ana" }, actions, rememberOnce: (key, ttl) => queue.rememberOnce(key, ttl), log }),
    ],
    log,
  );
  await listen(server, 0, "127.0.0.1");
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { job } = await queue.enqueue({ repo: "octo/calc", issue: 3, trigger: "label", command: "fix" });
  return { queue, url, job, replies };
}

function slackForm(user: string, action: string, value: string): string {
  const payload = { type: "block_actions", user: { id: user }, response_url: "https://hooks.slack.com/actions/1", actions: [{ action_id: action, value }] };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

async function postSlack(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${url}/venom/slack/actions`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
  return { status: response.status, body: (await response.json()) as { text?: string; error?: string } };
}

function signed(body: string, timestamp = String(Math.floor(Date.now() / 1000))): Record<string, string> {
  return { "x-slack-request-timestamp": timestamp, "x-slack-signature": slackSignature(signingSecret, timestamp, body) };
}

describe("POST /venom/slack/actions", () => {
  it("acts for a mapped writer, and refuses the same signed request replayed", async () => {
    const { url, job, queue, replies } = await start();
    const body = slackForm("UANA", "cancel", job.id);
    const headers = signed(body);
    const first = await postSlack(url, body, headers);
    expect(first).toMatchObject({ status: 200, body: { response_type: "ephemeral", text: expect.stringContaining("cancelled by slack:ana") } });
    expect((await queue.get(job.id))?.state).toBe("cancelled");
    expect(replies).toEqual([{ url: "https://hooks.slack.com/actions/1", text: first.body.text }]);
    expect((await postSlack(url, body, headers)).status).toBe(401);
  });

  it("refuses missing, wrong and stale signatures before reading the payload", async () => {
    const { url, job, queue } = await start();
    const body = slackForm("UANA", "cancel", job.id);
    expect((await postSlack(url, body, {})).status).toBe(401);
    expect((await postSlack(url, body, { ...signed(body), "x-slack-signature": slackSignature("wrong", String(Math.floor(Date.now() / 1000)), body) })).status).toBe(401);
    expect((await postSlack(url, body, signed(body, String(Math.floor(Date.now() / 1000) - 600)))).status).toBe(401);
    expect((await postSlack(url, `${body}&x=1`, signed(body))).status).toBe(401);
    expect((await queue.get(job.id))?.state).toBe("queued");
  });

  it("answers an unmapped user or a reader with 200 and acts on nothing", async () => {
    const { url, job, queue } = await start();
    const unmapped = slackForm("USTRANGER", "cancel", job.id);
    expect(await postSlack(url, unmapped, signed(unmapped))).toMatchObject({ status: 200, body: { text: expect.stringContaining("not mapped") } });
    const reader = slackForm("URITA", "cancel", job.id);
    expect(await postSlack(url, reader, signed(reader))).toMatchObject({ status: 200, body: { text: expect.stringContaining("needs write access") } });
    expect((await queue.get(job.id))?.state).toBe("queued");
  });

  it("answers 200 to the Open PR link button and 400 to a signed non-payload", async () => {
    const { url, job } = await start();
    const link = slackForm("UANA", "open_pr", job.id);
    expect((await postSlack(url, link, signed(link))).status).toBe(200);
    expect((await postSlack(url, "hello=1", signed("hello=1"))).status).toBe(400);
  });
});

describe("POST /venom/teams/actions", () => {
  const post = async (url: string, activity: Record<string, unknown>, authorization?: string) => {
    const body = JSON.stringify(activity);
    const response = await fetch(`${url}/venom/teams/actions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization === undefined ? { authorization: teamsAuthorization(teamsSecret, body) } : authorization ? { authorization } : {}) },
      body,
    });
    return { status: response.status, body: (await response.json()) as { type?: string; text?: string } };
  };

  it("acts on a signed command from a mapped writer and answers with a message", async () => {
    const { url, job, queue } = await start();
    const result = await post(url, { type: "message", id: "activity-1", text: "<at>Venom</at> cancel octo/calc#3", from: { id: "29:1", aadObjectId: "aad-ana" } });
    expect(result).toEqual({ status: 200, body: { type: "message", text: expect.stringContaining("cancelled by teams:ana") } });
    expect((await queue.get(job.id))?.state).toBe("cancelled");
  });

  it("refuses a missing or wrong HMAC, and a replayed activity", async () => {
    const { url, job, queue } = await start();
    const activity = { type: "message", id: "activity-2", text: "<at>Venom</at> cancel octo/calc#3", from: { aadObjectId: "aad-ana" } };
    expect((await post(url, activity, "")).status).toBe(401);
    expect((await post(url, activity, "HMAC bm90IHRoZSBzaWduYXR1cmUgYXQgYWxsLCBubyBubyBubw==")).status).toBe(401);
    expect((await queue.get(job.id))?.state).toBe("queued");
    expect((await post(url, activity)).status).toBe(200);
    expect((await post(url, activity)).status).toBe(401);
  });

  it("answers an unmapped sender and an unknown command with a message, acting on nothing", async () => {
    const { url, job, queue } = await start();
    expect((await post(url, { text: "<at>Venom</at> cancel octo/calc#3", from: { aadObjectId: "aad-x" } })).body.text).toContain("not mapped");
    expect((await post(url, { text: "<at>Venom</at> deploy", from: { aadObjectId: "aad-ana" } })).body.text).toContain("Unknown command");
    expect((await queue.get(job.id))?.state).toBe("queued");
  });
});
