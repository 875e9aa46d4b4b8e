import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { transientError } from "../../../src/errors.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import type { JobState } from "../../../src/queue/types.js";
import { Worker, type JobHandler } from "../../../src/queue/worker.js";

async function setup(handler: JobHandler, options: { gate?: { allowStart(): boolean }; leaseMs?: number } = {}) {
  const queue = new SqliteJobQueue(openDatabase(":memory:"));
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const finished: string[] = [];
  const worker = new Worker({
    queue,
    handler,
    log,
    leaseMs: 300,
    idlePollMs: 20,
    onFinished: (job) => finished.push(`${job.id}:${job.state}`),
    ...options,
  });
  return { queue, worker, finished };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i += 1) await sleep(20);
}

describe("Worker", () => {
  it("runs a job to success and records checkpoints", async () => {
    const { queue, worker, finished } = await setup(async ({ checkpoint }) => {
      await checkpoint({ step: "planning", data: { plan: "x" } });
      return { prUrl: "https://example/pull/1", checks: "passed", tokens: 10 };
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "succeeded");
    await worker.stop();
    expect(await queue.get(job.id)).toMatchObject({ state: "succeeded", prUrl: "https://example/pull/1", data: { plan: "x" } });
    expect(finished).toEqual([`${job.id}:succeeded`]);
  });

  it("ends a job that decided not to run (its trigger no longer holds) cancelled, with the reason as its error", async () => {
    const { queue, worker, finished } = await setup(async () => ({ cancelled: "trigger no longer holds: label venom removed" }));
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "cancelled");
    await worker.stop();
    expect(await queue.get(job.id)).toMatchObject({ state: "cancelled", error: "trigger no longer holds: label venom removed" });
    expect(finished).toEqual([`${job.id}:cancelled`]);
  });

  it("re-queues a transient failure with its Retry-After and fails a permanent one", async () => {
    let calls = 0;
    const { queue, worker } = await setup(async () => {
      calls += 1;
      if (calls === 1) throw transientError("GitHub said slow down", { retryAfterSeconds: 0 });
      throw new Error("the issue has no body");
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "failed");
    await worker.stop();
    expect(calls).toBe(2);
    expect(await queue.get(job.id)).toMatchObject({ state: "failed", attempts: 2, error: "the issue has no body" });
  });

  it("aborts a running job on /venom cancel", async () => {
    const { queue, worker } = await setup(async ({ signal }) => {
      await sleep(10_000, undefined, { signal });
      return {};
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "running");
    await queue.cancel("o/r", 1);
    await until(async () => (await queue.get(job.id))?.state === "cancelled");
    await worker.stop();
    expect((await queue.get(job.id))?.state).toBe("cancelled");
  });

  it("stops a running job at once when told a cancel was requested (the dashboard), not at the next heartbeat", async () => {
    const { queue, worker } = await setup(
      async ({ signal }) => {
        await sleep(10_000, undefined, { signal });
        return {};
      },
      { leaseMs: 60_000 },
    );
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "running");
    await queue.cancel("o/r", 1);
    const asked = Date.now();
    worker.checkCancellation(job.id);
    await until(async () => (await queue.get(job.id))?.state === "cancelled");
    await worker.stop();
    expect((await queue.get(job.id))?.state).toBe("cancelled");
    // The heartbeat comes every 20 s with this lease: the cancel did not wait for it.
    expect(Date.now() - asked).toBeLessThan(3_000);
  });

  it("leaves a job interrupted by shutdown queued for the next start", async () => {
    const { queue, worker } = await setup(async ({ signal }) => {
      await sleep(10_000, undefined, { signal });
      return {};
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await until(async () => (await queue.get(job.id))?.state === "running");
    await worker.stop();
    expect((await queue.get(job.id))?.state).toBe("queued" satisfies JobState);
  });

  it("starts nothing while the gate is closed; jobs wait in the queue", async () => {
    let open = false;
    const { queue, worker } = await setup(async () => ({}), { gate: { allowStart: () => open } });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    await sleep(100);
    expect((await queue.get(job.id))?.state).toBe("queued");
    open = true;
    await until(async () => (await queue.get(job.id))?.state === "succeeded");
    await worker.stop();
    expect((await queue.get(job.id))?.state).toBe("succeeded");
  });
});
