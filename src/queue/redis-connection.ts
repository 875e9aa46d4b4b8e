// Opening and closing the Redis connections (REDIS_URL) the Redis queue and inbox share.
import { Redis, type RedisOptions } from "ioredis";

/** A Redis URL (`REDIS_URL`), ioredis options, or a connection to share (left open by `close`). */
export type RedisConnectionOption = string | RedisOptions | Redis;

/** Opens a connection of our own, or borrows the caller's; `owned` says whether closing it is ours to do. */
export function openRedis(connection: RedisConnectionOption): { client: Redis; owned: boolean } {
  if (connection instanceof Redis) return { client: connection, owned: false };
  return { client: typeof connection === "string" ? new Redis(connection) : new Redis(connection), owned: true };
}

/** Closes politely (pending replies first); a connection that cannot say goodbye is dropped. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
