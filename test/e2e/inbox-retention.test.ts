// The delivery inbox is pruned when the app starts: an id past the retention is forgotten, a recent one still dedupes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { openDatabase } from "../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../src/queue/sqlite-inbox.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { deliver } from "../support/signed-delivery.js";

const DAY = 86_400_000;
const secret = "inbox-retention-secret";
let venom: Venom;
let url: string;

beforeAll(async () => {
  // The data a week-old app leaves behind: deliveries it answered 8 days and 1 day ago.
  const dataDir = mkdtempSync(path.join(tmpdir(), "venom-retention-"));
  const db = openDatabase(dataDir);
  const earlier = new SqliteInbox(db);
  for (const [id, age] of [["eight-days-old", 8 * DAY], ["one-day-old", DAY]] as const) {
    await earlier.accept({ id, name: "ping", payload: "{}", receivedAt: Date.now() - age }, { processed: "no handler" });
  }
  db.close();

  const config = readConfig({ VENOM_DATA_DIR: dataDir, WEBHOOK_SECRET: secret, VENOM_SANDBOX: "none" }, "/tmp");
  venom = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
  url = `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await venom.stop();
});

describe("the delivery inbox's retention", () => {
  it("drops a redelivery within the retention and forgets ids past it", async () => {
    const ping = { zen: "Keep it logically awesome.", hook_id: 1 };
    const recent = await deliver(url, "ping", ping, { secret, id: "one-day-old" });
    expect(recent.status).toBe(200);
    expect(JSON.parse(recent.body)).toMatchObject({ status: "duplicate" });

    const old = await deliver(url, "ping", ping, { secret, id: "eight-days-old" });
    expect(old.status).toBe(202);
    expect(JSON.parse(old.body)).toMatchObject({ status: "accepted" });
  });
});
