// Replays: the same signed event under new delivery ids is acted on once (official payloads, the real SQLite queue).
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { replayKey, slimPayload, type TriggerPayload } from "../../../src/intake/decide.js";
import { Intake, type IntakeEvent } from "../../../src/intake/intake.js";
import { PermissionCache, type PermissionRequest } from "../../../src/github/permissions.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import type { JobQueue } from "../../../src/queue/types.js";
import { example, type Payload } from "../../fixtures/webhooks.js";

const writer: PermissionRequest = async () => ({ data: { permission: "write", role_name: "write" } });

async function setup(queue: JobQueue = new SqliteJobQueue(openDatabase(":memory:"))) {
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const intake = new Intake({ queue, permissions: new PermissionCache(), settings: () => ({ triggerLabel: "venom" }), log });
  let deliveries = 0;
  // Each call is a new delivery id, carrying the payload as the inbox stores it.
  const handle = (name: string, payload: Payload) => {
    deliveries += 1;
    const event: IntakeEvent = { id: `delivery-${deliveries}`, name, payload: slimPayload(payload as TriggerPayload), request: writer };
    return intake.handleEvent(event);
  };
  return { queue, handle };
}

function labeled(updatedAt = "2019-05-15T15:20:18Z"): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, updated_at: updatedAt } as Payload["issue"];
  return payload;
}

function fixComment(id: number): Payload {
  const payload = example("issue_comment", "created");
  payload.comment = { ...payload.comment!, id, body: "/venom fix" } as Payload["comment"];
  payload.issue = { ...payload.issue, state: "open" };
  delete payload.issue.pull_request;
  return payload;
}

async function finish(queue: JobQueue, outcome: "succeeded" | "failed"): Promise<void> {
  const lease = await queue.claim("worker", 60_000);
  if (!lease) throw new Error("no job to finish");
  if (outcome === "succeeded") await queue.complete(lease, {});
  else await queue.fail(lease, "boom");
}

describe("replayed events", () => {
  it("runs a label event once, whatever its delivery id; a new label event (a later time) runs again", async () => {
    const { queue, handle } = await setup();
    expect((await handle("issues", labeled())).kind).toBe("enqueued");
    // A failed run is retried by labelling again, so only the replay key stands between a replay and a second run.
    await finish(queue, "failed");
    expect(await handle("issues", labeled())).toEqual({
      kind: "ignored",
      reason: "this comment, label or assignment was already acted on under another delivery id",
    });
    expect(await queue.list()).toHaveLength(1);
    expect((await handle("issues", labeled("2019-05-16T09:00:00Z"))).kind).toBe("enqueued");
    expect(await queue.list()).toHaveLength(2);
  });

  it("acts on a /venom comment once per comment id, even after its run finished", async () => {
    const { queue, handle } = await setup();
    expect((await handle("issue_comment", fixComment(11))).kind).toBe("enqueued");
    await finish(queue, "succeeded");
    expect((await handle("issue_comment", fixComment(11))).kind).toBe("ignored");
    expect(await queue.list()).toHaveLength(1);
    expect((await handle("issue_comment", fixComment(12))).kind).toBe("enqueued");
  });

  it("forgets the key when acting failed, so a retry of the delivery acts after all", async () => {
    const real = new SqliteJobQueue(openDatabase(":memory:"));
    let failNext = true;
    const flaky: JobQueue = Object.assign(Object.create(real) as JobQueue, {
      enqueue: async (request: Parameters<JobQueue["enqueue"]>[0]) => {
        if (failNext) {
          failNext = false;
          throw new Error("database is locked");
        }
        return real.enqueue(request);
      },
      rememberOnce: (key: string, ttlMs: number) => real.rememberOnce(key, ttlMs),
      forgetOnce: (key: string) => real.forgetOnce(key),
      latestStatus: (repo: string, issue: number) => real.latestStatus(repo, issue),
    });
    const { handle } = await setup(flaky);
    await expect(handle("issue_comment", fixComment(21))).rejects.toThrow("database is locked");
    expect((await handle("issue_comment", fixComment(21))).kind).toBe("enqueued");
  });

  it("keys comments by id and label events by (repo, issue, label, the issue's updated_at) from the official payloads", () => {
    const comment = slimPayload(fixComment(492700400) as TriggerPayload);
    expect(replayKey("issue_comment", comment)).toBe("comment:Codertocat/Hello-World#1:492700400");
    const label = slimPayload(example("issues", "labeled") as TriggerPayload);
    expect(replayKey("issues", label)).toBe("label:Codertocat/Hello-World#1:bug:2019-05-15T15:20:18Z");
    const assigned = slimPayload(example("issues", "assigned") as TriggerPayload);
    expect(replayKey("issues", assigned)).toBe("assign:Codertocat/Hello-World#1:codertocat:2019-05-15T15:20:18Z");
    expect(replayKey("issues", slimPayload(example("issues", "opened") as TriggerPayload))).toBeUndefined();
  });
});
