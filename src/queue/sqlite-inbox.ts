// The delivery inbox in the SQLite file: every accepted webhook delivery is committed before GitHub gets its answer.
import type Database from "better-sqlite3";
import { systemClock, type Clock } from "../shared/clock.js";
import { PRUNE_BATCH, type Delivery, type DeliveryInbox } from "./inbox.js";
import { ensureCheckpointer, type Db } from "./sqlite-database.js";

/**
 * Group commit: deliveries arriving in the same event-loop turn are written in one transaction, and each
 * caller is answered only after that transaction commits — every acknowledged delivery is on disk.
 */
export class SqliteInbox implements DeliveryInbox {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #insert: Database.Statement<[string, string, string | null, number, number | null, string | null]>;
  readonly #markProcessed: Database.Statement<[number, string, string]>;
  #prune: Database.Statement<[number, number]> | undefined;
  #batch: Array<{ delivery: Delivery; processed?: string | undefined; resolve: (fresh: boolean) => void; reject: (error: unknown) => void }> = [];
  #processedBatch: Array<[string, string]> = [];
  #scheduled = false;

  constructor(db: Db, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#insert = db.prepare(
      "INSERT OR IGNORE INTO deliveries (id, name, payload, received_at, processed_at, outcome) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#markProcessed = db.prepare("UPDATE deliveries SET processed_at = ?, outcome = ?, payload = NULL WHERE id = ?");
  }

  accept(delivery: Delivery, options: { processed?: string } = {}): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ delivery, processed: options.processed, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    ensureCheckpointer(this.#db);
    const batch = this.#batch;
    const processed = this.#processedBatch;
    this.#batch = [];
    this.#processedBatch = [];
    const now = this.#clock.now();
    let fresh: boolean[];
    try {
      fresh = this.#db.transaction(() => {
        const results = batch.map(({ delivery, processed: outcome }) =>
          outcome === undefined
            ? this.#insert.run(delivery.id, delivery.name, delivery.payload, delivery.receivedAt, null, null).changes === 1
            : this.#insert.run(delivery.id, delivery.name, null, delivery.receivedAt, now, outcome).changes === 1,
        );
        for (const [id, outcome] of processed) this.#markProcessed.run(now, outcome, id);
        return results;
      }).immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => item.resolve(fresh[index] ?? false));
  }

  pending(limit = 1000): Delivery[] {
    if (this.#batch.length > 0 || this.#processedBatch.length > 0) this.#flush();
    return this.#db
      .prepare<[number], { id: string; name: string; payload: string; received_at: number }>(
        "SELECT id, name, payload, received_at FROM deliveries WHERE processed_at IS NULL ORDER BY received_at LIMIT ?",
      )
      .all(limit)
      .map((row) => ({ id: row.id, name: row.name, payload: row.payload, receivedAt: row.received_at }));
  }

  markProcessed(id: string, outcome: string): void {
    // Batched with the next group commit: losing it in a crash only means one more (idempotent) replay.
    this.#processedBatch.push([id, outcome]);
    this.#schedule();
  }

  prune(olderThanMs: number, limit = PRUNE_BATCH): number {
    // One bounded batch (found through the age index): the caller yields between batches, so ingest is never held up.
    this.#prune ??= this.#db.prepare(
      "DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE processed_at IS NOT NULL AND received_at < ? LIMIT ?)",
    );
    return this.#prune.run(this.#clock.now() - olderThanMs, limit).changes;
  }
}
