import { PassThrough } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isTransient } from "../../../src/errors.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import { Worker } from "../../../src/queue/worker.js";
import { createTrafficControl, type TrafficControlOptions } from "../../../src/traffic/traffic-control.js";
import { TrafficRefusedError, trafficRefusalOf } from "../../../src/traffic/traffic-refused-error.js";
import { FakeClock, fakeSleep, startScriptedServer, type ScriptedServer } from "./support.js";

const log = pino({ level: "silent" });
let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.requests.length = 0;
  server.script({ status: 200, body: { ok: true } });
});

function setup(options: Partial<TrafficControlOptions> = {}) {
  const clock = new FakeClock();
  const { sleep, waits } = fakeSleep(clock);
  // random() = 0.5 means no jitter, so delays are exact.
  const traffic = createTrafficControl({ log, clock, sleep, random: () => 0.5, ...options });
  return { clock, waits, traffic };
}

async function refusal(promise: Promise<unknown>): Promise<TrafficRefusedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TrafficRefusedError);
  return error as TrafficRefusedError;
}

describe("retries", () => {
  it("honours Retry-After in seconds, as an HTTP date, and retry-after-ms", async () => {
    const { traffic, waits, clock } = setup();
    server.script({ status: 429, headers: { "retry-after": "7" } }, { status: 200 });
    expect((await traffic.fetch("tavily", `${server.url}/search`, { method: "POST", body: "{}" })).status).toBe(200);
    expect(waits).toEqual([7000]);

    server.script({ status: 503, headers: { "retry-after": new Date(clock.now() + 12_000).toUTCString() } }, { status: 200 });
    expect((await traffic.fetch("tavily", `${server.url}/search`)).status).toBe(200);
    expect(waits).toEqual([7000, 12_000]);

    server.script({ status: 429, headers: { "retry-after-ms": "1500", "retry-after": "9" } }, { status: 200 });
    expect((await traffic.fetch("huggingface", `${server.url}/api/models`)).status).toBe(200);
    expect(waits).toEqual([7000, 12_000, 1500]);

    const scope = traffic.snapshot().scopes["tavily:post"];
    expect(scope).toMatchObject({ requests: 2, "429": 1, "2xx": 1, retries: 1 });
    expect(server.requests.map((request) => request.body)).toContain("{}");
  });

  it("backs off 1 s then 2 s with ±10 % jitter and stops after 3 attempts, handing back the last answer", async () => {
    for (const [random, expected] of [
      [0.5, [1000, 2000]],
      [0, [900, 1800]],
      [0.999_999, [1100, 2200]],
    ] as const) {
      server.requests.length = 0;
      const { traffic, waits } = setup({ random: () => random });
      server.script({ status: 502 });
      const response = await traffic.fetch("search", `${server.url}/`);
      expect(response.status).toBe(502);
      expect(server.requests).toHaveLength(3);
      expect(waits.map((ms) => Math.round(ms))).toEqual(expected);
      expect(traffic.snapshot().scopes["search:get"]).toMatchObject({ requests: 3, "5xx": 3, retries: 2 });
    }
  });

  it("does not retry 400 or 404, and they do not count as failures", async () => {
    const { traffic, waits } = setup();
    for (const status of [400, 404]) {
      server.requests.length = 0;
      server.script({ status });
      expect((await traffic.fetch("huggingface", `${server.url}/x`)).status).toBe(status);
      expect(server.requests).toHaveLength(1);
    }
    expect(waits).toEqual([]);
    const snapshot = traffic.snapshot();
    expect(snapshot.scopes["huggingface:get"]).toMatchObject({ "4xx": 2, retries: 0 });
    expect(snapshot.providers.huggingface).toMatchObject({ breaker: "closed", consecutiveFailures: 0 });
    expect(snapshot.global.consecutiveFailures).toBe(0);
  });

  it("retries a dropped connection and a timed-out attempt", async () => {
    const { traffic, waits } = setup();
    server.script("reset", "hang", { status: 200, body: { ok: 1 } });
    const response = await traffic.fetch("ddg", `${server.url}/html`, undefined, { timeoutMs: 150 });
    expect(await response.json()).toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([1000, 2000]);
    expect(traffic.snapshot().scopes["ddg:get"]).toMatchObject({ networkErrors: 1, timeouts: 1, "2xx": 1, retries: 2 });
  });

  it("gives up with a transient error carrying retryAfterSeconds instead of waiting longer than the threshold", async () => {
    const { traffic, waits } = setup();
    server.script({ status: 429, headers: { "retry-after": "120" } });
    const error = await refusal(traffic.fetch("openai", `${server.url}/v1/chat/completions`, { method: "POST", body: "{}" }));
    expect(isTransient(error)).toBe(true);
    expect(error).toMatchObject({ reason: "retry-after", retryAfterSeconds: 120, provider: "openai", scope: "openai:post" });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    // The provider's wait holds for every caller: the next call is handed back at once too.
    const next = await refusal(traffic.fetch("openai", `${server.url}/v1/models`));
    expect(next).toMatchObject({ reason: "rate-limited", retryAfterSeconds: 120 });
    expect(server.requests).toHaveLength(1);
  });

  it("rounds sub-second refusals up to 1 s, never 0", () => {
    expect(new TrafficRefusedError("rate-limited", "x:get", 1, "x").retryAfterSeconds).toBe(1);
    expect(new TrafficRefusedError("rate-limited", "x:get", 0, "x").retryAfterSeconds).toBe(1);
    expect(new TrafficRefusedError("rate-limited", "x:get", 1001, "x").retryAfterSeconds).toBe(2);
  });

  it("run() retries what SDKs throw (status, headers) and rethrows the last error; other exceptions are not retried", async () => {
    const { traffic, waits } = setup();
    let calls = 0;
    const unavailable = Object.assign(new Error("unavailable"), { status: 503, headers: { "retry-after": "2" } });
    await expect(
      traffic.run("calendar", "post", async () => {
        calls += 1;
        throw unavailable;
      }),
    ).rejects.toBe(unavailable);
    expect(calls).toBe(3);
    expect(waits).toEqual([2000, 2000]);

    calls = 0;
    await expect(
      traffic.run("calendar", "get", async () => {
        calls += 1;
        throw new Error("bug");
      }),
    ).rejects.toThrow("bug");
    expect(calls).toBe(1);
    expect(traffic.snapshot().scopes["calendar:get"]).toMatchObject({ otherErrors: 1, retries: 0 });
    expect(traffic.snapshot().providers.calendar?.consecutiveFailures).toBe(4);
  });

  it("never retries the caller's own abort", async () => {
    const { traffic } = setup();
    server.script("hang");
    const controller = new AbortController();
    const pending = traffic.fetch("ddg", `${server.url}/slow`, { signal: controller.signal });
    await delay(50);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
    expect(traffic.snapshot().providers.ddg?.consecutiveFailures).toBe(0);
  });
});

