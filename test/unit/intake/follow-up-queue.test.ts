import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ReviewFeedback } from "../../../src/github/follow-up-feedback.js";
import { enqueueFollowUp, followPending } from "../../../src/intake/follow-up-queue.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";

const log = pino({ level: "silent" });

function feedback(body: string): ReviewFeedback {
  return { kind: "review", prNumber: 3, body, author: "octocat", inlineComments: [] };
}

describe("follow-up rounds, one at a time per issue", () => {
  it("queues a round, keeps requests arriving while it is active, and makes them the next round after it", async () => {
    const queue = new SqliteJobQueue(openDatabase(":memory:"));
    const options = { queue, log };
    const first = await enqueueFollowUp({ repo: "o/r", issue: 7, trigger: "review", feedback: feedback("one"), actor: "octocat", installationId: 5 }, options);
    expect(first).toMatchObject({ kind: "enqueued", job: { trigger: "review", data: { followUp: [feedback("one")] } } });
    const lease = await queue.claim("w", 60_000);
    const second = await enqueueFollowUp({ repo: "o/r", issue: 7, trigger: "ci", feedback: { kind: "ci", prNumber: 3, headSha: "abc", failures: [] }, actor: "bot" }, options);
    await enqueueFollowUp({ repo: "o/r", issue: 7, trigger: "review", feedback: feedback("two"), actor: "octocat" }, options);
    expect(second).toEqual({ kind: "pending", jobId: lease?.job.id });
    // Still running: nothing new yet.
    expect(await followPending({ repo: "o/r", issue: 7 }, options)).toBeUndefined();
    const finished = await queue.complete(lease!, {});
    const next = await followPending(finished!, options);
    expect(next).toMatchObject({ trigger: "review", actor: "octocat", installationId: 5, state: "queued" });
    expect(next?.data.followUp).toEqual([{ kind: "ci", prNumber: 3, headSha: "abc", failures: [] }, feedback("two")]);
    expect(await queue.listPending("o/r", 7)).toEqual([]);
    expect(await followPending(finished!, options)).toBeUndefined();
  });
});
