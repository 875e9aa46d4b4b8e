import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { transientError } from "../../../src/errors.js";
import { createLogger } from "../../../src/log.js";
import { RedisJobQueue } from "../../../src/queue/redis-queue.js";
import { Worker, type JobHandler } from "../../../src/queue/worker.js";
import { claimEventually, deleteKeys, describeJobQueueContract, redisForTests, TEST_REDIS_URL } from "./queue-contract.js";

const redisUp = await redisForTests("RedisJobQueue");
const prefix = `venom-test-${process.pid}-${randomBytes(3).toString("hex")}`;
const LEASE_MS = 1_000;
const open: RedisJobQueue[] = [];
let queueCount = 0;

/** A queue of its own for each test, under this run's prefix; `again` opens a second handle on the same queue. */
function newQueue(queueName = `jobs-${(queueCount += 1)}`) {
  const queue = new RedisJobQueue({ connection: TEST_REDIS_URL, prefix, queueName });
  open.push(queue);
  return { queue, queueName, again: () => newQueue(queueName).queue };
}

afterAll(async () => {
  await Promise.all(open.map((queue) => queue.close()));
  if (redisUp) await deleteKeys(prefix);
});

describeJobQueueContract(
  "RedisJobQueue",
  async () => {
    const { queue, again } = newQueue();
    return {
      queue,
      peer: again(),
      leaseMs: LEASE_MS,
      now: () => Date.now(),
      advance: (ms) => sleep(ms),
      close: async () => undefined,
    };
  },
  { skip: !redisUp },
);

(redisUp ? describe : describe.skip)("RedisJobQueue", () => {
  it("takes a job back at once when the process holding it was killed", async () => {
    const { queue, queueName } = newQueue();
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    // A real second process claims the job with a long lease, then dies without a word.
    const moduleUrl = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/queue/redis-queue.ts"));
    const script = path.join(mkdtempSync(path.join(tmpdir(), "venom-redis-queue-")), "claim-and-die.mts");
    writeFileSync(
      script,
      `import { writeSync } from "node:fs";
       import { hostname } from "node:os";
       const { RedisJobQueue } = await import(${JSON.stringify(moduleUrl.href)});
       const queue = new RedisJobQueue({ connection: ${JSON.stringify(TEST_REDIS_URL)}, prefix: ${JSON.stringify(prefix)}, queueName: ${JSON.stringify(queueName)} });
       const lease = await queue.claim(hostname() + ":" + process.pid + ":child", 3_600_000);
       writeSync(1, lease ? lease.job.id : "none");
       process.kill(process.pid, "SIGKILL");`,
    );
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.once("error", reject);
      child.once("exit", () => resolve(text));
    });
    expect(output).toBe(job.id);
    expect(await queue.get(job.id)).toMatchObject({ state: "running", attempts: 1 });
    const again = await queue.claim("w2", LEASE_MS);
    expect(again?.job).toMatchObject({ id: job.id, attempts: 2, state: "running" });
    expect(await queue.complete(again!, {})).toMatchObject({ state: "succeeded" });
  }, 30_000);

  it("gives a job back after its lease when its worker stops heart-beating in another process", async () => {
    const { queue, again } = newQueue();
    const other = again();
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const held = await other.claim("other-host:42:w", LEASE_MS);
    await other.close();
    const reclaimed = await claimEventually(queue, "w", LEASE_MS);
    expect(reclaimed?.job).toMatchObject({ id: held?.job.id, attempts: 2 });
  });

  it("fails a job that kept killing its workers after maxStalledCount", async () => {
    const { queueName } = newQueue();
    const queue = new RedisJobQueue({ connection: TEST_REDIS_URL, prefix, queueName, maxStalledCount: 0 });
    open.push(queue);
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    await queue.claim("other-host:1:w", 200);
    await sleep(250);
    expect(await claimEventually(queue, "w", 200, 1_500)).toBeUndefined();
    expect(await queue.get(job.id)).toMatchObject({ state: "failed", error: "job stalled more than allowable limit" });
    expect((await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" })).status).toBe("enqueued");
  });

  it("frees an issue whose active job was deleted from Redis by hand", async () => {
    const { queue, queueName } = newQueue();
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    const redis = new Redis(TEST_REDIS_URL);
    await redis.del(`${prefix}:${queueName}:job:${job.id}`);
    await redis.quit();
    const next = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    expect(next.status).toBe("enqueued");
    expect(next.job.id).not.toBe(job.id);
    expect((await queue.list()).map((item) => item.id)).toEqual([next.job.id]);
  });

  it("runs the real Worker end to end: checkpoints, a transient retry, then success", async () => {
    const { queue } = newQueue();
    const log = await createLogger({ level: "silent", destination: new PassThrough() });
    let calls = 0;
    const handler: JobHandler = async ({ job, checkpoint }) => {
      calls += 1;
      await checkpoint({ step: "planning", data: { plan: "x", [`call${calls}`]: job.attempts } });
      if (calls === 1) throw transientError("GitHub said slow down", { retryAfterSeconds: 0 });
      return { prUrl: "https://example/pull/1", checks: "passed", tokens: 10 };
    };
    const finished: string[] = [];
    const worker = new Worker({
      queue,
      handler,
      log,
      leaseMs: 300,
      idlePollMs: 20,
      onFinished: (job) => finished.push(`${job.id}:${job.state}`),
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    for (let i = 0; i < 200 && (await queue.get(job.id))?.state !== "succeeded"; i += 1) await sleep(25);
    await worker.stop();
    expect(await queue.get(job.id)).toMatchObject({
      state: "succeeded",
      attempts: 2,
      prUrl: "https://example/pull/1",
      checks: "passed",
      tokens: 10,
      data: { plan: "x", call1: 1, call2: 2 },
    });
    expect(calls).toBe(2);
    expect(finished).toEqual([`${job.id}:succeeded`]);
  });

  it("runs the real Worker end to end: /venom cancel aborts a running job", async () => {
    const { queue } = newQueue();
    const log = await createLogger({ level: "silent", destination: new PassThrough() });
    const worker = new Worker({
      queue,
      handler: async ({ signal }) => {
        await sleep(10_000, undefined, { signal });
        return {};
      },
      log,
      leaseMs: 300,
      idlePollMs: 20,
    });
    const { job } = await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    worker.start();
    for (let i = 0; i < 200 && (await queue.get(job.id))?.state !== "running"; i += 1) await sleep(20);
    await queue.cancel("o/r", 1);
    for (let i = 0; i < 200 && (await queue.get(job.id))?.state !== "cancelled"; i += 1) await sleep(20);
    await worker.stop();
    expect(await queue.get(job.id)).toMatchObject({ state: "cancelled", error: "cancelled by /venom cancel" });
  });
});