describe("token buckets", () => {
  it("waits for a token when the wait is short and refuses when it is long", async () => {
    const { traffic, waits } = setup({
      settings: { providers: { tiny: { capacity: 2, refillPerSecond: 1 }, slow: { capacity: 1, refillPerSecond: 0.01 } } },
    });
    for (let i = 0; i < 3; i++) await traffic.fetch("tiny", `${server.url}/`);
    expect(waits).toEqual([1000]);

    await traffic.fetch("slow", `${server.url}/`);
    const error = await refusal(traffic.fetch("slow", `${server.url}/`));
    expect(error).toMatchObject({ reason: "rate-limited", retryAfterSeconds: 100 });
  });

  it("keeps one bucket per provider:method scope with the provider's defaults", () => {
    const { traffic } = setup();
    for (let i = 0; i < 60; i++) expect(traffic.acquire("github", "get").allowed).toBe(true);
    expect(traffic.acquire("github", "GET")).toEqual({ allowed: false, reason: "rate-limited", retryAfterMs: 1000 });
    expect(traffic.acquire("github", "post").allowed).toBe(true);
    const scopes = traffic.snapshot().scopes;
    expect(scopes["github:get"]).toMatchObject({ capacity: 60, refillPerSecond: 1, tokensAvailable: 0, throttled: 1 });
    expect(scopes["github:post"]).toMatchObject({ capacity: 60, tokensAvailable: 59 });
    traffic.acquire("openai", "post");
    traffic.acquire("tavily", "post");
    expect(traffic.snapshot().scopes["openai:post"]).toMatchObject({ capacity: 500, refillPerSecond: 8.33 });
    expect(traffic.snapshot().scopes["tavily:post"]).toMatchObject({ capacity: 100, refillPerSecond: 10 });
  });
});

