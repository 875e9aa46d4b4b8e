// The embedded default: jobs and the delivery inbox in one SQLite file (WAL) under VENOM_DATA_DIR.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { systemClock, type Clock } from "./clock.js";
import { SqliteCheckpointer } from "./sqlite-checkpointer.js";
import { isDeadLocalOwner } from "./worker-id.js";
import { PRUNE_BATCH, type Delivery, type DeliveryInbox } from "./inbox.js";
import type {
  EnqueueRequest,
  EnqueueResult,
  FailOptions,
  Job,
  JobCommand,
  JobOutcome,
  JobQueue,
  JobState,
  JobStatus,
  Lease,
  ListOptions,
  QueueCounts,
  Trigger,
} from "./types.js";

type Db = Database.Database;

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
CREATE INDEX IF NOT EXISTS deliveries_processed_by_age ON deliveries(received_at) WHERE processed_at IS NOT NULL;
`;

interface JobRow {
  id: string;
  repo: string;
  issue: number;
  trigger: string;
  command: string;
  state: string;
  step: string;
  attempts: number;
  created_at: number;
  updated_at: number;
  run_after: number;
  lease_owner: string | null;
  lease_until: number | null;
  cancel_requested: number;
  installation_id: number | null;
  actor: string | null;
  pr_url: string | null;
  checks: string | null;
  tokens: number | null;
  error: string | null;
  data: string;
}

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
function ensureCheckpointer(db: Db): void {
  if (db.memory || checkpointers.has(db)) return;
  checkpointers.set(db, new SqliteCheckpointer(db.name));
}

async function closeCheckpointer(db: Db): Promise<void> {
  const checkpointer = checkpointers.get(db);
  checkpointers.delete(db);
  await checkpointer?.close();
}

export function newJobId(now: number): string {
  return `${now.toString(36)}${randomBytes(4).toString("hex")}`;
}

export class SqliteJobQueue implements JobQueue {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ownsDb: boolean;
  readonly #statements = new Map<string, Database.Statement>();
  #oncePrunedAt = 0;

  constructor(db: Db, options: { clock?: Clock; ownsDb?: boolean } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#ownsDb = options.ownsDb ?? false;
  }

  /** Prepared statements are cached: preparing costs more than running most of these queries. */
  #sql<Parameters extends unknown[] = unknown[], Row = unknown>(sql: string): Database.Statement<Parameters, Row> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<Parameters, Row>;
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    return this.#enqueue(request);
  }

  #enqueue(request: EnqueueRequest): EnqueueResult {
    ensureCheckpointer(this.#db);
    const now = this.#clock.now();
    const insert = this.#db.transaction((): EnqueueResult => {
      const active = this.#sql<[string, number], JobRow>(
          "SELECT * FROM jobs WHERE repo = ? AND issue = ? AND state IN ('queued','running') LIMIT 1",
        )
        .get(request.repo, request.issue);
      if (active) return { status: "already_active", job: rowToJob(active) };
      const id = newJobId(now);
      this.#sql(
          `INSERT INTO jobs (id, repo, issue, trigger, command, state, step, attempts, created_at, updated_at, installation_id, actor, data)
           VALUES (?, ?, ?, ?, ?, 'queued', 'queued', 0, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          request.repo,
          request.issue,
          request.trigger,
          request.command ?? "fix",
          now,
          now,
          request.installationId ?? null,
          request.actor ?? null,
          JSON.stringify(request.data ?? {}),
        );
      return { status: "enqueued", job: this.#getSync(id) as Job };
    });
    return insert.immediate();
  }

  async claim(workerId: string, leaseMs: number): Promise<Lease | undefined> {
    const now = this.#clock.now();
    const claim = this.#db.transaction((): Lease | undefined => {
      const candidates = this.#sql<[number], JobRow>(
          `SELECT * FROM jobs
           WHERE (state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_until IS NOT NULL)
           ORDER BY created_at LIMIT 50`,
        )
        .all(now)
        .filter((row) => row.state === "queued" || (row.lease_until ?? 0) < now || !row.lease_owner || isDeadLocalOwner(row.lease_owner));
      const row = candidates[0];
      if (!row) return undefined;
      this.#sql(
          `UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1,
             updated_at = ?, step = CASE WHEN step = 'queued' THEN 'starting' ELSE step END WHERE id = ?`,
        )
        .run(workerId, now + leaseMs, now, row.id);
      return { job: this.#getSync(row.id) as Job, workerId };
    });
    return claim.immediate();
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }> {
    const now = this.#clock.now();
    const result = this.#sql("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'")
      .run(now + leaseMs, lease.job.id, lease.workerId);
    const row = this.#sql<[string], { cancel_requested: number }>("SELECT cancel_requested FROM jobs WHERE id = ?")
      .get(lease.job.id);
    return { ok: result.changes === 1, cancelRequested: row?.cancel_requested === 1 };
  }

  async checkpoint(lease: Lease, patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void> {
    const now = this.#clock.now();
    const update = this.#db.transaction(() => {
      const row = this.#sql<[string], JobRow>("SELECT * FROM jobs WHERE id = ?").get(lease.job.id);
      if (!row || row.lease_owner !== lease.workerId) return;
      const data = patch.data ? { ...parseData(row.data), ...patch.data } : parseData(row.data);
      this.#sql("UPDATE jobs SET step = ?, data = ?, tokens = ?, updated_at = ? WHERE id = ?")
        .run(patch.step ?? row.step, JSON.stringify(data), patch.tokens ?? row.tokens, now, row.id);
    });
    update.immediate();
    if (patch.step) lease.job.step = patch.step;
    if (patch.data) lease.job.data = { ...lease.job.data, ...patch.data };
  }

  async complete(lease: Lease, outcome: JobOutcome): Promise<Job | undefined> {
    return this.#finish(lease, "succeeded", {
      step: outcome.summary ?? "done",
      pr_url: outcome.prUrl ?? null,
      checks: outcome.checks ?? null,
      tokens: outcome.tokens ?? null,
      error: null,
    });
  }

  async fail(lease: Lease, error: string, options: FailOptions = {}): Promise<Job | undefined> {
    if (options.retryAt) {
      const now = this.#clock.now();
      this.#sql(
          `UPDATE jobs SET state = 'queued', run_after = ?, lease_owner = NULL, lease_until = NULL, error = ?, updated_at = ?
           WHERE id = ? AND lease_owner = ? AND state = 'running'`,
        )
        .run(options.retryAt.getTime(), error, now, lease.job.id, lease.workerId);
      return this.get(lease.job.id);
    }
    return this.#finish(lease, "failed", { error });
  }

  async markCancelled(lease: Lease, reason: string): Promise<Job | undefined> {
    return this.#finish(lease, "cancelled", { error: reason });
  }

  #finish(lease: Lease, state: JobState, fields: Record<string, string | number | null>): Promise<Job | undefined> {
    const now = this.#clock.now();
    const columns = Object.keys(fields);
    const assignments = columns.map((column) => `${column} = ?`).join(", ");
    this.#sql(
        `UPDATE jobs SET state = ?, ${assignments}, lease_owner = NULL, lease_until = NULL, cancel_requested = 0, updated_at = ?
         WHERE id = ? AND lease_owner = ? AND state = 'running'`,
      )
      .run(state, ...columns.map((column) => fields[column] ?? null), now, lease.job.id, lease.workerId);
    return this.get(lease.job.id);
  }

  async cancel(repo: string, issue: number, reason = "cancelled by /venom cancel"): Promise<Job | undefined> {
    const now = this.#clock.now();
    const cancel = this.#db.transaction((): Job | undefined => {
      const row = this.#sql<[string, number], JobRow>(
          "SELECT * FROM jobs WHERE repo = ? AND issue = ? AND state IN ('queued','running') LIMIT 1",
        )
        .get(repo, issue);
      if (!row) return undefined;
      if (row.state === "queued") {
        this.#sql("UPDATE jobs SET state = 'cancelled', step = 'cancelled', error = ?, updated_at = ? WHERE id = ?")
          .run(reason, now, row.id);
      } else {
        this.#sql("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?").run(now, row.id);
      }
      return this.#getSync(row.id);
    });
    return cancel.immediate();
  }

  async retry(target: { id: string } | { repo: string; issue: number }): Promise<Job | undefined> {
    const now = this.#clock.now();
    const retry = this.#db.transaction((): Job | undefined => {
      const row =
        "id" in target
          ? this.#sql<[string], JobRow>("SELECT * FROM jobs WHERE id = ?").get(target.id)
          : this.#sql<[string, number], JobRow>(
                "SELECT * FROM jobs WHERE repo = ? AND issue = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
              )
              .get(target.repo, target.issue);
      if (!row || row.state === "queued" || row.state === "running") return undefined;
      const active = this.#sql<[string, number], { id: string }>(
          "SELECT id FROM jobs WHERE repo = ? AND issue = ? AND state IN ('queued','running') LIMIT 1",
        )
        .get(row.repo, row.issue);
      if (active) return undefined;
      this.#sql(
          `UPDATE jobs SET state = 'queued', trigger = 'retry', step = 'queued', attempts = 0, run_after = 0,
             error = NULL, cancel_requested = 0, updated_at = ? WHERE id = ?`,
        )
        .run(now, row.id);
      return this.#getSync(row.id);
    });
    return retry.immediate();
  }

  async get(id: string): Promise<Job | undefined> {
    return this.#getSync(id);
  }

  #getSync(id: string): Job | undefined {
    const row = this.#sql<[string], JobRow>("SELECT * FROM jobs WHERE id = ?").get(id);
    return row ? rowToJob(row) : undefined;
  }

  async latest(repo: string, issue: number): Promise<Job | undefined> {
    const row = this.#sql<[string, number], JobRow>(
        "SELECT * FROM jobs WHERE repo = ? AND issue = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
      )
      .get(repo, issue);
    return row ? rowToJob(row) : undefined;
  }

  async latestStatus(repo: string, issue: number): Promise<JobStatus | undefined> {
    const row = this.#sql<[string, number], { id: string; state: JobState; pr_url: string | null }>(
      "SELECT id, state, pr_url FROM jobs WHERE repo = ? AND issue = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    ).get(repo, issue);
    if (!row) return undefined;
    return row.pr_url ? { id: row.id, state: row.state, prUrl: row.pr_url } : { id: row.id, state: row.state };
  }

  async list(options: ListOptions = {}): Promise<Job[]> {
    const clauses: string[] = [];
    const params: Array<string | number> = [];
    if (options.state) {
      clauses.push("state = ?");
      params.push(options.state);
    }
    if (options.repo) {
      clauses.push("repo = ?");
      params.push(options.repo);
    }
    const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
    params.push(options.limit ?? 100);
    return this.#sql<Array<string | number>, JobRow>(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...params)
      .map(rowToJob);
  }

  async counts(): Promise<QueueCounts> {
    const counts: QueueCounts = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    const rows = this.#sql<[], { state: JobState; count: number }>("SELECT state, COUNT(*) AS count FROM jobs GROUP BY state")
      .all();
    for (const row of rows) counts[row.state] = row.count;
    return counts;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    this.#pruneOnceKeys(now);
    // A new key is inserted; an expired one is taken again; a live one changes nothing.
    return (
      this.#sql<[string, number, number]>(
        `INSERT INTO once_keys (key, expires_at) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at WHERE once_keys.expires_at <= ?`,
      ).run(key, now + ttlMs, now).changes === 1
    );
  }

  async forgetOnce(key: string): Promise<void> {
    this.#sql<[string]>("DELETE FROM once_keys WHERE key = ?").run(key);
  }

  /** Expired keys go in small batches, at most once a minute: the table stays as small as a week of triggers. */
  #pruneOnceKeys(now: number): void {
    if (now - this.#oncePrunedAt < 60_000) return;
    this.#oncePrunedAt = now;
    this.#sql<[number]>("DELETE FROM once_keys WHERE rowid IN (SELECT rowid FROM once_keys WHERE expires_at <= ? LIMIT 1000)").run(now);
  }

  async close(): Promise<void> {
    if (this.#ownsDb) await closeCheckpointer(this.#db);
    if (this.#ownsDb && this.#db.open) this.#db.close();
  }
}

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

function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    repo: row.repo,
    issue: row.issue,
    trigger: row.trigger as Trigger,
    state: row.state as JobState,
    step: row.step,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    command: row.command as JobCommand,
    data: parseData(row.data),
  };
  if (row.pr_url) job.prUrl = row.pr_url;
  if (row.checks) job.checks = row.checks as Job["checks"];
  if (row.tokens !== null) job.tokens = row.tokens;
  if (row.error) job.error = row.error;
  if (row.installation_id !== null) job.installationId = row.installation_id;
  if (row.actor) job.actor = row.actor;
  if (row.run_after > 0 && row.state === "queued") job.runAfter = new Date(row.run_after).toISOString();
  return job;
}
