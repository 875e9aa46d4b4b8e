// The Redis backend (REDIS_URL): the JobQueue contract on BullMQ, so several processes share one queue.
//
// BullMQ owns the job's state (wait / delayed / active / completed / failed) and its lease (the job lock);
// what the contract adds is kept beside it:
// - one active job per (repo, issue) is BullMQ's own deduplication key (`<prefix>:<queue>:de:<repo>#<issue>`):
//   set atomically by the add script, removed by BullMQ's finishing script, taken back with SET NX on retry;
// - the record's changing fields (`venom:*`: step, tokens, error, cancel flags) are extra fields of the job hash,
//   written by small Lua scripts that check the lease token first, so a worker that lost its lease writes nothing;
// - sorted sets index the jobs (all / per repo / per issue) for `list` and `latest`, newest first.
// Differences from the SQLite queue: claims follow BullMQ's wait list (a retried job goes to the back, a recovered
// one to the front); an expired lease is recovered by BullMQ's stalled check (up to lease + 2 check intervals),
// a dead local owner's at once; a job that loses its worker `maxStalledCount` times fails; delays use real time.
import { createHash, randomBytes } from "node:crypto";
import { Job as BullJob, Queue, Worker as BullWorker } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { isDeadLocalOwner } from "./worker-id.js";
import { systemClock, type Clock } from "./clock.js";
import type {
  ChecksResult,
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

/** A Redis URL (`REDIS_URL`), ioredis options, or a connection to share (left open by `close`). */
export type RedisConnectionOption = string | RedisOptions | Redis;

export interface BullmqJobQueueOptions {
  connection: RedisConnectionOption;
  /** BullMQ key prefix (default `bull`); tests give each run its own. */
  prefix?: string;
  queueName?: string;
  clock?: Clock;
  log?: Logger;
  /** How often dead leases are looked for (BullMQ's stalled check); a dead worker's job waits up to twice this. */
  stalledIntervalMs?: number;
  /** Times a job may lose its worker (process crash) before it fails for good; BullMQ's `maxStalledCount`. */
  maxStalledCount?: number;
}

/** What BullMQ stores as the job's data: the request, and the checkpoints pipeline steps merge in. */
interface StoredData {
  repo: string;
  issue: number;
  trigger: Trigger;
  command: JobCommand;
  installationId?: number;
  actor?: string;
  checkpoints: Record<string, unknown>;
}

type StoredJob = BullJob<StoredData, JobOutcome>;

interface LeaseHandle {
  token: string;
  job: StoredJob;
}

// Fields of the BullMQ job hash that belong to us.
const FIELD = {
  trigger: "venom:trigger",
  step: "venom:step",
  updatedAt: "venom:updatedAt",
  tokens: "venom:tokens",
  prUrl: "venom:prUrl",
  checks: "venom:checks",
  error: "venom:error",
  runAfter: "venom:runAfter",
  cancelRequested: "venom:cancelRequested",
  cancelled: "venom:cancelled",
} as const;

/** A Lua script run by its SHA1, sent in full only when Redis does not know it yet. */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

/** Opens a connection of our own, or borrows the caller's. */
export function openRedis(connection: RedisConnectionOption): { client: Redis; owned: boolean } {
  if (connection instanceof Redis) return { client: connection, owned: false };
  return { client: typeof connection === "string" ? new Redis(connection) : new Redis(connection), owned: true };
}

// KEYS: active delayed prioritized completed failed waiting-children; ARGV: job key prefix, ids…
// Returns {id, BullMQ state, HGETALL} per existing job. A job found in no set is in the wait (or paused) list:
// BullMQ moves jobs between lists atomically, so this avoids scanning a long wait list.
const READ_JOBS = new LuaScript(`
local result = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local fields = redis.call("HGETALL", ARGV[1] .. id)
  if #fields > 0 then
    local state = "waiting"
    if redis.call("ZSCORE", KEYS[4], id) then state = "completed"
    elseif redis.call("ZSCORE", KEYS[5], id) then state = "failed"
    elseif redis.call("ZSCORE", KEYS[2], id) then state = "delayed"
    elseif redis.call("ZSCORE", KEYS[3], id) then state = "prioritized"
    elseif redis.call("ZSCORE", KEYS[6], id) then state = "waiting-children"
    elseif redis.call("LPOS", KEYS[1], id) then state = "active" end
    result[#result + 1] = {id, state, fields}
  end
end
return result
`);

// KEYS: sequence all-index repo-index issue-index; ARGV: id. Indexes a job before BullMQ stores it, so a crash
// in between leaves at worst an index entry without a job (skipped when read), never a job nobody can list.
const INDEX_JOB = new LuaScript(`
local sequence = redis.call("INCR", KEYS[1])
for i = 2, 4 do redis.call("ZADD", KEYS[i], sequence, ARGV[1]) end
return sequence
`);

// KEYS: job lock, job hash; ARGV: token lease-ms now. Right after a claim: the lock BullMQ set, stretched to this
// claim's lease, and the step a fresh job shows while it starts.
const ON_CLAIM = new LuaScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
local step = redis.call("HGET", KEYS[2], "${FIELD.step}")
if (not step) or step == "queued" then redis.call("HSET", KEYS[2], "${FIELD.step}", "starting") end
redis.call("HSET", KEYS[2], "${FIELD.updatedAt}", ARGV[3])
return 1
`);

// KEYS: job lock, job hash[, set]; ARGV: token, set member, field value… Writes only while the lease is held.
const WRITE_IF_LEASED = new LuaScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV > 2 then redis.call("HSET", KEYS[2], unpack(ARGV, 3)) end
if KEYS[3] then redis.call("SADD", KEYS[3], ARGV[2]) end
return 1
`);