describe("circuit breaker", () => {
  it("opens after 5 consecutive failures, half-opens after 60 s and closes after 2 successful trials", async () => {
    const { traffic, clock } = setup();
    server.script({ status: 500 });
    for (let i = 0; i < 5; i++) expect((await traffic.fetch("hf", `${server.url}/`, undefined, { retry: false })).status).toBe(500);
    expect(traffic.snapshot().providers.hf?.breaker).toBe("open");

    const error = await refusal(traffic.fetch("hf", `${server.url}/`));
    expect(error).toMatchObject({ reason: "circuit-open", retryAfterSeconds: 60 });
    expect(server.requests).toHaveLength(5);

    clock.advance(60_000);
    expect(traffic.snapshot().providers.hf?.breaker).toBe("half-open");
    server.script({ status: 200 });
    await traffic.fetch("hf", `${server.url}/`);
    expect(traffic.snapshot().providers.hf?.breaker).toBe("half-open");
    await traffic.fetch("hf", `${server.url}/`);
    expect(traffic.snapshot().providers.hf?.breaker).toBe("closed");
  });

  it("lets 3 trial calls through while half-open and reopens on a failed trial", () => {
    const { traffic, clock } = setup();
    for (let i = 0; i < 3; i++) {
      expect(traffic.acquire("github", "get").allowed).toBe(true);
      traffic.record("github", "get", { kind: "server-error", status: 502 });
    }
    expect(traffic.snapshot().providers.github?.breaker).toBe("open");
    clock.advance(59_999);
    expect(traffic.acquire("github", "get")).toEqual({ allowed: false, reason: "circuit-open", retryAfterMs: 1 });
    clock.advance(1);
    expect([1, 2, 3, 4].map(() => traffic.acquire("github", "get").allowed)).toEqual([true, true, true, false]);
    traffic.record("github", "get", { kind: "timeout" });
    expect(traffic.snapshot().providers.github).toMatchObject({ breaker: "open" });
    expect(traffic.acquire("github", "get")).toMatchObject({ allowed: false, reason: "circuit-open", retryAfterMs: 60_000 });
  });

  it("does not count 4xx, and a 4xx answer resets the run of failures", () => {
    const { traffic } = setup();
    const fail = () => traffic.record("notion", "get", { kind: "server-error", status: 500 });
    for (let i = 0; i < 4; i++) fail();
    traffic.record("notion", "get", { kind: "client-error", status: 404 });
    for (let i = 0; i < 4; i++) fail();
    traffic.record("notion", "get", { kind: "rate-limited", status: 429 });
    expect(traffic.snapshot().providers.notion).toMatchObject({ breaker: "closed", consecutiveFailures: 4 });
    fail();
    expect(traffic.snapshot().providers.notion?.breaker).toBe("open");
  });
});

