// The Redis queue's state changes, each one Lua script so it is atomic across processes. They touch only the
// queue's own keys, named from the prefix `P` = `<prefix>:<queueName>:` (see RedisJobQueue):
//   P job:<id>        hash: the job (fields in redis-job-hash.ts) plus `leaseToken`, `sequence`, `stalls`
//   P lease:<id>      the lease's liveness: the holder's token, expiring (PX) unless heart-beaten
//   P active:<r>#<n>  the id of the one queued or running job
//   P ready           zset of runnable queued jobs, scored by enqueue sequence (oldest first)
//   P delayed         zset of queued jobs waiting for their retry time, scored by that time
//   P running         zset of running jobs, scored by claim time
//   P succeeded|failed|cancelled   sets of finished jobs, for counts
//   P seq, P index:all, P index:repo:<r>, P index:issue:<r>#<n>   the newest-first listing
//   P once:<key>      one-time keys (SET NX PX)
import { LuaScript } from "./lua-script.js";

// Lua shared by the scripts below (each is sent on its own, so each carries its copy).
const ACTIVE_SLOT = `
local function activeSlot(prefix, jobKey)
  return prefix .. "active:" .. redis.call("HGET", jobKey, "repo") .. "#" .. redis.call("HGET", jobKey, "issue")
end
local function isActiveJob(prefix, id)
  local state = redis.call("HGET", prefix .. "job:" .. id, "state")
  return state == "queued" or state == "running"
end
`;
// ARGV from `from`: a count n, n fields to delete, then field/value pairs to set.
const APPLY_CHANGES = `
local function applyChanges(jobKey, from)
  local deleteCount = tonumber(ARGV[from])
  if deleteCount > 0 then redis.call("HDEL", jobKey, unpack(ARGV, from + 1, from + deleteCount)) end
  if #ARGV > from + deleteCount then redis.call("HSET", jobKey, unpack(ARGV, from + 1 + deleteCount)) end
end
`;

// KEYS: active-slot job seq index-all index-repo index-issue ready; ARGV: prefix id field value…
// Returns {1, id} for a new job, {0, id} when the issue already has one queued or running. A slot naming a job
// that is gone or finished (deleted by hand) is taken over.
export const ENQUEUE = new LuaScript(`${ACTIVE_SLOT}
local held = redis.call("GET", KEYS[1])
if held and isActiveJob(ARGV[1], held) then return {0, held} end
local sequence = redis.call("INCR", KEYS[3])
redis.call("SET", KEYS[1], ARGV[2])
redis.call("HSET", KEYS[2], "sequence", sequence, unpack(ARGV, 3))
for i = 4, 6 do redis.call("ZADD", KEYS[i], sequence, ARGV[2]) end
redis.call("ZADD", KEYS[7], sequence, ARGV[2])
return {1, ARGV[2]}
`);

// KEYS: ready delayed running failed; ARGV: prefix now lease-ms token max-stalls stalled-error.
// Takes, in this order, a running job whose lease expired (its worker died or hung), else the oldest ready job
// (after moving due delayed jobs to ready). A job that lost its worker more than max-stalls times fails instead.
// Returns {claimed id or "", 1 when it was taken back from a lost worker, ids failed for stalling…}.
export const CLAIM = new LuaScript(`${ACTIVE_SLOT}
local prefix, now = ARGV[1], ARGV[2]
local failed = {}
local function take(id, recovered)
  local jobKey = prefix .. "job:" .. id
  redis.call("SET", prefix .. "lease:" .. id, ARGV[4], "PX", ARGV[3])
  redis.call("ZADD", KEYS[3], now, id)
  redis.call("HINCRBY", jobKey, "attempts", 1)
  if redis.call("HGET", jobKey, "step") == "queued" then redis.call("HSET", jobKey, "step", "starting") end
  redis.call("HDEL", jobKey, "runAfter")
  redis.call("HSET", jobKey, "state", "running", "leaseToken", ARGV[4], "updatedAt", now)
  return {id, recovered, unpack(failed)}
end
for _, id in ipairs(redis.call("ZRANGE", KEYS[3], 0, -1)) do
  local jobKey = prefix .. "job:" .. id
  if redis.call("EXISTS", prefix .. "lease:" .. id) == 0 then
    if redis.call("HGET", jobKey, "state") ~= "running" then
      redis.call("ZREM", KEYS[3], id)
    elseif redis.call("HINCRBY", jobKey, "stalls", 1) <= tonumber(ARGV[5]) then
      return take(id, 1)
    else
      redis.call("ZREM", KEYS[3], id)
      redis.call("HDEL", jobKey, "leaseToken", "cancelRequested")
      redis.call("HSET", jobKey, "state", "failed", "error", ARGV[6], "updatedAt", now)
      redis.call("SADD", KEYS[4], id)
      local slot = activeSlot(prefix, jobKey)
      if redis.call("GET", slot) == id then redis.call("DEL", slot) end
      failed[#failed + 1] = id
    end
  end
end
for _, id in ipairs(redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", now, "LIMIT", 0, 100)) do
  redis.call("ZREM", KEYS[2], id)
  local sequence = redis.call("HGET", prefix .. "job:" .. id, "sequence")
  if sequence then redis.call("ZADD", KEYS[1], sequence, id) end
end
for _ = 1, 100 do
  local id = redis.call("ZRANGE", KEYS[1], 0, 0)[1]
  if not id then break end
  redis.call("ZREM", KEYS[1], id)
  if redis.call("HGET", prefix .. "job:" .. id, "state") == "queued" then return take(id, 0) end
end
return {"", 0, unpack(failed)}
`);

