import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisInbox, type RedisInboxOptions } from "../../../src/queue/redis-inbox.js";
import { deleteKeys, redisForTests, TEST_REDIS_URL } from "./queue-contract.js";

const redisUp = await redisForTests("RedisInbox");
const runPrefix = `venom-test-${process.pid}-${randomBytes(3).toString("hex")}`;
const opened: RedisInbox[] = [];
let count = 0;

/** Opens inboxes that share one prefix, as processes sharing one Redis would. */
function inboxes() {
  const prefix = `${runPrefix}:${(count += 1)}`;
  const start = (options: Partial<RedisInboxOptions> = {}) => {
    const inbox = new RedisInbox({ connection: TEST_REDIS_URL, prefix, ...options });
    opened.push(inbox);
    return inbox;
  };
  return { start, prefix };
}

const delivery = (id: string, receivedAt = 1) => ({ id, name: "issues", payload: `{"n":"${id}"}`, receivedAt });
const ids = (items: Array<{ id: string }>) => items.map((item) => item.id);

afterAll(async () => {
  await Promise.all(opened.map((inbox) => inbox.close()));
  if (redisUp) await deleteKeys(runPrefix);
});

(redisUp ? describe : describe.skip)("RedisInbox", () => {
  it("accepts a delivery id once and keeps it for deduplication after processing", async () => {
    const { start, prefix } = inboxes();
    const inbox = start();
    expect(await inbox.accept(delivery("d-1"))).toBe(true);
    expect(await inbox.accept(delivery("d-1"))).toBe(false);
    expect(ids(inbox.pending())).toEqual(["d-1"]);
    inbox.markProcessed("d-1", "enqueued");
    expect(inbox.pending()).toEqual([]);
    await inbox.flush();
    expect(await inbox.accept(delivery("d-1"))).toBe(false);
    // Ids are forgotten by their TTL (7 days), not by prune.
    expect(inbox.prune(7 * 86_400_000)).toBe(0);
    const redis = new Redis(TEST_REDIS_URL);
    const ttl = await redis.pttl(`${prefix}:inbox:seen:d-1`);
    const outcome = await redis.get(`${prefix}:inbox:seen:d-1`);
    await redis.quit();
    expect(ttl).toBeGreaterThan(6.9 * 86_400_000);
    expect(outcome).toBe("enqueued");
  });

  it("tells duplicates inside a burst apart and keeps non-triggers out of the pending list", async () => {
    const inbox = inboxes().start();
    const results = await Promise.all(["a", "b", "a", "c"].map((id) => inbox.accept(delivery(id))));
    expect(results).toEqual([true, true, false, true]);
    expect(await inbox.accept({ id: "ping", name: "ping", payload: "", receivedAt: 1 }, { processed: "not a trigger" })).toBe(true);
    expect(await inbox.accept({ id: "ping", name: "ping", payload: "", receivedAt: 1 }, { processed: "not a trigger" })).toBe(false);
    expect(ids(inbox.pending())).toEqual(["a", "b", "c"]);
    expect(ids(inbox.pending(2))).toEqual(["a", "b"]);
  });

  it("accepts a delivery id again once its TTL has run out", async () => {
    const inbox = inboxes().start({ dedupeTtlMs: 100 });
    expect(await inbox.accept(delivery("short"), { processed: "not a trigger" })).toBe(true);
    await sleep(150);
    expect(await inbox.accept(delivery("short"), { processed: "not a trigger" })).toBe(true);
  });

  it("replays the deliveries of a process that died, once, in the next process", async () => {
    const { start } = inboxes();
    const crashed = start({ ownerId: `${hostname()}:999999999:x` });
    await crashed.accept(delivery("d-1", 10));
    await crashed.accept(delivery("d-2", 20));
    await crashed.accept(delivery("d-3", 30));
    crashed.markProcessed("d-1", "enqueued");
    await crashed.flush();

    const [next, racing] = [start(), start()];
    const taken = await Promise.all([next.recover(), racing.recover()]);
    expect(taken[0] + taken[1]).toBe(2);
    const replay = [...next.pending(), ...racing.pending()].sort((a, b) => a.receivedAt - b.receivedAt);
    expect(replay).toEqual([delivery("d-2", 20), delivery("d-3", 30)]);
    for (const item of replay) (next.pending().some((held) => held.id === item.id) ? next : racing).markProcessed(item.id, "replayed");
    await Promise.all([next.flush(), racing.flush()]);
    expect(await start().recover()).toBe(0);
  });

  it("leaves a live process's pending deliveries alone until they are stale", async () => {
    const { start } = inboxes();
    const live = start({ ownerId: `${hostname()}:${process.pid}:live` });
    await live.accept(delivery("busy"));
    expect(await start().recover()).toBe(0);
    const later = start({ clock: { now: () => Date.now() + 301_000 } });
    expect(await later.recover()).toBe(1);
    expect(ids(later.pending())).toEqual(["busy"]);
  });

  it("looks for deliveries to replay in the background when pending() is read", async () => {
    const { start } = inboxes();
    await start({ ownerId: `${hostname()}:999999999:y` }).accept(delivery("orphan"));
    const inbox = start({ recoverIntervalMs: 0 });
    expect(inbox.pending()).toEqual([]);
    for (let i = 0; i < 50 && inbox.pending().length === 0; i += 1) await sleep(10);
    expect(ids(inbox.pending())).toEqual(["orphan"]);
  });
});