describe("degraded mode", () => {
  it("starts when the global cap of 1,000 requests a minute is crossed, spares exempt providers, and ends after 60 s", () => {
    const { traffic, clock } = setup();
    const changes: unknown[] = [];
    traffic.onDegradedChange((change) => changes.push(change));
    // Ten providers of 100 tokens each: 1,000 requests within the minute.
    for (let i = 0; i < 1000; i++) expect(traffic.acquire(`provider${i % 10}`, "get").allowed).toBe(true);
    expect(traffic.isDegraded()).toBe(false);
    expect(traffic.snapshot().global.requestsLastMinute).toBe(1000);

    expect(traffic.acquire("provider10", "get")).toEqual({ allowed: false, reason: "global-cap", retryAfterMs: 60_000 });
    expect(traffic.isDegraded()).toBe(true);
    expect(traffic.allowStart()).toBe(false);
    expect(traffic.degradedUntil).toBe(clock.now() + 60_000);
    expect(changes).toEqual([{ degraded: true, until: clock.now() + 60_000, reason: "more than 1000 outbound requests in a minute" }]);

    clock.advance(1_000);
    expect(traffic.acquire("provider11", "get")).toEqual({ allowed: false, reason: "degraded", retryAfterMs: 59_000 });
    for (const exempt of ["discord", "slack", "teams", "github"]) expect(traffic.acquire(exempt, "post").allowed).toBe(true);

    const snapshot = traffic.snapshot();
    expect(snapshot).toMatchObject({ degraded: true, degradedUntil: new Date(clock.now() + 59_000).toISOString() });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);

    clock.advance(59_000);
    expect(traffic.allowStart()).toBe(true);
    expect(traffic.isDegraded()).toBe(false);
    expect(traffic.degradedUntil).toBeUndefined();
    expect(changes).toHaveLength(2);
    expect(changes[1]).toEqual({ degraded: false });
    expect(traffic.acquire("provider11", "get").allowed).toBe(true);
    traffic.close();
  });

  it("counts over a sliding minute", () => {
    const { traffic, clock } = setup({ settings: { providers: { bulk: { capacity: 5000, refillPerSecond: 100 } } } });
    for (let i = 0; i < 600; i++) traffic.acquire("bulk", "get");
    clock.advance(30_000);
    for (let i = 0; i < 400; i++) traffic.acquire("bulk", "get");
    expect(traffic.snapshot().global.requestsLastMinute).toBe(1000);
    clock.advance(30_000);
    expect(traffic.snapshot().global.requestsLastMinute).toBe(400);
    for (let i = 0; i < 600; i++) expect(traffic.acquire("bulk", "get").allowed).toBe(true);
    expect(traffic.acquire("bulk", "get")).toMatchObject({ allowed: false, reason: "global-cap" });
    traffic.close();
  });

  it("starts after 10 consecutive failures across providers and refuses non-exempt calls with a transient error", async () => {
    const { traffic, clock } = setup();
    server.script({ status: 503 });
    for (const provider of ["tavily", "huggingface"]) {
      for (let i = 0; i < 5; i++) await traffic.fetch(provider, `${server.url}/`, undefined, { retry: false });
    }
    expect(traffic.isDegraded()).toBe(true);
    expect(traffic.snapshot().degradedReason).toBe("10 outbound requests failed in a row (last: huggingface:get)");

    server.requests.length = 0;
    const error = await refusal(traffic.fetch("openai", `${server.url}/v1/chat/completions`, { method: "POST" }));
    expect(error).toMatchObject({ kind: "transient", reason: "degraded", retryAfterSeconds: 60 });
    expect(server.requests).toHaveLength(0);

    server.script({ status: 200 });
    expect((await traffic.fetch("slack", `${server.url}/hook`, { method: "POST", body: "{}" })).status).toBe(200);
    expect(server.requests).toHaveLength(1);

    clock.advance(60_000);
    expect(traffic.isDegraded()).toBe(false);
    expect((await traffic.fetch("openai", `${server.url}/v1/models`)).status).toBe(200);
    traffic.close();
  });

  it("announces the end of degraded mode on time even when nothing calls in", async () => {
    const traffic = createTrafficControl({ log, settings: { degradedCooldownMs: 40 } });
    const changes: boolean[] = [];
    traffic.onDegradedChange((change) => changes.push(change.degraded));
    traffic.enterDegraded("test");
    await delay(20);
    traffic.enterDegraded("again");
    await delay(120);
    expect(changes).toEqual([true, false]);
    traffic.close();
  });

  it("exempt providers are configurable", () => {
    const { traffic } = setup({ settings: { exempt: ["openai"] } });
    traffic.enterDegraded("maintenance");
    expect(traffic.acquire("openai", "post").allowed).toBe(true);
    expect(traffic.acquire("slack", "post")).toMatchObject({ allowed: false, reason: "degraded" });
    traffic.close();
  });

  it("holds jobs in the queue while degraded and runs them after the cooldown: none is lost", async () => {
    const { traffic, clock } = setup();
    const queue = new SqliteJobQueue(openDatabase(":memory:"));
    const workerLog = await createLogger({ level: "silent", destination: new PassThrough() });
    const ran: number[] = [];
    const worker = new Worker({
      queue,
      log: workerLog,
      idlePollMs: 10,
      gate: traffic,
      handler: async ({ job }) => {
        ran.push(job.issue);
        return { checks: "none" };
      },
    });
    traffic.enterDegraded("test");
    await queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    await queue.enqueue({ repo: "o/r", issue: 2, trigger: "label" });
    worker.start();
    await delay(150);
    expect(ran).toEqual([]);
    expect((await queue.counts()).queued).toBe(2);

    clock.advance(60_000);
    for (let i = 0; i < 100 && ran.length < 2; i++) await delay(10);
    await worker.stop();
    expect(ran.sort()).toEqual([1, 2]);
    expect((await queue.counts()).succeeded).toBe(2);
    traffic.close();
  });
});

describe("fetchFor as an SDK's fetch", () => {
  it("drives the openai client: Retry-After honoured, and a refusal found inside the SDK's error", async () => {
    const { traffic, waits } = setup();
    const openai = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0, fetch: traffic.fetchFor("openai") });
    const completion = {
      id: "c1",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    };
    server.script({ status: 429, headers: { "retry-after": "3" }, body: { error: { message: "slow down" } } }, { status: 200, body: completion });
    const answer = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hello" }] });
    expect(answer.choices[0]?.message.content).toBe("hi");
    expect(waits).toEqual([3000]);
    expect(traffic.snapshot().scopes["openai:post"]).toMatchObject({ "429": 1, "2xx": 1, retries: 1 });

    traffic.enterDegraded("test");
    const error = await openai.chat.completions.create({ model: "m", messages: [] }).catch((caught: unknown) => caught);
    expect(trafficRefusalOf(error)).toMatchObject({ reason: "degraded", retryAfterSeconds: 60 });
    traffic.close();
  });
});
