// The JobQueue contract as one behavioural suite, run against every backend (SQLite, Redis), plus the helpers the
// Redis-backed test files share.
import { Socket } from "node:net";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toRecord, type JobQueue } from "../../../src/queue/types.js";

export interface QueueHarness {
  queue: JobQueue;
  /** Another handle on the same queue, as a second process would open it (the same object when embedded). */
  peer: JobQueue;
  /** The lease the suite claims with. */
  leaseMs: number;
  /** The time as the queue sees it. */
  now(): number;
  /** Lets `ms` pass: a fake clock moves, a real one is waited for. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Claims until a job comes (a backend may notice an expired lease a moment after it expired). */
export async function claimEventually(queue: JobQueue, workerId: string, leaseMs: number, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lease = await queue.claim(workerId, leaseMs);
    if (lease || Date.now() > deadline) return lease;
    await sleep(25);
  }
}

export function describeJobQueueContract(
  name: string,
  setup: () => Promise<QueueHarness>,
  options: { skip?: boolean } = {},
): void {
  (options.skip ? describe.skip : describe)(`${name} (JobQueue contract)`, () => {
    let harness: QueueHarness;
    beforeEach(async () => {
      harness = await setup();
    });
    afterEach(async () => {
      await harness.close();
    });

    it("keeps one active job per (repo, issue)", async () => {
      const { queue } = harness;
      const first = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const second = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" });
      const other = await queue.enqueue({ repo: "o/r", issue: 2, trigger: "label" });
      expect(first.status).toBe("enqueued");
      expect(second).toEqual({ status: "already_active", job: first.job });
      expect(other.status).toBe("enqueued");
      expect((await queue.list()).length).toBe(2);
    });

    it("gives racing enqueues for one issue (from two handles) a single job", async () => {
      const { queue, peer } = harness;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 ? peer : queue).enqueue({ repo: "o/r", issue: 7, trigger: index % 2 ? "comment" : "label" }),
        ),
      );
      const enqueued = results.filter((result) => result.status === "enqueued");
      expect(enqueued).toHaveLength(1);
      const id = enqueued[0]?.job.id;
      expect(results.every((result) => result.job.id === id)).toBe(true);
      expect(await queue.list({ repo: "o/r" })).toHaveLength(1);
      expect(await queue.counts()).toMatchObject({ queued: 1 });
    });

    it("moves a job queued → running → succeeded with attempts, checkpoints and outcome", async () => {
      const { queue, leaseMs } = harness;
      const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label", installationId: 7, actor: "octocat" });
      expect(job).toMatchObject({ state: "queued", step: "queued", attempts: 0, command: "fix", data: {} });
      const lease = await queue.claim("w1", leaseMs);
      expect(lease?.job).toMatchObject({ id: job.id, state: "running", attempts: 1, installationId: 7, actor: "octocat" });
      expect(await queue.claim("w2", leaseMs)).toBeUndefined();
      await queue.checkpoint(lease!, { step: "planning", data: { commentId: 5 } });
      await queue.checkpoint(lease!, { step: "coding", data: { plan: { steps: [] } }, tokens: 40 });
      expect(lease?.job).toMatchObject({ step: "coding", data: { commentId: 5, plan: { steps: [] } } });
      expect(await queue.get(job.id)).toMatchObject({ state: "running", step: "coding", tokens: 40 });
      expect(await queue.heartbeat(lease!, leaseMs)).toEqual({ ok: true, cancelRequested: false });
      const done = await queue.complete(lease!, { prUrl: "https://x/pull/2", checks: "passed", tokens: 1234 });
      expect(done).toMatchObject({ state: "succeeded", step: "done", prUrl: "https://x/pull/2", checks: "passed", tokens: 1234 });
      expect(done?.data).toEqual({ commentId: 5, plan: { steps: [] } });
      expect(done?.error).toBeUndefined();
      expect(Object.keys(toRecord(done!)).sort()).toEqual(
        ["id", "repo", "issue", "trigger", "state", "step", "attempts", "createdAt", "updatedAt", "prUrl", "checks", "tokens"].sort(),
      );
      expect(Date.parse(done!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(done!.createdAt));
      expect(await queue.counts()).toMatchObject({ succeeded: 1, queued: 0, running: 0 });
    });

    it("records every trigger as given, api (the programmatic API) included, from a claim to the public record", async () => {
      const { queue, peer, leaseMs } = harness;
      const triggers = ["label", "assign", "comment", "poll", "retry", "api", "review", "ci"] as const;
      for (const [index, trigger] of triggers.entries()) await queue.enqueue({ repo: "o/triggers", issue: index + 1, trigger, actor: "api" });
      const listed = await peer.list({ repo: "o/triggers" });
      expect(listed.map((job) => toRecord(job).trigger).sort()).toEqual([...triggers].sort());
      const api = listed.find((job) => job.trigger === "api");
      expect((await peer.get(api?.id ?? ""))?.trigger).toBe("api");
      let lease = await queue.claim("w", leaseMs);
      while (lease && lease.job.trigger !== "api") {
        await queue.complete(lease, {});
        lease = await queue.claim("w", leaseMs);
      }
      expect(lease?.job).toMatchObject({ trigger: "api", actor: "api", state: "running" });
    });

    it("keeps the step summary of a succeeded job", async () => {
      const { queue, leaseMs } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label", command: "plan" });
      const lease = await queue.claim("w", leaseMs);
      expect(lease?.job.command).toBe("plan");
      expect(await queue.complete(lease!, { summary: "plan posted", checks: "none" })).toMatchObject({
        state: "succeeded",
        step: "plan posted",
        checks: "none",
      });
    });

    it("reclaims a job whose lease expired (the worker died) and counts the attempt", async () => {
      const { queue, leaseMs, advance } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lost = await queue.claim("remote-host:1:a", leaseMs);
      expect(await queue.claim("w2", leaseMs)).toBeUndefined();
      await advance(leaseMs + 1);
      const again = await claimEventually(queue, "w2", leaseMs);
      expect(again?.job).toMatchObject({ id: lost?.job.id, attempts: 2 });
      // The dead worker can no longer extend, write or finish it.
      expect((await queue.heartbeat(lost!, leaseMs)).ok).toBe(false);
      await queue.checkpoint(lost!, { data: { stale: true } });
      expect((await queue.get(again!.job.id))?.data).toEqual({});
      expect((await queue.complete(lost!, {}))?.state).toBe("running");
      expect((await queue.complete(again!, {}))?.state).toBe("succeeded");
    });

    it("reclaims at once a job held by a dead process on this host", async () => {
      const { queue, leaseMs } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      await queue.claim(`${hostname()}:999999999:x`, 3_600_000);
      const again = await queue.claim("w2", leaseMs);
      expect(again?.job.attempts).toBe(2);
    });

    it("re-queues with run_after on a transient failure, then fails for good", async () => {
      const { queue, leaseMs, now, advance } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      const retryAt = new Date(now() + 400);
      const waiting = await queue.fail(lease!, "GitHub 502", { retryAt });
      expect(waiting).toMatchObject({ state: "queued", error: "GitHub 502", runAfter: retryAt.toISOString() });
      expect(await queue.claim("w", leaseMs)).toBeUndefined();
      expect((await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" })).status).toBe("already_active");
      await advance(400);
      const second = await claimEventually(queue, "w", leaseMs);
      expect(second?.job).toMatchObject({ attempts: 2, state: "running" });
      expect(await queue.fail(second!, "bad")).toMatchObject({ state: "failed", error: "bad" });
      expect((await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" })).status).toBe("enqueued");
    });

    it("cancels a queued job at once and asks a running one to stop", async () => {
      const { queue, leaseMs } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      expect(await queue.cancel("o/r", 1)).toMatchObject({ state: "cancelled", step: "cancelled", error: "cancelled by /venom cancel" });
      expect(await queue.claim("w", leaseMs)).toBeUndefined();
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      await queue.checkpoint(lease!, { step: "coding" });
      expect((await queue.cancel("o/r", 1))?.state).toBe("running");
      expect(await queue.heartbeat(lease!, leaseMs)).toEqual({ ok: true, cancelRequested: true });
      expect(await queue.markCancelled(lease!, "cancelled")).toMatchObject({ state: "cancelled", step: "coding", error: "cancelled" });
      expect(await queue.cancel("o/r", 1)).toBeUndefined();
      expect(await queue.counts()).toMatchObject({ cancelled: 2, failed: 0, queued: 0, running: 0 });
    });

    it("cancels a job waiting for its retry time", async () => {
      const { queue, leaseMs, now } = harness;
      await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      await queue.fail(lease!, "GitHub 502", { retryAt: new Date(now() + 60_000) });
      expect(await queue.cancel("o/r", 1, "not needed")).toMatchObject({ state: "cancelled", error: "not needed" });
      expect((await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" })).status).toBe("enqueued");
    });

    it("retries only finished jobs, keeping their checkpoints", async () => {
      const { queue, leaseMs } = harness;
      const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      expect(await queue.retry({ id: job.id })).toBeUndefined();
      const lease = await queue.claim("w", leaseMs);
      expect(await queue.retry({ repo: "o/r", issue: 1 })).toBeUndefined();
      await queue.checkpoint(lease!, { data: { prNumber: 3 } });
      await queue.fail(lease!, "boom");
      const retried = await queue.retry({ repo: "o/r", issue: 1 });
      expect(retried).toMatchObject({ id: job.id, state: "queued", trigger: "retry", attempts: 0, data: { prNumber: 3 } });
      expect(retried?.error).toBeUndefined();
      expect(await queue.retry({ id: job.id })).toBeUndefined();
      expect(await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" })).toMatchObject({
        status: "already_active",
        job: { id: job.id },
      });
      const again = await queue.claim("w", leaseMs);
      expect(again?.job).toMatchObject({ id: job.id, attempts: 1, data: { prNumber: 3 } });
      expect(await queue.complete(again!, { prUrl: "https://x/pull/3" })).toMatchObject({ state: "succeeded", trigger: "retry" });
    });

    it("retries a succeeded or cancelled job, but not while another job of the issue is active", async () => {
      const { queue, leaseMs } = harness;
      const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      await queue.complete(lease!, { prUrl: "https://x/pull/9", checks: "failed" });
      const newer = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" });
      expect(await queue.retry({ id: job.id })).toBeUndefined();
      await queue.cancel("o/r", 1);
      expect(await queue.retry({ repo: "o/r", issue: 1 })).toMatchObject({ id: newer.job.id, state: "queued" });
      await queue.cancel("o/r", 1);
      expect(await queue.retry({ id: job.id })).toMatchObject({
        id: job.id,
        state: "queued",
        step: "queued",
        prUrl: "https://x/pull/9",
        checks: "failed",
      });
      expect(await queue.counts()).toMatchObject({ queued: 1, cancelled: 1, succeeded: 0 });
    });

    it("lists newest first with filters, and finds an issue's latest job", async () => {
      const { queue, leaseMs } = harness;
      const first = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      await queue.fail(lease!, "boom");
      const second = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "comment" });
      const third = await queue.enqueue({ repo: "o/r", issue: 2, trigger: "poll" });
      const fourth = await queue.enqueue({ repo: "x/y", issue: 1, trigger: "assign" });
      const ids = (jobs: Array<{ id: string }>) => jobs.map((job) => job.id);
      expect(ids(await queue.list())).toEqual([fourth.job.id, third.job.id, second.job.id, first.job.id]);
      expect(ids(await queue.list({ limit: 2 }))).toEqual([fourth.job.id, third.job.id]);
      expect(ids(await queue.list({ repo: "o/r" }))).toEqual([third.job.id, second.job.id, first.job.id]);
      expect(ids(await queue.list({ state: "failed" }))).toEqual([first.job.id]);
      expect(ids(await queue.list({ state: "queued", repo: "x/y" }))).toEqual([fourth.job.id]);
      expect((await queue.latest("o/r", 1))?.id).toBe(second.job.id);
      expect(await queue.latest("o/r", 99)).toBeUndefined();
      expect(await queue.get("no-such-job")).toBeUndefined();
      expect(await queue.get(first.job.id)).toMatchObject({ state: "failed", error: "boom", trigger: "label" });
    });

    it("pages a listing with offset and filters, counts it, and lists summaries without the run trace", async () => {
      const { queue, peer, leaseMs } = harness;
      const failed = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
      const lease = await queue.claim("w", leaseMs);
      await queue.checkpoint(lease!, { data: { costUsd: 0.25, trace: { toolCalls: [{ name: "read_file" }] } } });
      await queue.fail(lease!, "boom");
      const queued: string[] = [];
      for (let issue = 2; issue <= 6; issue += 1) queued.push((await queue.enqueue({ repo: "o/r", issue, trigger: "label" })).job.id);
      const other = await queue.enqueue({ repo: "x/y", issue: 1, trigger: "assign" });
      const ids = (jobs: Array<{ id: string }>) => jobs.map((job) => job.id);
      const newest = [...queued].reverse();
      expect(ids(await peer.list({ limit: 2, offset: 1 }))).toEqual(newest.slice(0, 2));
      expect(ids(await peer.list({ repo: "o/r", limit: 2, offset: 4 }))).toEqual([newest[4], failed.job.id]);
      expect(ids(await peer.list({ state: "queued", repo: "o/r", limit: 2, offset: 3 }))).toEqual(newest.slice(3, 5));
      expect(ids(await peer.list({ state: "queued", limit: 2, offset: 0 }))).toEqual([other.job.id, newest[0]]);
      expect(await peer.list({ state: "queued", offset: 50 })).toEqual([]);
      expect(await peer.count()).toBe(7);
      expect(await peer.count({ repo: "o/r" })).toBe(6);
      expect(await peer.count({ state: "queued" })).toBe(6);
      expect(await peer.count({ state: "failed", repo: "o/r" })).toBe(1);
      expect(await peer.count({ state: "failed", repo: "x/y" })).toBe(0);
      const [summary] = await peer.list({ state: "failed", summary: true });
      expect(summary).toMatchObject({ id: failed.job.id, state: "failed", error: "boom", data: { costUsd: 0.25 } });
      expect(summary?.data.trace).toBeUndefined();
      expect(toRecord(summary!)).toEqual(toRecord((await peer.get(failed.job.id))!));
    });

    it("appends audit items to a job's data in any state, keeping the newest", async () => {
      const { queue, peer } = harness;
      const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label", data: { commentId: 7 } });
      for (let n = 1; n <= 4; n += 1) await peer.appendData(job.id, "actions", { at: `t${n}`, action: "retry", by: "dashboard" }, 3);
      const updated = await queue.get(job.id);
      expect(updated?.data.actions).toEqual([2, 3, 4].map((n) => ({ at: `t${n}`, action: "retry", by: "dashboard" })));
      expect(updated?.data.commentId).toBe(7);
      expect(updated?.state).toBe("queued");
      expect(await queue.appendData("no-such-job", "actions", { at: "t" }, 3)).toBeUndefined();
    });

    it("remembers a one-time key until it expires, across handles, and forgets it on request", async () => {
      const { queue, peer, advance } = harness;
      expect(await queue.rememberOnce("comment:o/r#1", 400)).toBe(true);
      expect(await peer.rememberOnce("comment:o/r#1", 400)).toBe(false);
      expect(await queue.rememberOnce("comment:o/r#2", 400)).toBe(true);
      await advance(401);
      expect(await peer.rememberOnce("comment:o/r#1", 60_000)).toBe(true);
      expect(await queue.rememberOnce("comment:o/r#1", 60_000)).toBe(false);
      await queue.forgetOnce("comment:o/r#1");
      expect(await peer.rememberOnce("comment:o/r#1", 60_000)).toBe(true);
    });

    it("gives exactly one of several racing callers a one-time key", async () => {
      const { queue, peer } = harness;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 ? peer : queue).rememberOnce("label:o/r#7:venom:2019-05-15T15:20:18Z", 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("keeps pending items per issue in arrival order, across handles, until they are taken once", async () => {
      const { queue, peer } = harness;
      expect(await queue.takePending("o/r", 1)).toEqual([]);
      await queue.appendPending("o/r", 1, { kind: "review", body: "first" });
      await peer.appendPending("o/r", 1, { kind: "review", body: "second", inlineComments: [{ id: 5, path: "a.ts" }] });
      await queue.appendPending("o/r", 2, { kind: "ci", headSha: "abc" });
      expect(await peer.listPending("o/r", 1)).toHaveLength(2);
      const taken = await Promise.all([queue.takePending("o/r", 1), peer.takePending("o/r", 1)]);
      expect(taken.flat()).toEqual([
        { kind: "review", body: "first" },
        { kind: "review", body: "second", inlineComments: [{ id: 5, path: "a.ts" }] },
      ]);
      expect(taken.filter((items) => items.length > 0)).toHaveLength(1);
      expect(await queue.listPending("o/r", 1)).toEqual([]);
      expect(await peer.takePending("o/r", 2)).toEqual([{ kind: "ci", headSha: "abc" }]);
    });

    it("counts jobs in every state", async () => {
      const { queue, leaseMs } = harness;
      for (const issue of [1, 2, 3, 4, 5]) await queue.enqueue({ repo: "o/r", issue, trigger: "label" });
      const one = await queue.claim("w", leaseMs);
      const two = await queue.claim("w", leaseMs);
      await queue.claim("w", leaseMs);
      await queue.complete(one!, {});
      await queue.fail(two!, "boom");
      await queue.cancel("o/r", 5);
      expect(await queue.counts()).toEqual({ queued: 1, running: 1, succeeded: 1, failed: 1, cancelled: 1 });
    });
  });
}

export const TEST_REDIS_URL = "redis://127.0.0.1:6379";

function pingRedis(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (chunk) => done(chunk.toString().startsWith("+PONG")));
    socket.connect(port, host, () => socket.write("PING\r\n"));
  });
}

/**
 * Whether the test Redis (127.0.0.1:6379) answers. When it does not, the suite is skipped with a visible
 * warning — unless VENOM_REQUIRE_REDIS=1 (CI), where that is an error.
 */
export async function redisForTests(suite: string): Promise<boolean> {
  if (await pingRedis("127.0.0.1", 6379, 1_000)) return true;
  if (process.env.VENOM_REQUIRE_REDIS === "1") {
    throw new Error(`Redis not reachable at 127.0.0.1:6379, and VENOM_REQUIRE_REDIS=1 requires the ${suite} tests to run`);
  }
  console.warn(`Redis not reachable at 127.0.0.1:6379 — skipping ${suite} tests`);
  return false;
}

/** Deletes every key under a test run's prefix. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
}
