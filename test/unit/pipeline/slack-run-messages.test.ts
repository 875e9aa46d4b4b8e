// One Slack message per run, through the real @slack/web-api client against a fake Slack: posted once, edited in place.
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log.js";
import { SlackRunMessages } from "../../../src/pipeline/slack-run-messages.js";
import { ObservedJobQueue } from "../../../src/queue/observed-queue.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import { createSlackChat } from "../../../src/skills/notify/slack-chat.js";
import { FakeSlack } from "../../support/fake-slack.js";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack.stop();
});

async function messagesFor(queue: ObservedJobQueue) {
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const messages = new SlackRunMessages({
    queue,
    chat: createSlackChat({ token: "xoxb-test", apiUrl: slack.apiUrl }),
    channel: "C0VENOM",
    webBaseUrl: "https://github.com",
    publicUrl: "https://venom.example.com",
    log,
  });
  const stop = queue.onChange((job) => messages.onChange(job));
  return { messages, stop };
}

const buttons = (args: Record<string, unknown> | undefined) =>
  ((args?.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value?: string; url?: string }> }>) ?? [])
    .filter((block) => block.type === "actions")
    .flatMap((block) => block.elements ?? []);

describe("SlackRunMessages", () => {
  it("posts once when the run is queued and edits that message as it runs and opens its PR", async () => {
    const queue = new ObservedJobQueue(new SqliteJobQueue(openDatabase(":memory:")));
    const { messages, stop } = await messagesFor(queue);
    const before = slack.calls.length;
    const { job } = await queue.enqueue({ repo: "octo/calc", issue: 3, trigger: "label", command: "fix" });
    await messages.idle();
    const lease = (await queue.claim("w", 60_000))!;
    await messages.idle();
    await queue.checkpoint(lease, { step: "code" });
    await messages.idle();
    await queue.complete(lease, { prUrl: "https://github.com/octo/calc/pull/9" });
    await messages.idle();
    stop();

    const calls = slack.calls.slice(before);
    expect(calls.filter((call) => call.method === "chat.postMessage")).toHaveLength(1);
    const posted = calls[0]!;
    expect(posted).toMatchObject({ method: "chat.postMessage", token: "xoxb-test", args: { channel: "C0VENOM" } });
    expect(buttons(posted.args).map((button) => button.action_id)).toEqual(["cancel"]);
    expect(buttons(posted.args)[0]?.value).toBe(job.id);
    const updates = calls.filter((call) => call.method === "chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(2);
    // Stored with the job: another process (or this one after a restart) edits the same message.
    const stored = (await queue.get(job.id))?.data.slackMessage as Array<{ channel: string; ts: string }>;
    expect(stored).toEqual([{ channel: "C0VENOM", ts: expect.stringMatching(/^\d+\.\d+$/) }]);
    expect(updates.every((call) => call.args.channel === "C0VENOM" && call.args.ts === stored[0]!.ts)).toBe(true);
    expect(updates.some((call) => String(call.args.text).includes("running"))).toBe(true);
    const last = updates[updates.length - 1]!;
    expect(last.args.text).toContain("pull request opened");
    expect(buttons(last.args).map((button) => button.action_id)).toEqual(["retry", "open_pr"]);
    expect(buttons(last.args)[1]?.url).toBe("https://github.com/octo/calc/pull/9");
    expect(JSON.stringify(last.args.blocks)).toContain(`https://venom.example.com/venom/jobs/${job.id}`);
  });

  it("after a restart, edits the stored message instead of posting again", async () => {
    const inner = new SqliteJobQueue(openDatabase(":memory:"));
    const first = new ObservedJobQueue(inner);
    const before = (await messagesFor(first)).messages;
    const { job } = await first.enqueue({ repo: "octo/calc", issue: 4, trigger: "label", command: "plan" });
    await before.idle();
    const stored = (await first.get(job.id))?.data.slackMessage as Array<{ channel: string; ts: string }>;

    // A new process: nothing in memory, the same database.
    const second = new ObservedJobQueue(inner);
    const { messages } = await messagesFor(second);
    const posts = slack.of("chat.postMessage").length;
    const lease = (await second.claim("w2", 60_000))!;
    await messages.idle();
    await second.complete(lease, {});
    await messages.idle();
    expect(slack.of("chat.postMessage")).toHaveLength(posts);
    const last = slack.of("chat.update").at(-1)!;
    expect(last.args).toMatchObject({ channel: "C0VENOM", ts: stored[0]!.ts });
    // A finished plan-only run offers its approval.
    expect(buttons(last.args).map((button) => button.action_id)).toEqual(["approve", "retry"]);
  });
});
