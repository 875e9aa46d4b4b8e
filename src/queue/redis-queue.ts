// The Redis backend (REDIS_URL): the JobQueue contract on a small Redis schema of our own, so several processes
// on several machines share one queue.
//
// Why not BullMQ: the contract needs things BullMQ has no public API for — a cancelled job that stays listed as
// cancelled, a retried job taking back its issue's one active slot, finding the lease of a dead local process
// (its lock token), a worker-set step and error on a queued job. The earlier BullMQ backend reached them by
// rewriting BullMQ's internal keys and fields (`stc`, `defa`, `ats`, `de:`) from Lua, which a minor BullMQ
// release could break silently. What the contract needs is small: a hash per job, a few sorted sets, a lease
// key with an expiry, and one Lua script per state change (redis-queue-scripts.ts, which also lists the keys).
//
// Semantics match the SQLite queue: the oldest ready job is claimed first; a lease lives while heart-beaten and
// is taken back by the next claim once it expired, or at once when its holder was a process of this host that
// died; a job that loses its worker more than `maxStalledCount` times fails. Times come from the injected clock,
// except lease expiry, which is Redis's own (PX), so clock skew between machines never steals a live lease.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../shared/clock.js";
import { newJobId } from "./job-id.js";
import {
  checkpointChanges, DATA_FIELD, enqueuedJobFields, jobFromHash, outcomeChanges, SUMMARY_FIELDS, type FieldChanges,
} from "./redis-job-hash.js";
import { closeRedis, openRedis, type RedisConnectionOption } from "./redis-connection.js";
import {
  APPEND_DATA,
  CANCEL,
  CHECKPOINT,
  CLAIM,
  END_LEASE,
  ENQUEUE,
  EXPIRE_LEASE,
  HEARTBEAT,
  RETRY,
  RUNNING_LEASES,
} from "./redis-queue-scripts.js";
import { isDeadLocalOwner } from "./worker-id.js";
import type {
  CountOptions, EnqueueRequest, EnqueueResult, FailOptions, Job, JobOutcome, JobQueue, JobState, JobStatus, Lease, ListOptions, QueueCounts,
} from "./types.js";

export interface RedisJobQueueOptions {
  connection: RedisConnectionOption;
  /** Key prefix (default `venom`); tests give each run its own. */
  prefix?: string;
  /** The queue's name under the prefix (default `jobs`): its keys are `<prefix>:<queueName>:…`. */
  queueName?: string;
  clock?: Clock;
  log?: Logger;
  /** Times a job may lose its worker (lease expired, process died) before it fails for good (default 10). */
  maxStalledCount?: number;
}

/** The error a job ends with when it kept losing its workers (kept from the BullMQ backend, which said the same). */
export const STALLED_ERROR = "job stalled more than allowable limit";

type FinishedState = Extract<JobState, "succeeded" | "failed" | "cancelled">;

export class RedisJobQueue implements JobQueue {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  /** `<prefix>:<queueName>:`, which every key of this queue starts with. */
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #maxStalledCount: number;
  /** Each lease's token: the proof of holding it, which only this handle knows. */
  readonly #tokens = new WeakMap<Lease, string>();
  #closed = false;

  constructor(options: RedisJobQueueOptions) {
    const { client, owned } = openRedis(options.connection);
    this.#client = client;
    this.#ownsClient = owned;
    this.#prefix = `${options.prefix ?? "venom"}:${options.queueName ?? "jobs"}:`;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.#maxStalledCount = options.maxStalledCount ?? 10;
    if (owned) this.#client.on("error", (error: Error) => this.#log?.warn({ err: error }, "Redis connection error"));
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #jobKey(id: string): string {
    return this.#key(`job:${id}`);
  }

