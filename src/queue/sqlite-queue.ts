// The embedded default queue: jobs in the SQLite file (WAL) under VENOM_DATA_DIR, beside the delivery inbox.
import type Database from "better-sqlite3";
import { systemClock, type Clock } from "../shared/clock.js";
import { newJobId } from "./job-id.js";
import { closeCheckpointer, ensureCheckpointer, type Db } from "./sqlite-database.js";
import { parseData, rowToJob, type JobRow } from "./sqlite-job-row.js";
import { isDeadLocalOwner } from "./worker-id.js";
import type {
  CountOptions, EnqueueRequest, EnqueueResult, FailOptions, Job, JobOutcome, JobQueue, JobState, JobStatus, Lease, ListOptions, QueueCounts,
} from "./types.js";

/** Every column but `data`, for a summary listing. */
const ROW_COLUMNS =
  "id, repo, issue, trigger, command, state, step, attempts, created_at, updated_at, run_after, lease_owner, lease_until, " +
  "cancel_requested, installation_id, actor, pr_url, checks, tokens, error";
const SUMMARY_DATA =
  "CASE WHEN json_valid(data) AND json_type(data, '$.costUsd') IN ('integer', 'real') " +
  "THEN json_object('costUsd', json_extract(data, '$.costUsd')) ELSE '{}' END";

function filters(options: CountOptions): { where: string; params: Array<string | number> } {
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
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
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
    const { where, params } = filters(options);
    params.push(options.limit ?? 100, Math.max(0, options.offset ?? 0));
    const order = "ORDER BY created_at DESC, rowid DESC";
    // A summary reads no run trace: `data` is cut down to the cost inside SQLite, before it is parsed here, and only
    // for the page's rows (picked first by rowid): else the sort would cut every matching row's data, traces and all.
    const sql = options.summary
      ? `SELECT ${ROW_COLUMNS}, ${SUMMARY_DATA} AS data FROM jobs WHERE rowid IN (SELECT rowid FROM jobs ${where} ${order} LIMIT ? OFFSET ?) ${order}`
      : `SELECT * FROM jobs ${where} ${order} LIMIT ? OFFSET ?`;
    return this.#sql<Array<string | number>, JobRow>(sql)
      .all(...params)
      .map(rowToJob);
  }

  async count(options: CountOptions = {}): Promise<number> {
    const { where, params } = filters(options);
    return this.#sql<Array<string | number>, { count: number }>(`SELECT COUNT(*) AS count FROM jobs ${where}`).get(...params)?.count ?? 0;
  }

  async appendData(id: string, key: string, item: Record<string, unknown>, keep: number): Promise<Job | undefined> {
    const append = this.#db.transaction((): Job | undefined => {
      const row = this.#sql<[string], JobRow>("SELECT * FROM jobs WHERE id = ?").get(id);
      if (!row) return undefined;
      const data = parseData(row.data);
      const items = [...(Array.isArray(data[key]) ? (data[key] as unknown[]) : []), item].slice(-Math.max(1, keep));
      this.#sql("UPDATE jobs SET data = ?, updated_at = ? WHERE id = ?").run(JSON.stringify({ ...data, [key]: items }), this.#clock.now(), id);
      return this.#getSync(id);
    });
    return append.immediate();
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

  async appendPending(repo: string, issue: number, item: Record<string, unknown>): Promise<void> {
    ensureCheckpointer(this.#db);
    this.#sql<[string, number, string]>("INSERT INTO pending_items (repo, issue, item) VALUES (?, ?, ?)").run(repo, issue, JSON.stringify(item));
  }

  async listPending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    return this.#pendingRows(repo, issue).map((row) => parseData(row.item));
  }

  async takePending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    // One transaction: an item appended meanwhile is either taken now or left for the next taker, never both.
    const take = this.#db.transaction(() => {
      const rows = this.#pendingRows(repo, issue);
      this.#sql<[string, number]>("DELETE FROM pending_items WHERE repo = ? AND issue = ?").run(repo, issue);
      return rows.map((row) => parseData(row.item));
    });
    return take();
  }

  #pendingRows(repo: string, issue: number): Array<{ item: string }> {
    return this.#sql<[string, number], { item: string }>(
      "SELECT item FROM pending_items WHERE repo = ? AND issue = ? ORDER BY rowid",
    ).all(repo, issue);
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
