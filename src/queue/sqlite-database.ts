// The SQLite file behind the embedded queue and inbox: schema, pragmas, and the checkpoint thread that keeps its WAL short.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointer } from "./sqlite-checkpointer.js";

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  repo TEXT NOT NULL,
  issue INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  command TEXT NOT NULL DEFAULT 'fix',
  state TEXT NOT NULL,
  step TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  run_after INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  installation_id INTEGER,
  actor TEXT,
  pr_url TEXT,
  checks TEXT,
  tokens INTEGER,
  error TEXT,
  data TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_active ON jobs(repo, issue) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, run_after);
CREATE INDEX IF NOT EXISTS jobs_by_issue ON jobs(repo, issue, created_at);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  payload TEXT,
  received_at INTEGER NOT NULL,
  processed_at INTEGER,
  outcome TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(processed_at) WHERE processed_at IS NULL;
CREATE TABLE IF NOT EXISTS once_keys (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS once_keys_by_expiry ON once_keys(expires_at);
CREATE TABLE IF NOT EXISTS pending_items (
  repo TEXT NOT NULL,
  issue INTEGER NOT NULL,
  item TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_items_by_issue ON pending_items(repo, issue);
CREATE INDEX IF NOT EXISTS deliveries_processed_by_age ON deliveries(received_at) WHERE processed_at IS NOT NULL;
`;

/** Opens (creating if needed) the database file `venom.db` in `dataDir`, or `:memory:`. */
export function openDatabase(dataDir: string | ":memory:"): Db {
  let file = ":memory:";
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = path.join(dataDir, "venom.db");
  }
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash (the case we guard against) without an fsync per commit.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  if (file !== ":memory:") {
    // Checkpoints run on a worker thread (SqliteCheckpointer), never inside a request's commit.
    db.pragma("wal_autocheckpoint = 0");
    db.pragma("journal_size_limit = 67108864");
  }
  db.exec(SCHEMA);
  return db;
}

const checkpointers = new WeakMap<Db, SqliteCheckpointer>();

/** Starts the checkpoint thread with the first write: an idle app runs no extra thread. */
export function ensureCheckpointer(db: Db): void {
  if (db.memory || checkpointers.has(db)) return;
  checkpointers.set(db, new SqliteCheckpointer(db.name));
}

/** Stops the checkpoint thread (its last checkpoint included) before the owner closes the database. */
export async function closeCheckpointer(db: Db): Promise<void> {
  const checkpointer = checkpointers.get(db);
  checkpointers.delete(db);
  await checkpointer?.close();
}