  #slotKey(repo: string, issue: number): string {
    return this.#key(`active:${repo}#${issue}`);
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    const now = this.#clock.now();
    const id = newJobId(now);
    const [created, jobId] = (await ENQUEUE.run(
      this.#client,
      [
        this.#slotKey(request.repo, request.issue),
        this.#jobKey(id),
        this.#key("seq"),
        this.#key("index:all"),
        this.#key(`index:repo:${request.repo}`),
        this.#key(`index:issue:${request.repo}#${request.issue}`),
        this.#key("ready"),
      ],
      [this.#prefix, id, ...enqueuedJobFields(request, id, now)],
    )) as [number, string];
    const job = await this.get(jobId);
    if (!job) throw new Error(`Job ${jobId} vanished right after it was enqueued`);
    return { status: created === 1 ? "enqueued" : "already_active", job };
  }

  async claim(workerId: string, leaseMs: number): Promise<Lease | undefined> {
    if (this.#closed) throw new Error("The Redis job queue is closed");
    const lease = await this.#claim(workerId, leaseMs);
    if (lease || (await this.#expireDeadLocalLeases()) === 0) return lease;
    return this.#claim(workerId, leaseMs);
  }

  async #claim(workerId: string, leaseMs: number): Promise<Lease | undefined> {
    // The token carries the worker id, so a restarted process can recognise its dead predecessor's leases.
    const token = `${workerId}#${randomBytes(6).toString("hex")}`;
    const [id = "", recovered = 0, ...failed] = (await CLAIM.run(
      this.#client,
      [this.#key("ready"), this.#key("delayed"), this.#key("running"), this.#key("failed")],
      [this.#prefix, this.#clock.now(), Math.max(1, Math.round(leaseMs)), token, this.#maxStalledCount, STALLED_ERROR],
    )) as [string?, number?, ...string[]];
    for (const jobId of failed) this.#log?.warn({ jobId }, "Job lost its worker too many times; it failed");
    if (!id) return undefined;
    if (recovered === 1) this.#log?.warn({ jobId: id }, "Job lost its worker (lease expired); it runs again");
    const job = await this.get(id);
    if (!job) return undefined;
    const lease: Lease = { job, workerId };
    this.#tokens.set(lease, token);
    return lease;
  }

  /** Ends the leases held by processes of this host that have died, so the next claim takes their jobs back. */
  async #expireDeadLocalLeases(): Promise<number> {
    const leases = (await RUNNING_LEASES.run(this.#client, [this.#key("running")], [this.#prefix])) as Array<[string, string]>;
    let expired = 0;
    for (const [id, token] of leases) {
      const owner = token.slice(0, Math.max(0, token.lastIndexOf("#")));
      if (!owner || !isDeadLocalOwner(owner)) continue;
      // Checked against the dead owner's token: if another worker took the job meanwhile, nothing changes.
      if ((await EXPIRE_LEASE.run(this.#client, [this.#jobKey(id), this.#key(`lease:${id}`)], [token])) !== 1) continue;
      expired += 1;
      this.#log?.info({ jobId: id, owner }, "Job held by a dead local process goes back to the queue");
    }
    return expired;
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<{ ok: boolean; cancelRequested: boolean }> {
    const [held, cancel] = (await HEARTBEAT.run(
      this.#client,
      [this.#jobKey(lease.job.id), this.#key(`lease:${lease.job.id}`)],
      [this.#tokens.get(lease) ?? "", Math.max(1, Math.round(leaseMs))],
    )) as [number, string];
    return { ok: held === 1, cancelRequested: cancel === "1" };
  }

  async checkpoint(lease: Lease, patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): Promise<void> {
    const changes = checkpointChanges(patch);
    changes.set.push("updatedAt", this.#clock.now());
    await CHECKPOINT.run(this.#client, [this.#jobKey(lease.job.id)], [this.#tokens.get(lease) ?? "", ...changeArguments(changes)]);
    if (patch.step) lease.job.step = patch.step;
    if (patch.data) lease.job.data = { ...lease.job.data, ...patch.data };
  }

  async complete(lease: Lease, outcome: JobOutcome): Promise<Job | undefined> {
    return this.#endLease(lease, "succeeded", outcomeChanges(outcome));
  }

  async fail(lease: Lease, error: string, options: FailOptions = {}): Promise<Job | undefined> {
    const changes: FieldChanges = { deleted: [], set: ["error", error] };
    if (options.retryAt) return this.#endLease(lease, "queued", changes, options.retryAt.getTime());
    return this.#endLease(lease, "failed", changes);
  }

  async markCancelled(lease: Lease, reason: string): Promise<Job | undefined> {
    return this.#endLease(lease, "cancelled", { deleted: [], set: ["error", reason] });
  }

  /** Ends a lease with one script; a lease lost meanwhile changes nothing, as in the SQLite queue. */
  async #endLease(lease: Lease, state: FinishedState | "queued", changes: FieldChanges, runAfter = 0): Promise<Job | undefined> {
    const { id } = lease.job;
    // A re-queued job goes to `delayed`; the finished-state set is only touched (so only named) otherwise.
    const finishedSet = this.#key(state === "queued" ? "delayed" : state);
    const ended = await END_LEASE.run(
      this.#client,
      [this.#jobKey(id), this.#key(`lease:${id}`), this.#key("running"), this.#key("delayed"), finishedSet],
      [this.#prefix, this.#tokens.get(lease) ?? "", id, state, this.#clock.now(), runAfter, ...changeArguments(changes)],
    );
    if (ended === 1) this.#tokens.delete(lease);
    else this.#log?.warn({ jobId: id }, "Lease lost before the job's outcome was recorded");
    return this.get(id);
  }

  async cancel(repo: string, issue: number, reason = "cancelled by /venom cancel"): Promise<Job | undefined> {
    const id = (await CANCEL.run(
      this.#client,
      [this.#slotKey(repo, issue), this.#key("ready"), this.#key("delayed"), this.#key("cancelled")],
      [this.#prefix, reason, this.#clock.now()],
    )) as string | null;
    return id ? this.get(id) : undefined;
  }

  async retry(target: { id: string } | { repo: string; issue: number }): Promise<Job | undefined> {
    const job = "id" in target ? await this.get(target.id) : await this.latest(target.repo, target.issue);
    if (!job) return undefined;
    const retried = await RETRY.run(
      this.#client,
      [
        this.#jobKey(job.id),
        this.#slotKey(job.repo, job.issue),
        this.#key("ready"),
        this.#key("succeeded"),
        this.#key("failed"),
        this.#key("cancelled"),
      ],
      [this.#prefix, job.id, this.#clock.now()],
    );
    return retried === 1 ? this.get(job.id) : undefined;
  }

  async get(id: string): Promise<Job | undefined> {
    return jobFromHash(await this.#client.hgetall(this.#jobKey(id)));
  }

  async latest(repo: string, issue: number): Promise<Job | undefined> {
    // A few ids, not one: an index entry may outlive a job deleted by hand.
    const ids = await this.#client.zrevrange(this.#key(`index:issue:${repo}#${issue}`), 0, 9);
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
    const offset = Math.max(0, options.offset ?? 0);
    const index = this.#index(options);
    if (!options.state) {
      // Without a state filter the index is the listing: one range, one pipelined read.
      return this.#read(await this.#client.zrevrange(index, offset, offset + limit - 1), options.summary);
    }
    // A state filter walks the index reading only each job's state, then reads the page's jobs once.
    const ids = await this.#idsInState(index, options.state, offset + limit);
    return this.#read(ids.slice(offset), options.summary);
  }

  async count(options: CountOptions = {}): Promise<number> {
    const index = this.#index(options);
    if (!options.state) return this.#client.zcard(index);
    if (!options.repo) return (await this.counts())[options.state];
    return (await this.#idsInState(index, options.state, Number.POSITIVE_INFINITY)).length;
  }

  async appendData(id: string, key: string, item: Record<string, unknown>, keep: number): Promise<Job | undefined> {
    const appended = await APPEND_DATA.run(this.#client, [this.#jobKey(id)], [`${DATA_FIELD}${key}`, JSON.stringify(item), Math.max(1, keep), this.#clock.now()]);
    return appended === 1 ? this.get(id) : undefined;
  }

  #index(options: CountOptions): string {
    return this.#key(options.repo ? `index:repo:${options.repo}` : "index:all");
  }

  /** The ids (newest first) of up to `wanted` jobs in `state`, from an index, reading 200 states per round trip. */
  async #idsInState(index: string, state: JobState, wanted: number): Promise<string[]> {
    const found: string[] = [];
    for (let start = 0; found.length < wanted; start += STATE_SCAN_PAGE) {
      const ids = await this.#client.zrevrange(index, start, start + STATE_SCAN_PAGE - 1);
      if (ids.length === 0) break;
      const pipeline = this.#client.pipeline();
      for (const id of ids) pipeline.hget(this.#jobKey(id), "state");
      const states = (await pipeline.exec()) ?? [];
      ids.forEach((id, position) => {
        if (states[position]?.[1] === state && found.length < wanted) found.push(id);
      });
    }
    return found;
  }

  async counts(): Promise<QueueCounts> {
    const replies = await this.#client
      .multi()
      .zcard(this.#key("ready"))
      .zcard(this.#key("delayed"))
      .zcard(this.#key("running"))
      .scard(this.#key("succeeded"))
      .scard(this.#key("failed"))
      .scard(this.#key("cancelled"))
      .exec();
    const [ready = 0, delayed = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0] = (replies ?? []).map(([error, count]) => {
      if (error) throw error;
      return Number(count);
    });
    return { queued: ready + delayed, running, succeeded, failed, cancelled };
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    // SET NX with an expiry: atomic, and Redis forgets the key on its own.
    return (await this.#client.set(this.#key(`once:${key}`), "1", "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK";
  }

  async forgetOnce(key: string): Promise<void> {
    await this.#client.del(this.#key(`once:${key}`));
  }

  async appendPending(repo: string, issue: number, item: Record<string, unknown>): Promise<void> {
    await this.#client.rpush(this.#pendingKey(repo, issue), JSON.stringify(item));
  }

  async listPending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    return (await this.#client.lrange(this.#pendingKey(repo, issue), 0, -1)).map(parsePendingItem);
  }

  async takePending(repo: string, issue: number): Promise<Record<string, unknown>[]> {
    // MULTI: the read and the delete run as one, so an item pushed meanwhile is taken now or left for the next taker.
    const key = this.#pendingKey(repo, issue);
    const replies = (await this.#client.multi().lrange(key, 0, -1).del(key).exec()) ?? [];
    const [error, items] = replies[0] ?? [null, []];
    if (error) throw error;
    return (items as string[]).map(parsePendingItem);
  }

  #pendingKey(repo: string, issue: number): string {
    return this.#key(`pending:${repo}#${issue}`);
  }

  /** Stops claiming and closes the connection; a job still leased here is taken back once its lease ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) await closeRedis(this.#client);
  }

  /** The jobs of these ids that still exist, in the same order, read in one round trip; a summary reads no trace. */
  async #read(ids: string[], summary = false): Promise<Job[]> {
    if (ids.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const id of ids) {
      if (summary) pipeline.hmget(this.#jobKey(id), ...SUMMARY_FIELDS);
      else pipeline.hgetall(this.#jobKey(id));
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, reply]) => {
      if (error) throw error;
      const fields = summary ? summaryFields(reply as Array<string | null>) : (reply as Record<string, string>);
      const job = jobFromHash(fields);
      return job ? [job] : [];
    });
  }
}

/** Jobs whose state is read per round trip when a listing filters by state. */
const STATE_SCAN_PAGE = 200;

function summaryFields(values: Array<string | null>): Record<string, string> {
  const fields: Record<string, string> = {};
  SUMMARY_FIELDS.forEach((field, position) => {
    const value = values[position];
    if (value !== null && value !== undefined) fields[field] = value;
  });
  return fields;
}

/** Changes as the scripts take them: a count, the fields to delete, then field/value pairs. */
function changeArguments(changes: FieldChanges): Array<string | number> {
  return [changes.deleted.length, ...changes.deleted, ...changes.set];
}

function parsePendingItem(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
