import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../../src/queue/sqlite-inbox.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import { describeJobQueueContract } from "./queue-contract.js";

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const db = openDatabase(":memory:");
  return {
    queue: new SqliteJobQueue(db, { clock }),
    inbox: new SqliteInbox(db, { clock }),
    advance: (ms: number) => (now += ms),
  };
}

describe("SqliteJobQueue", () => {
  it("keeps one active job per (repo, issue)", async () => {
    const { queue } = setup();
    const first = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const second = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" });
    const other = await queue.enqueue({ repo: "o/r", issue: 2, trigger: "label" });
    expect(first.status).toBe("enqueued");
    expect(second).toEqual({ status: "already_active", job: first.job });
    expect(other.status).toBe("enqueued");
    expect((await queue.list()).length).toBe(2);
  });

  it("moves a job queued → running → succeeded with attempts and outcome", async () => {
    const { queue } = setup();
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label", installationId: 7 });
    const lease = await queue.claim("w1", 60_000);
    expect(lease?.job).toMatchObject({ id: job.id, state: "running", attempts: 1, installationId: 7 });
    expect(await queue.claim("w2", 60_000)).toBeUndefined();
    await queue.checkpoint(lease!, { step: "planning", data: { commentId: 5 } });
    const done = await queue.complete(lease!, { prUrl: "https://x/pull/2", checks: "passed", tokens: 1234 });
    expect(done).toMatchObject({ state: "succeeded", prUrl: "https://x/pull/2", checks: "passed", tokens: 1234 });
    expect(done?.data).toEqual({ commentId: 5 });
    expect(await queue.counts()).toMatchObject({ succeeded: 1, queued: 0, running: 0 });
  });

  it("reclaims a job whose lease expired (the worker died) and counts the attempt", async () => {
    const { queue, advance } = setup();
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const lost = await queue.claim("remote-host:1:a", 1_000);
    expect(await queue.claim("w2", 1_000)).toBeUndefined();
    advance(1_001);
    const again = await queue.claim("w2", 1_000);
    expect(again?.job).toMatchObject({ id: lost?.job.id, attempts: 2 });
    // The dead worker can no longer finish it.
    expect((await queue.complete(lost!, {}))?.state).toBe("running");
    expect((await queue.complete(again!, {}))?.state).toBe("succeeded");
  });

  it("reclaims at once a job held by a dead process on this host", async () => {
    const { queue } = setup();
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const hostname = (await import("node:os")).hostname();
    await queue.claim(`${hostname}:999999999:x`, 3_600_000);
    const again = await queue.claim("w2", 1_000);
    expect(again?.job.attempts).toBe(2);
  });

  it("re-queues with run_after on a transient failure, then fails for good", async () => {
    const { queue, advance } = setup();
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const lease = await queue.claim("w", 1_000);
    const waiting = await queue.fail(lease!, "GitHub 502", { retryAt: new Date(1_000_000 + 30_000) });
    expect(waiting).toMatchObject({ state: "queued", error: "GitHub 502" });
    expect(await queue.claim("w", 1_000)).toBeUndefined();
    advance(30_000);
    const second = await queue.claim("w", 1_000);
    expect(second?.job.attempts).toBe(2);
    expect(await queue.fail(second!, "bad")).toMatchObject({ state: "failed", error: "bad" });
  });

  it("cancels a queued job at once and asks a running one to stop", async () => {
    const { queue } = setup();
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    expect(await queue.cancel("o/r", 1)).toMatchObject({ state: "cancelled" });
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const lease = await queue.claim("w", 60_000);
    expect((await queue.cancel("o/r", 1))?.state).toBe("running");
    expect(await queue.heartbeat(lease!, 60_000)).toEqual({ ok: true, cancelRequested: true });
    expect(await queue.markCancelled(lease!, "cancelled")).toMatchObject({ state: "cancelled" });
    expect(await queue.cancel("o/r", 1)).toBeUndefined();
  });

  it("retries only finished jobs, keeping their checkpoints", async () => {
    const { queue } = setup();
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    expect(await queue.retry({ id: job.id })).toBeUndefined();
    const lease = await queue.claim("w", 60_000);
    await queue.checkpoint(lease!, { data: { prNumber: 3 } });
    await queue.fail(lease!, "boom");
    const retried = await queue.retry({ repo: "o/r", issue: 1 });
    expect(retried).toMatchObject({ id: job.id, state: "queued", trigger: "retry", attempts: 0, data: { prNumber: 3 } });
    expect(retried?.error).toBeUndefined();
  });

  it("persists across reopen (WAL file under the data dir)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "venom-queue-"));
    const first = new SqliteJobQueue(openDatabase(dir), { ownsDb: true });
    const { job } = await first.enqueue({ repo: "o/r", issue: 9, trigger: "poll" });
    await first.close();
    const second = new SqliteJobQueue(openDatabase(dir), { ownsDb: true });
    expect(await second.get(job.id)).toMatchObject({ repo: "o/r", issue: 9, state: "queued", trigger: "poll" });
    await second.close();
  });
});