// KEYS: de wait paused delayed prioritized active failed cancelled events; ARGV: job key prefix, reason, now.
// A queued job leaves the runnable lists and becomes cancelled in one step; a running one is asked to stop.
const CANCEL = new LuaScript(`
local id = redis.call("GET", KEYS[1])
if not id then return false end
local jobKey = ARGV[1] .. id
if redis.call("EXISTS", jobKey) == 0 then return false end
local removed = redis.call("LREM", KEYS[2], 0, id) + redis.call("LREM", KEYS[3], 0, id)
  + redis.call("ZREM", KEYS[4], id) + redis.call("ZREM", KEYS[5], id)
if removed > 0 then
  redis.call("ZADD", KEYS[7], ARGV[3], id)
  redis.call("HSET", jobKey, "finishedOn", ARGV[3], "failedReason", ARGV[2], "${FIELD.step}", "cancelled",
    "${FIELD.updatedAt}", ARGV[3], "${FIELD.cancelled}", "1")
  redis.call("SADD", KEYS[8], id)
  redis.call("DEL", KEYS[1])
  redis.call("XADD", KEYS[9], "MAXLEN", "~", 10000, "*", "event", "failed", "jobId", id, "failedReason", ARGV[2],
    "prev", "waiting")
  return {id, "cancelled"}
end
if redis.call("LPOS", KEYS[6], id) then
  redis.call("HSET", jobKey, "${FIELD.cancelRequested}", "1", "${FIELD.updatedAt}", ARGV[3])
  return {id, "running"}
end
return {id, "unchanged"}
`);

// KEYS: job hash completed failed de cancelled; ARGV: id now prUrl checks tokens. Takes the issue's active slot
// (SET NX on the deduplication key) and resets our fields; BullMQ's retry then moves the job back to wait.
const PREPARE_RETRY = new LuaScript(`
local state
if redis.call("ZSCORE", KEYS[2], ARGV[1]) then state = "completed"
elseif redis.call("ZSCORE", KEYS[3], ARGV[1]) then state = "failed"
else return false end
if not redis.call("SET", KEYS[4], ARGV[1], "NX") then return false end
redis.call("HDEL", KEYS[1], "${FIELD.error}", "${FIELD.runAfter}", "${FIELD.cancelRequested}", "${FIELD.cancelled}",
  "stc", "defa")
redis.call("HSET", KEYS[1], "${FIELD.trigger}", "retry", "${FIELD.step}", "queued", "${FIELD.updatedAt}", ARGV[2])
if ARGV[3] ~= "" then redis.call("HSET", KEYS[1], "${FIELD.prUrl}", ARGV[3]) end
if ARGV[4] ~= "" then redis.call("HSET", KEYS[1], "${FIELD.checks}", ARGV[4]) end
if ARGV[5] ~= "" then redis.call("HSET", KEYS[1], "${FIELD.tokens}", ARGV[5]) end
redis.call("SREM", KEYS[5], ARGV[1])
return state
`);

