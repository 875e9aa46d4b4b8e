// Runs SQLite's WAL checkpoints on a worker thread, so copying the WAL into the database never stalls a request.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// The worker opens its own connection: checkpoints in WAL mode run beside the writer without blocking it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  try { db.pragma("wal_checkpoint(TRUNCATE)"); } catch { /* best effort */ }
  db.close();
  parentPort.postMessage("closed");
});
`;

export class SqliteCheckpointer {
  readonly #worker: Worker;

  constructor(file: string, intervalMs = 1_000) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    this.#worker.unref();
  }

  /** Final checkpoint (the WAL is folded into the database and truncated), then the thread ends. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.#worker.once("message", () => resolve());
      this.#worker.once("exit", () => resolve());
    });
    this.#worker.postMessage("close");
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.#worker.terminate();
  }
}