describe("SqliteInbox", () => {
  it("accepts a delivery id once and keeps it for deduplication after processing", async () => {
    const { inbox, advance } = setup();
    const delivery = { id: "d-1", name: "issues", payload: "{}", receivedAt: 1_000_000 };
    expect(await inbox.accept(delivery)).toBe(true);
    expect(await inbox.accept(delivery)).toBe(false);
    expect(inbox.pending().map((item) => item.id)).toEqual(["d-1"]);
    inbox.markProcessed("d-1", "enqueued");
    expect(inbox.pending()).toEqual([]);
    expect(await inbox.accept(delivery)).toBe(false);
    advance(10 * 86_400_000);
    expect(inbox.prune(7 * 86_400_000)).toBe(1);
  });

  it("commits a burst of deliveries in one group and tells duplicates inside the burst apart", async () => {
    const { inbox } = setup();
    const results = await Promise.all(
      ["a", "b", "a", "c"].map((id) => inbox.accept({ id, name: "issues", payload: "{}", receivedAt: 1 })),
    );
    expect(results).toEqual([true, true, false, true]);
    expect(await inbox.accept({ id: "ping", name: "ping", payload: "", receivedAt: 1 }, { processed: "not a trigger" })).toBe(true);
    expect(inbox.pending().map((item) => item.id)).toEqual(["a", "b", "c"]);
  });
});

describeJobQueueContract("SqliteJobQueue", async () => {
  let now = 1_000_000;
  const queue = new SqliteJobQueue(openDatabase(":memory:"), { clock: { now: () => now }, ownsDb: true });
  return {
    queue,
    peer: queue,
    leaseMs: 1_000,
    now: () => now,
    advance: async (ms) => {
      now += ms;
    },
    close: () => queue.close(),
  };
});

describe("SqliteJobQueue one-time keys", () => {
  it("keeps them across a restart, and prunes expired ones", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-once-"));
    let now = 1_000_000;
    const clock = { now: () => now };
    const first = new SqliteJobQueue(openDatabase(dataDir), { clock, ownsDb: true });
    expect(await first.rememberOnce("comment:o/r#5", 7 * 86_400_000)).toBe(true);
    expect(await first.rememberOnce("comment:o/r#6", 1_000)).toBe(true);
    await first.close();
    const db = openDatabase(dataDir);
    const second = new SqliteJobQueue(db, { clock });
    expect(await second.rememberOnce("comment:o/r#5", 7 * 86_400_000)).toBe(false);
    now += 120_000;
    expect(await second.rememberOnce("comment:o/r#7", 1_000)).toBe(true);
    expect(db.prepare("SELECT key FROM once_keys ORDER BY key").pluck().all()).toEqual(["comment:o/r#5", "comment:o/r#7"]);
    db.close();
  });
});
