// The delivery inbox on Redis (REDIS_URL): each delivery id is accepted once, and a delivery stays pending in
// Redis until processed, so a crashed process's deliveries are replayed by the next one.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { LuaScript } from "./lua-script.js";
import { closeRedis, openRedis, type RedisConnectionOption } from "./redis-connection.js";
import { isDeadLocalOwner } from "./worker-id.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { DELIVERY_RETENTION_MS, type Delivery, type DeliveryInbox } from "./inbox.js";

export interface RedisInboxOptions {
  connection: RedisConnectionOption;
  /** Key prefix (default `venom`); tests give each run its own. */
  prefix?: string;
  /** How long a delivery id is remembered for deduplication (default DELIVERY_RETENTION_MS: GitHub redelivers for 3 days). */
  dedupeTtlMs?: number;
  /** A pending delivery another live process has held this long is taken over (default 5 minutes). */
  staleAfterMs?: number;
  /** How often `pending()` looks in Redis for deliveries left by other processes (default 30 s). */
  recoverIntervalMs?: number;
  /** This process's id as owner of the deliveries it accepts (`host:pid:…`, like a worker id). */
  ownerId?: string;
  clock?: Clock;
  log?: Logger;
}

// KEYS: seen pending owners payloads; ARGV: id ttl-ms processed("1"|"0") outcome now owner payload.
// The seen key is the deduplication (SET NX with a TTL); an unprocessed delivery is also put in the pending set.
const ACCEPT = new LuaScript(`
local processed = ARGV[3] == "1"
if not redis.call("SET", KEYS[1], processed and ARGV[4] or "pending", "NX", "PX", ARGV[2]) then return 0 end
if not processed then
  redis.call("ZADD", KEYS[2], ARGV[5], ARGV[1])
  redis.call("HSET", KEYS[3], ARGV[1], ARGV[6])
  redis.call("HSET", KEYS[4], ARGV[1], ARGV[7])
end
return 1
`);

// KEYS: seen pending owners payloads; ARGV: id outcome. The payload goes, the id stays until its TTL ends.
const MARK_PROCESSED = new LuaScript(`
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("HDEL", KEYS[3], ARGV[1])
redis.call("HDEL", KEYS[4], ARGV[1])
redis.call("SET", KEYS[1], ARGV[2], "XX", "KEEPTTL")
return 1
`);

// KEYS: pending owners payloads; ARGV: owner now (id previous-owner)… Takes over each delivery still held by the
// owner that was read, so two processes recovering at once never both replay it.
const TAKE_OVER = new LuaScript(`
local taken = {}
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call("ZSCORE", KEYS[1], id) and (redis.call("HGET", KEYS[2], id) or "") == ARGV[i + 1] then
    redis.call("ZADD", KEYS[1], ARGV[2], id)
    redis.call("HSET", KEYS[2], id, ARGV[1])
    local payload = redis.call("HGET", KEYS[3], id)
    if payload then
      taken[#taken + 1] = id
      taken[#taken + 1] = payload
    end
  end
end
return taken
`);

/**
 * `DeliveryInbox` is synchronous where it reads (`pending`, `markProcessed`), Redis is not: this inbox answers
 * `pending()` from the deliveries this process holds — those it accepted, and those `recover()` took over from a
 * dead or stalled process — and writes `markProcessed` in the background (a lost write only means one more,
 * idempotent, replay). Call `await recover()` once at start, before the first `replayPending()`; after that
 * `pending()` looks again in the background every `recoverIntervalMs`.
 */
export class RedisInbox implements DeliveryInbox {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #keys: { pending: string; owners: string; payloads: string; seen: (id: string) => string };
  readonly #dedupeTtlMs: number;
  readonly #staleAfterMs: number;
  readonly #recoverIntervalMs: number;
  readonly #ownerId: string;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #held = new Map<string, Delivery>();
  readonly #writes = new Set<Promise<unknown>>();
  #recovering: Promise<number> | undefined;
  #lastRecovery = Number.NEGATIVE_INFINITY;