// KEYS: de; ARGV: id. Gives the slot back if it is still ours.
const RELEASE_SLOT = new LuaScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`);

// KEYS: active; ARGV: job key prefix. {id, lock token} of every running job, to find those of dead processes.
const ACTIVE_LOCKS = new LuaScript(`
local result = {}
for _, id in ipairs(redis.call("LRANGE", KEYS[1], 0, -1)) do
  local token = redis.call("GET", ARGV[1] .. id .. ":lock")
  if token then result[#result + 1] = {id, token} end
end
return result
`);

// KEYS: wait paused delayed prioritized waiting-children active completed failed cancelled.
const COUNTS = new LuaScript(`
local queued = redis.call("LLEN", KEYS[1]) + redis.call("LLEN", KEYS[2]) + redis.call("ZCARD", KEYS[3])
  + redis.call("ZCARD", KEYS[4]) + redis.call("ZCARD", KEYS[5])
local cancelled = 0
for _, id in ipairs(redis.call("SMEMBERS", KEYS[9])) do
  if redis.call("ZSCORE", KEYS[8], id) then cancelled = cancelled + 1 end
end
return {queued, redis.call("LLEN", KEYS[6]), redis.call("ZCARD", KEYS[7]), redis.call("ZCARD", KEYS[8]) - cancelled,
  cancelled}
`);

const DEFAULT_LEASE_MS = 60_000;

export class BullmqJobQueue implements JobQueue {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #queue: Queue<StoredData, JobOutcome>;
  readonly #queueName: string;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #stalledIntervalMs: number;
  readonly #maxStalledCount: number;
  readonly #leases = new WeakMap<Lease, LeaseHandle>();
  #worker: BullWorker<StoredData, JobOutcome> | undefined;
  #workerClient: Redis | undefined;
  #closed = false;

  constructor(options: BullmqJobQueueOptions) {
    const { client, owned } = openRedis(options.connection);
    this.#client = client;
    this.#ownsClient = owned;
    this.#prefix = options.prefix ?? "bull";
    this.#queueName = options.queueName ?? "venom-jobs";
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
    this.#maxStalledCount = options.maxStalledCount ?? 10;
    if (owned) this.#client.on("error", (error: Error) => this.#log?.warn({ err: error }, "Redis connection error"));
    this.#queue = new Queue<StoredData, JobOutcome>(this.#queueName, { connection: client, prefix: this.#prefix });
    this.#queue.on("error", (error: Error) => this.#log?.warn({ err: error }, "BullMQ queue error"));
  }

  #key(type: string): string {
    return this.#queue.toKey(type);
  }

  #slotKey(repo: string, issue: number): string {
    return this.#key(`de:${deduplicationId(repo, issue)}`);
  }

  #indexKeys(repo: string, issue: number): [string, string, string] {
    return [this.#key("venom:jobs"), this.#key(`venom:repo:${repo}`), this.#key(`venom:issue:${repo}#${issue}`)];
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    for (let attempt = 1; ; attempt += 1) {
      const now = this.#clock.now();
      const id = newBullJobId(now);
      const indexKeys = this.#indexKeys(request.repo, request.issue);
      await INDEX_JOB.run(this.#client, [this.#key("venom:seq"), ...indexKeys], [id]);
      const data: StoredData = {
        repo: request.repo,
        issue: request.issue,
        trigger: request.trigger,
        command: request.command ?? "fix",
        ...(request.installationId !== undefined ? { installationId: request.installationId } : {}),
        ...(request.actor !== undefined ? { actor: request.actor } : {}),
        checkpoints: { ...request.data },
      };
      let added: StoredJob;
      try {
        added = await this.#queue.add("issue", data, {
          jobId: id,
          timestamp: now,
          deduplication: { id: deduplicationId(request.repo, request.issue) },
          attempts: 1,
          removeOnComplete: false,
          removeOnFail: false,
          stackTraceLimit: 0,
        });
      } catch (error) {
        await this.#unindex(id, indexKeys);
        throw error;
      }
      if (added.id === id) {
        const job = await this.get(id);
        if (!job) throw new Error(`Job ${id} vanished right after it was added to ${this.#queueName}`);
        return { status: "enqueued", job };
      }
      await this.#unindex(id, indexKeys);
      const activeId = added.id ?? "";
      const active = await this.#activeJob(activeId);
      if (active) return { status: "already_active", job: active };
      // The deduplication key names a job that no longer exists (deleted by hand): free the slot and try again.
      if (attempt >= 3) throw new Error(`Issue ${request.repo}#${request.issue} is held by missing job ${activeId}`);
      await RELEASE_SLOT.run(this.#client, [this.#slotKey(request.repo, request.issue)], [activeId]);
    }
  }

  async #unindex(id: string, indexKeys: string[]): Promise<void> {
    await Promise.all(indexKeys.map((key) => this.#client.zrem(key, id)));
  }

  /** The job holding the issue's slot; while a retry is moving it back to wait, waits the few ms that takes. */
  async #activeJob(id: string): Promise<Job | undefined> {
    let job = await this.get(id);
    for (let attempt = 0; job && !isActive(job.state) && attempt < 10; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      job = await this.get(id);
    }
    return job;
  }

  async claim(workerId: string, leaseMs: number): Promise<Lease | undefined> {
    const worker = this.#bullWorker(leaseMs);
    let claimed = await this.#next(worker, workerId, leaseMs);
    if (!claimed && (await this.#releaseDeadLocalLeases()) > 0) claimed = await this.#next(worker, workerId, leaseMs);
    return claimed;
  }

  async #next(worker: BullWorker<StoredData, JobOutcome>, workerId: string, leaseMs: number): Promise<Lease | undefined> {
    // The token carries the worker id, so a restarted process can recognise its dead predecessor's locks.
    const token = `${workerId}#${randomBytes(6).toString("hex")}`;
    const bullJob = await worker.getNextJob(token, { block: false });
    if (!bullJob?.id) return undefined;
    const id = bullJob.id;
    const jobKey = this.#key(id);
    await ON_CLAIM.run(this.#client, [`${jobKey}:lock`, jobKey], [token, leaseMs, this.#clock.now()]);
    const job = await this.get(id);
    if (!job) return undefined;
    const lease: Lease = { job, workerId };
    this.#leases.set(lease, { token, job: bullJob });
    return lease;
  }

  /** Moves back to wait the running jobs whose lock belongs to a process of this host that has died. */
  async #releaseDeadLocalLeases(): Promise<number> {
    const locks = (await ACTIVE_LOCKS.run(this.#client, [this.#key("active")], [this.#key("")])) as Array<[string, string]>;
    let released = 0;
    for (const [id, token] of locks) {
      const separator = token.lastIndexOf("#");
      if (separator <= 0 || !isDeadLocalOwner(token.slice(0, separator))) continue;
      const owner = token.slice(0, separator);
      const bullJob = await this.#queue.getJob(id);
      try {
        // Checked against the dead owner's token: if another worker took the job meanwhile, nothing moves.
        await bullJob?.moveToWait(token);
        released += 1;
        this.#log?.info({ jobId: id, owner }, "Job held by a dead local process moved back to the queue");
      } catch (error) {
        if (!isLeaseError(error)) throw error;
      }
    }
    return released;
  }

  #bullWorker(leaseMs: number): BullWorker<StoredData, JobOutcome> {
    if (this.#closed) throw new Error("The BullMQ job queue is closed");
    if (!this.#worker) {
      // Blocking commands and the stalled checker need a connection that waits for Redis instead of failing.
      this.#workerClient = this.#client.duplicate({ maxRetriesPerRequest: null });
      this.#workerClient.on("error", (error: Error) => this.#log?.warn({ err: error }, "Redis connection error"));
      this.#worker = new BullWorker<StoredData, JobOutcome>(this.#queueName, null, {
        connection: this.#workerClient,
        prefix: this.#prefix,
        autorun: false,
        lockDuration: leaseMs || DEFAULT_LEASE_MS,
        stalledInterval: this.#stalledIntervalMs,
        maxStalledCount: this.#maxStalledCount,
      });
      this.#worker.on("error", (error: Error) => this.#log?.warn({ err: error }, "BullMQ worker error"));
      this.#worker.on("stalled", (jobId: string) =>
        this.#log?.warn({ jobId }, "Job lost its worker (lease expired); it is queued again"),
      );
      // Manual fetching does not start BullMQ's stalled checker: it is what gives a dead worker's job back.
      void this.#worker.startStalledCheckTimer();
    }
    return this.#worker;
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }> {
    const handle = this.#leases.get(lease);
    const [extended, cancel] = await Promise.all([
      handle ? handle.job.extendLock(handle.token, leaseMs) : Promise.resolve(0),
      this.#client.hget(this.#key(lease.job.id), FIELD.cancelRequested),
    ]);
    return { ok: Number(extended) === 1, cancelRequested: cancel === "1" };
  }

  async checkpoint(lease: Lease, patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void> {
    const handle = this.#leases.get(lease);
    if (handle) {
      const jobKey = this.#key(lease.job.id);
      const fields: Array<string | number> = [FIELD.updatedAt, this.#clock.now()];
      if (patch.step !== undefined) fields.push(FIELD.step, patch.step);
      if (patch.tokens !== undefined) fields.push(FIELD.tokens, patch.tokens);
      if (patch.data) {
        // Only the lease holder writes the data field, so reading, merging and writing it back loses nothing.
        const stored = parseStoredData((await this.#client.hget(jobKey, "data")) ?? "{}");
        stored.checkpoints = { ...stored.checkpoints, ...patch.data };
        fields.push("data", JSON.stringify(stored));
      }
      await WRITE_IF_LEASED.run(this.#client, [`${jobKey}:lock`, jobKey], [handle.token, "", ...fields]);
    }
    if (patch.step) lease.job.step = patch.step;
    if (patch.data) lease.job.data = { ...lease.job.data, ...patch.data };
  }

  async complete(lease: Lease, outcome: JobOutcome): Promise<Job | undefined> {
    return this.#move(lease, (handle) => handle.job.moveToCompleted(compactOutcome(outcome), handle.token, false));
  }

  async fail(lease: Lease, error: string, options: FailOptions = {}): Promise<Job | undefined> {
    const { retryAt } = options;
    if (!retryAt) return this.#move(lease, (handle) => handle.job.moveToFailed(new Error(error), handle.token, false));
    return this.#move(lease, async (handle) => {
      const jobKey = this.#key(lease.job.id);
      const written = await WRITE_IF_LEASED.run(
        this.#client,
        [`${jobKey}:lock`, jobKey],
        [handle.token, "", FIELD.error, error, FIELD.runAfter, retryAt.getTime(), FIELD.updatedAt, this.#clock.now()],
      );
      if (written === 1) await handle.job.moveToDelayed(retryAt.getTime(), handle.token);
    });
  }

  async markCancelled(lease: Lease, reason: string): Promise<Job | undefined> {
    const jobKey = this.#key(lease.job.id);
    const cancelledKey = this.#key("venom:cancelled");
    return this.#move(lease, async (handle) => {
      const marked = await WRITE_IF_LEASED.run(
        this.#client,
        [`${jobKey}:lock`, jobKey, cancelledKey],
        [handle.token, lease.job.id, FIELD.cancelled, "1"],
      );
      if (marked !== 1) return;
      try {
        await handle.job.moveToFailed(new Error(reason), handle.token, false);
      } catch (error) {
        await this.#client.multi().hdel(jobKey, FIELD.cancelled).srem(cancelledKey, lease.job.id).exec();
        throw error;
      }
    });
  }

  /** Ends a lease with one BullMQ move; a lease lost meanwhile changes nothing, as in the SQLite queue. */
  async #move(lease: Lease, move: (handle: LeaseHandle) => Promise<unknown>): Promise<Job | undefined> {
    const handle = this.#leases.get(lease);
    if (handle) {
      try {
        await move(handle);
        this.#leases.delete(lease);
      } catch (error) {
        if (!isLeaseError(error)) throw error;
        this.#log?.warn({ jobId: lease.job.id }, "Lease lost before the job's outcome was recorded");
      }
    }
    return this.get(lease.job.id);
  }

  async cancel(repo: string, issue: number, reason = "cancelled by /venom cancel"): Promise<Job | undefined> {
    const result = (await CANCEL.run(
      this.#client,
      [
        this.#slotKey(repo, issue),
        this.#key("wait"),
        this.#key("paused"),
        this.#key("delayed"),
        this.#key("prioritized"),
        this.#key("active"),
        this.#key("failed"),
        this.#key("venom:cancelled"),
        this.#key("events"),
      ],
      [this.#key(""), reason, this.#clock.now()],
    )) as [string, string] | null;
    return result ? this.get(result[0]) : undefined;
  }

  async retry(target: { id: string } | { repo: string; issue: number }): Promise<Job | undefined> {
    const job = "id" in target ? await this.get(target.id) : await this.latest(target.repo, target.issue);
    if (!job || isActive(job.state)) return undefined;
    const slotKey = this.#slotKey(job.repo, job.issue);
    const state = (await PREPARE_RETRY.run(
      this.#client,
      [this.#key(job.id), this.#key("completed"), this.#key("failed"), slotKey, this.#key("venom:cancelled")],
      [job.id, this.#clock.now(), job.prUrl ?? "", job.checks ?? "", job.tokens ?? ""],
    )) as "completed" | "failed" | null;
    if (!state) return undefined;
    try {
      const bullJob = await this.#queue.getJob(job.id);
      if (!bullJob) throw new Error(`Job ${job.id} disappeared during its retry`);
      await bullJob.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (error) {
      await RELEASE_SLOT.run(this.#client, [slotKey], [job.id]);
      throw error;
    }
    return this.get(job.id);
  }

  async get(id: string): Promise<Job | undefined> {
    const [job] = await this.#read([id]);
    return job;
  }

  async latest(repo: string, issue: number): Promise<Job | undefined> {
    const ids = await this.#client.zrevrange(this.#key(`venom:issue:${repo}#${issue}`), 0, 9);
    const [job] = await this.#read(ids);
    return job;
  }

  async latestStatus(repo: string, issue: number): Promise<JobStatus | undefined> {
    const job = await this.latest(repo, issue);
    if (!job) return undefined;
    return job.prUrl ? { id: job.id, state: job.state, prUrl: job.prUrl } : { id: job.id, state: job.state };
  }

  async list(options: ListOptions = {}): Promise<Job[]> {
    const limit = options.limit ?? 100;
    const index = options.repo ? this.#key(`venom:repo:${options.repo}`) : this.#key("venom:jobs");
    const page = Math.max(limit, 50);
    const jobs: Job[] = [];
    for (let start = 0; jobs.length < limit; start += page) {
      const ids = await this.#client.zrevrange(index, start, start + page - 1);
      if (ids.length === 0) break;
      for (const job of await this.#read(ids)) {
        if (options.state && job.state !== options.state) continue;
        jobs.push(job);
      }
    }
    return jobs.slice(0, limit);
  }

  async counts(): Promise<QueueCounts> {
    const keys = ["wait", "paused", "delayed", "prioritized", "waiting-children", "active", "completed", "failed"];
    const [queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0] = (await COUNTS.run(
      this.#client,
      [...keys.map((type) => this.#key(type)), this.#key("venom:cancelled")],
      [],
    )) as number[];
    return { queued, running, succeeded, failed, cancelled };
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    // SET NX with an expiry: atomic, and Redis forgets the key on its own.
    return (await this.#client.set(this.#key(`venom:once:${key}`), "1", "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK";
  }

  async forgetOnce(key: string): Promise<void> {
    await this.#client.del(this.#key(`venom:once:${key}`));
  }

  /** Stops claiming and closes the connections; a job still leased here is picked up again once its lease ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker?.close();
    await this.#queue.close();
    if (this.#workerClient) await quit(this.#workerClient);
    if (this.#ownsClient) await quit(this.#client);
  }

  async #read(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = (await READ_JOBS.run(
      this.#client,
      ["active", "delayed", "prioritized", "completed", "failed", "waiting-children"].map((type) => this.#key(type)),
      [this.#key(""), ...ids],
    )) as Array<[string, string, string[]]>;
    return rows.map(([id, state, flat]) => toJob(id, state, pairs(flat)));
  }
}

function deduplicationId(repo: string, issue: number): string {
  return `${repo}#${issue}`;
}

/** Same shape as the SQLite queue's ids (time in base 36, then random hex); BullMQ refuses all-digit custom ids. */
function newBullJobId(now: number): string {
  for (;;) {
    const id = `${now.toString(36)}${randomBytes(4).toString("hex")}`;
    if (!/^\d+$/.test(id)) return id;
  }
}

function isActive(state: JobState): boolean {
  return state === "queued" || state === "running";
}

/** BullMQ's answers when a lock token no longer matches: the job missing, not active, lock gone or someone else's. */
function isLeaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === -1 || code === -2 || code === -3 || code === -6;
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

function compactOutcome(outcome: JobOutcome): JobOutcome {
  const result: JobOutcome = {};
  if (outcome.prUrl !== undefined) result.prUrl = outcome.prUrl;
  if (outcome.checks !== undefined) result.checks = outcome.checks;
  if (outcome.tokens !== undefined) result.tokens = outcome.tokens;
  if (outcome.summary !== undefined) result.summary = outcome.summary;
  return result;
}

function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseStoredData(text: string): StoredData {
  const value = parseJson(text);
  const data = isObject(value) ? value : {};
  return {
    ...(data as unknown as StoredData),
    checkpoints: isObject(data.checkpoints) ? data.checkpoints : {},
  };
}

function mapState(bullState: string, cancelled: boolean): JobState {
  switch (bullState) {
    case "active":
      return "running";
    case "completed":
      return "succeeded";
    case "failed":
      return cancelled ? "cancelled" : "failed";
    default:
      // waiting, delayed, prioritized, waiting-children
      return "queued";
  }
}

function toIso(value: string | undefined, fallback: string | undefined): string {
  const time = Number(value ?? fallback);
  return new Date(Number.isFinite(time) ? time : 0).toISOString();
}

function toJob(id: string, bullState: string, fields: Record<string, string>): Job {
  const data = parseStoredData(fields.data ?? "{}");
  const state = mapState(bullState, fields[FIELD.cancelled] === "1");
  const finished = !isActive(state);
  const parsedOutcome = state === "succeeded" ? parseJson(fields.returnvalue) : undefined;
  const outcome: JobOutcome = isObject(parsedOutcome) ? (parsedOutcome as JobOutcome) : {};
  const succeeded = state === "succeeded";
  const job: Job = {
    id,
    repo: data.repo,
    issue: data.issue,
    trigger: (fields[FIELD.trigger] ?? data.trigger) as Trigger,
    state,
    step: succeeded ? (outcome.summary ?? "done") : (fields[FIELD.step] ?? "queued"),
    attempts: Number(fields.ats ?? 0),
    createdAt: toIso(fields.timestamp, undefined),
    updatedAt: toIso(finished ? (fields.finishedOn ?? fields[FIELD.updatedAt]) : fields[FIELD.updatedAt], fields.timestamp),
    command: data.command ?? "fix",
    data: data.checkpoints,
  };
  const prUrl = succeeded ? outcome.prUrl : fields[FIELD.prUrl];
  const checks = succeeded ? outcome.checks : (fields[FIELD.checks] as ChecksResult | undefined);
  const tokens = succeeded ? outcome.tokens : fields[FIELD.tokens] === undefined ? undefined : Number(fields[FIELD.tokens]);
  const error = finished ? (succeeded ? undefined : fields.failedReason) : fields[FIELD.error];
  if (prUrl) job.prUrl = prUrl;
  if (checks) job.checks = checks;
  if (tokens !== undefined) job.tokens = tokens;
  if (error) job.error = error;
  if (data.installationId !== undefined) job.installationId = data.installationId;
  if (data.actor) job.actor = data.actor;
  if (state === "queued" && fields[FIELD.runAfter]) job.runAfter = toIso(fields[FIELD.runAfter], undefined);
  return job;
}
