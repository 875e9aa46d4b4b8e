// The inbox pruner: processed deliveries past their retention go, in small batches, at start and on a timer.
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DELIVERY_RETENTION_MS } from "../../../src/queue/inbox.js";
import { InboxPruner } from "../../../src/queue/inbox-pruner.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../../src/queue/sqlite-inbox.js";

const DAY = 86_400_000;
const log = pino({ level: "silent" });

function sqliteInbox() {
  let now = 100 * DAY;
  const inbox = new SqliteInbox(openDatabase(":memory:"), { clock: { now: () => now } });
  const delivery = (id: string, receivedAt = now) => ({ id, name: "issues", payload: "{}", receivedAt });
  return {
    inbox,
    delivery,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Lets the prune in progress finish (its promise settles on the next turns of the event loop). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe("InboxPruner with the SQLite inbox", () => {
  it("forgets processed deliveries older than the retention, keeps recent and pending ones for deduplication", async () => {
    const { inbox, delivery, advance } = sqliteInbox();
    for (const id of ["old-1", "old-2", "old-3", "old-4", "old-5"]) await inbox.accept(delivery(id), { processed: "no handler" });
    await inbox.accept(delivery("old-pending"));
    advance(6 * DAY);
    await inbox.accept(delivery("recent"));
    inbox.markProcessed("recent", "enqueued");
    expect(inbox.pending().map((item) => item.id)).toEqual(["old-pending"]);
    advance(2 * DAY);

    const pruned = await new InboxPruner({ inbox, log, batchSize: 2 }).pruneNow();

    expect(pruned).toBe(5);
    // Within the retention a redelivery is still dropped; past it the id is forgotten.
    expect(await inbox.accept(delivery("recent"))).toBe(false);
    expect(await inbox.accept(delivery("old-1"))).toBe(true);
    // A delivery never processed is never pruned: it still waits for its replay.
    expect(inbox.pending().map((item) => item.id)).toEqual(["old-pending", "old-1"]);
  });

  it("keeps a week by default: longer than GitHub's 3-day redelivery window", async () => {
    expect(DELIVERY_RETENTION_MS).toBe(7 * DAY);
    const { inbox, delivery, advance } = sqliteInbox();
    await inbox.accept(delivery("six-days"), { processed: "no handler" });
    advance(6 * DAY);
    expect(await new InboxPruner({ inbox, log }).pruneNow()).toBe(0);
    advance(1 * DAY + 1);
    expect(await new InboxPruner({ inbox, log }).pruneNow()).toBe(1);
  });

  it("lets the ingest path in between batches", async () => {
    const { inbox, delivery, advance } = sqliteInbox();
    for (const id of ["a", "b", "c", "d", "e"]) await inbox.accept(delivery(id), { processed: "no handler" });
    advance(8 * DAY);
    const order: string[] = [];

    const pruning = new InboxPruner({ inbox, log, batchSize: 2 }).pruneNow().then(() => order.push("pruned"));
    await inbox.accept(delivery("new")).then(() => order.push("accepted"));
    await pruning;

    expect(order).toEqual(["accepted", "pruned"]);
  });
});

describe("InboxPruner's timer", () => {
  it("prunes at start and then every interval, until stopped", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const prune = vi.fn((_olderThanMs: number, _limit?: number) => 0);
    const pruner = new InboxPruner({ inbox: { prune }, log, intervalMs: 3_600_000 });

    pruner.start();
    expect(prune).toHaveBeenCalledTimes(1);
    expect(prune).toHaveBeenLastCalledWith(DELIVERY_RETENTION_MS, 500);
    await settled();
    vi.advanceTimersByTime(3_600_000);
    expect(prune).toHaveBeenCalledTimes(2);

    await pruner.stop();
    vi.advanceTimersByTime(10 * 3_600_000);
    expect(prune).toHaveBeenCalledTimes(2);
  });

  it("logs a failed prune and tries again at the next tick", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const prune = vi.fn((): number => {
      throw new Error("database is locked");
    });
    const warnings: string[] = [];
    const recording = pino({ level: "warn" }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) });
    const pruner = new InboxPruner({ inbox: { prune }, log: recording, intervalMs: 1_000 });

    pruner.start();
    await vi.waitFor(() => expect(warnings).toHaveLength(1));
    vi.advanceTimersByTime(1_000);
    expect(prune).toHaveBeenCalledTimes(2);
    await pruner.stop();
    expect(warnings[0]).toMatch(/^Pruning old webhook deliveries failed; the next prune tries again$/);
  });
});