// KEYS: running; ARGV: prefix. {id, lease token} of every running job, to find those held by dead processes.
export const RUNNING_LEASES = new LuaScript(`
local result = {}
for _, id in ipairs(redis.call("ZRANGE", KEYS[1], 0, -1)) do
  local token = redis.call("HGET", ARGV[1] .. "job:" .. id, "leaseToken")
  if token then result[#result + 1] = {id, token} end
end
return result
`);

// KEYS: job lease; ARGV: token. Ends the liveness of a lease still held by this (dead) token, so the next
// claim takes the job back; a job another worker took meanwhile is left alone.
export const EXPIRE_LEASE = new LuaScript(`
if redis.call("HGET", KEYS[1], "leaseToken") ~= ARGV[1] then return 0 end
return redis.call("DEL", KEYS[2])
`);

// KEYS: job lease; ARGV: token lease-ms. Returns {1 while the lease is held (and extends it), cancel flag}.
export const HEARTBEAT = new LuaScript(`
local held = redis.call("HGET", KEYS[1], "leaseToken") == ARGV[1]
if held then redis.call("SET", KEYS[2], ARGV[1], "PX", ARGV[2]) end
return {held and 1 or 0, redis.call("HGET", KEYS[1], "cancelRequested") or "0"}
`);

// KEYS: job; ARGV: token, then changes (see APPLY_CHANGES). Writes only while the lease is held.
export const CHECKPOINT = new LuaScript(`${APPLY_CHANGES}
if redis.call("HGET", KEYS[1], "leaseToken") ~= ARGV[1] then return 0 end
applyChanges(KEYS[1], 2)
return 1
`);

// KEYS: job lease running delayed finished-set; ARGV: prefix token id state now run-after, then changes.
// Ends a lease: back to `delayed` until run-after when the state is queued, else finished (the slot is
// freed). Returns 0, changing nothing, when the lease was lost.
export const END_LEASE = new LuaScript(`${ACTIVE_SLOT}${APPLY_CHANGES}
local id = ARGV[3]
if redis.call("HGET", KEYS[1], "leaseToken") ~= ARGV[2] then return 0 end
redis.call("DEL", KEYS[2])
redis.call("ZREM", KEYS[3], id)
redis.call("HDEL", KEYS[1], "leaseToken")
applyChanges(KEYS[1], 7)
redis.call("HSET", KEYS[1], "state", ARGV[4], "updatedAt", ARGV[5])
if ARGV[4] == "queued" then
  redis.call("HSET", KEYS[1], "runAfter", ARGV[6])
  redis.call("ZADD", KEYS[4], ARGV[6], id)
else
  redis.call("HDEL", KEYS[1], "cancelRequested", "runAfter")
  redis.call("SADD", KEYS[5], id)
  local slot = activeSlot(ARGV[1], KEYS[1])
  if redis.call("GET", slot) == id then redis.call("DEL", slot) end
end
return 1
`);

// KEYS: active-slot ready delayed cancelled; ARGV: prefix reason now. A queued job is cancelled at once; a
// running one is asked to stop (its worker sees the flag on its next heartbeat). Returns the job's id, or nil.
export const CANCEL = new LuaScript(`
local id = redis.call("GET", KEYS[1])
if not id then return false end
local jobKey = ARGV[1] .. "job:" .. id
local state = redis.call("HGET", jobKey, "state")
if state == "queued" then
  redis.call("ZREM", KEYS[2], id)
  redis.call("ZREM", KEYS[3], id)
  redis.call("HDEL", jobKey, "runAfter")
  redis.call("HSET", jobKey, "state", "cancelled", "step", "cancelled", "error", ARGV[2], "updatedAt", ARGV[3])
  redis.call("SADD", KEYS[4], id)
  redis.call("DEL", KEYS[1])
elseif state == "running" then
  redis.call("HSET", jobKey, "cancelRequested", "1", "updatedAt", ARGV[3])
else
  return false
end
return id
`);

// KEYS: job active-slot ready succeeded failed cancelled; ARGV: prefix id now. Queues a finished job again,
// keeping its checkpoints and last outcome, unless another job of the issue is queued or running.
export const RETRY = new LuaScript(`${ACTIVE_SLOT}
local id = ARGV[2]
local state = redis.call("HGET", KEYS[1], "state")
if state ~= "succeeded" and state ~= "failed" and state ~= "cancelled" then return 0 end
local held = redis.call("GET", KEYS[2])
if held and held ~= id and isActiveJob(ARGV[1], held) then return 0 end
redis.call("SET", KEYS[2], id)
for i = 4, 6 do redis.call("SREM", KEYS[i], id) end
redis.call("HDEL", KEYS[1], "error", "runAfter", "cancelRequested", "stalls")
redis.call("HSET", KEYS[1], "state", "queued", "trigger", "retry", "step", "queued", "attempts", 0, "updatedAt", ARGV[3])
redis.call("ZADD", KEYS[3], redis.call("HGET", KEYS[1], "sequence"), id)
return 1
`);

// KEYS: job; ARGV: data-field item-json keep now. Appends the item to the JSON array in the job's data field,
// keeping the newest `keep`; returns 0 when there is no such job. cjson only re-encodes arrays of the items appended
// here (never empty, so never mistaken for an object).
export const APPEND_DATA = new LuaScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local items = {}
local current = redis.call("HGET", KEYS[1], ARGV[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == "table" then items = decoded end
end
table.insert(items, cjson.decode(ARGV[2]))
local keep = tonumber(ARGV[3])
while #items > keep do table.remove(items, 1) end
redis.call("HSET", KEYS[1], ARGV[1], cjson.encode(items), "updatedAt", ARGV[4])
return 1
`);
