import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { DeliveryDispatcher } from "../../../src/intake/dispatcher.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../../src/queue/sqlite-inbox.js";

async function setup(options: { chunkSize?: number; maxBacklog?: number; failFirst?: boolean } = {}) {
  const inbox = new SqliteInbox(openDatabase(":memory:"));
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const received: string[] = [];
  let failed = false;
  const dispatcher = new DeliveryDispatcher({
    inbox,
    log,
    ...options,
    receive: async (event) => {
      if (options.failFirst && !failed) {
        failed = true;
        throw new Error("GitHub is down");
      }
      received.push(event.id);
    },
  });
  return { inbox, dispatcher, received };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("DeliveryDispatcher", () => {
  it("processes a burst in chunks, every delivery once, and marks each processed", async () => {
    const { inbox, dispatcher, received } = await setup({ chunkSize: 3 });
    const deliveries = Array.from({ length: 20 }, (_, index) => ({ id: `d${index}`, name: "issues", payload: "{}", receivedAt: index }));
    for (const delivery of deliveries) await inbox.accept(delivery);
    deliveries.forEach((delivery) => dispatcher.schedule(delivery));
    await until(() => received.length === 20);
    expect(new Set(received).size).toBe(20);
    await until(() => inbox.pending().length === 0);
    expect(inbox.pending()).toEqual([]);
  });

  it("leaves deliveries beyond the in-memory backlog on disk and replays them", async () => {
    const { inbox, dispatcher, received } = await setup({ chunkSize: 2, maxBacklog: 5 });
    const deliveries = Array.from({ length: 12 }, (_, index) => ({ id: `o${index}`, name: "issues", payload: "{}", receivedAt: index }));
    for (const delivery of deliveries) await inbox.accept(delivery);
    deliveries.forEach((delivery) => dispatcher.schedule(delivery));
    await until(() => received.length === 12);
    expect([...new Set(received)].sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
  });

  it("keeps a delivery whose handlers failed pending, and processes it on replay", async () => {
    const { inbox, dispatcher, received } = await setup({ failFirst: true });
    const delivery = { id: "r1", name: "issues", payload: "{}", receivedAt: 1 };
    await inbox.accept(delivery);
    await dispatcher.dispatch(delivery);
    expect(inbox.pending().map((item) => item.id)).toEqual(["r1"]);
    expect(await dispatcher.replayPending()).toBe(1);
    expect(received).toEqual(["r1"]);
    expect(inbox.pending()).toEqual([]);
  });
});