  constructor(options: RedisInboxOptions) {
    const { client, owned } = openRedis(options.connection);
    this.#client = client;
    this.#ownsClient = owned;
    const prefix = `${options.prefix ?? "venom"}:inbox`;
    this.#keys = {
      pending: `${prefix}:pending`,
      owners: `${prefix}:owners`,
      payloads: `${prefix}:payloads`,
      seen: (id) => `${prefix}:seen:${id}`,
    };
    this.#dedupeTtlMs = options.dedupeTtlMs ?? DELIVERY_RETENTION_MS;
    this.#staleAfterMs = options.staleAfterMs ?? 300_000;
    this.#recoverIntervalMs = options.recoverIntervalMs ?? 30_000;
    this.#ownerId = options.ownerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    if (owned) this.#client.on("error", (error: Error) => this.#log?.warn({ err: error }, "Redis connection error"));
  }

  async accept(delivery: Delivery, options: { processed?: string } = {}): Promise<boolean> {
    const processed = options.processed !== undefined;
    const stored = JSON.stringify({ name: delivery.name, payload: delivery.payload, receivedAt: delivery.receivedAt });
    const fresh = await ACCEPT.run(
      this.#client,
      [this.#keys.seen(delivery.id), this.#keys.pending, this.#keys.owners, this.#keys.payloads],
      [delivery.id, this.#dedupeTtlMs, processed ? "1" : "0", options.processed ?? "", this.#clock.now(), this.#ownerId, stored],
    );
    if (fresh !== 1) return false;
    if (!processed) this.#held.set(delivery.id, { ...delivery });
    return true;
  }

  pending(limit = 1000): Delivery[] {
    if (this.#clock.now() - this.#lastRecovery >= this.#recoverIntervalMs) {
      this.recover().catch((error: unknown) => this.#log?.warn({ err: error }, "Looking for pending deliveries failed"));
    }
    return [...this.#held.values()].sort((a, b) => a.receivedAt - b.receivedAt).slice(0, limit);
  }

  markProcessed(id: string, outcome: string): void {
    this.#held.delete(id);
    const write = MARK_PROCESSED.run(
      this.#client,
      [this.#keys.seen(id), this.#keys.pending, this.#keys.owners, this.#keys.payloads],
      [id, outcome],
    )
      .catch((error: unknown) => this.#log?.warn({ err: error, deliveryId: id }, "Could not mark a delivery processed"))
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
  }

  /**
   * Nothing to delete: Redis prunes by itself. Each delivery id is a key with a TTL of `dedupeTtlMs` (the retention),
   * and processing drops the payload at once, so a processed delivery leaves nothing behind past its retention.
   */
  prune(_olderThanMs: number, _limit?: number): number {
    return 0;
  }

  /**
   * Takes over the deliveries pending in Redis that no live process holds: those of a dead process on this host
   * at once, any other after `staleAfterMs`. Resolves to how many were taken over.
   */
  recover(): Promise<number> {
    this.#recovering ??= this.#recover().finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  async #recover(): Promise<number> {
    const now = this.#clock.now();
    this.#lastRecovery = now;
    const scored = await this.#client.zrange(this.#keys.pending, 0, 999, "WITHSCORES");
    const candidates: Array<[string, string]> = [];
    for (let i = 0; i + 1 < scored.length; i += 2) {
      const id = scored[i] as string;
      if (!this.#held.has(id)) candidates.push([id, scored[i + 1] as string]);
    }
    if (candidates.length === 0) return 0;
    const owners = await this.#client.hmget(this.#keys.owners, ...candidates.map(([id]) => id));
    const claimable: string[] = [];
    candidates.forEach(([id, score], index) => {
      const owner = owners[index] ?? "";
      const free = !owner || owner === this.#ownerId || isDeadLocalOwner(owner) || Number(score) <= now - this.#staleAfterMs;
      if (free) claimable.push(id, owner);
    });
    if (claimable.length === 0) return 0;
    const taken = (await TAKE_OVER.run(
      this.#client,
      [this.#keys.pending, this.#keys.owners, this.#keys.payloads],
      [this.#ownerId, now, ...claimable],
    )) as string[];
    let count = 0;
    for (let i = 0; i + 1 < taken.length; i += 2) {
      const id = taken[i] as string;
      const stored = parseStored(taken[i + 1] as string);
      if (!stored) continue;
      this.#held.set(id, { id, ...stored });
      count += 1;
    }
    if (count > 0) this.#log?.info({ count }, "Took over pending deliveries for replay");
    return count;
  }

  /** Waits for the background writes (`markProcessed`) to reach Redis. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#recovering?.catch(() => undefined);
    if (this.#ownsClient) await closeRedis(this.#client);
  }
}

function parseStored(text: string): Omit<Delivery, "id"> | undefined {
  try {
    const value = JSON.parse(text) as Partial<Omit<Delivery, "id">>;
    if (typeof value.name !== "string" || typeof value.payload !== "string") return undefined;
    return { name: value.name, payload: value.payload, receivedAt: Number(value.receivedAt ?? 0) };
  } catch {
    return undefined;
  }
}
