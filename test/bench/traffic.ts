// Traffic benchmark: limiter decisions per second on one core, and what the inbound limiter adds to one HTTP request.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { send } from "../../src/http/respond.js";
import { TokenBucket } from "../../src/traffic/token-bucket.js";
import { createInboundLimiter, type InboundLimiter } from "../../src/traffic/inbound-limiter.js";
import { createTrafficControl } from "../../src/traffic/traffic-control.js";

const decisionSeconds = readPositiveNumber("BENCH_SECONDS", 2);
const requestCount = Math.round(readPositiveNumber("BENCH_REQUESTS", 20_000));
const scopes: Array<[string, string]> = [
  ["openai", "post"],
  ["github", "get"],
  ["github", "post"],
  ["tavily", "post"],
  ["ddg", "get"],
  ["huggingface", "get"],
  ["discord", "post"],
  ["slack", "post"],
];

function readPositiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[bench:traffic] ${message}\n`);
}

/** Calls `decide` in a tight loop for `seconds` (after a short warm-up); returns decisions per second and how many were "yes". */
function measure(seconds: number, decide: (index: number) => boolean): { perSecond: number; allowedShare: number } {
  const batch = 10_000;
  const warmupEnd = performance.now() + 200;
  for (let index = 0; performance.now() < warmupEnd; ) for (let i = 0; i < batch; i++, index++) decide(index);
  let count = 0;
  let allowed = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++, count++) if (decide(count)) allowed += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: count / elapsed, allowedShare: allowed / count };
}

function outboundDecisions(): Array<{ name: string; perSecond: number; allowedShare: number }> {
  const log = pino({ level: "silent" });
  const results: Array<{ name: string; perSecond: number; allowedShare: number }> = [];

  // Every decision takes the whole path (degraded → global cap → breaker → bucket) and is allowed.
  const roomy = createTrafficControl({
    log,
    settings: {
      defaultLimit: { capacity: 1e12, refillPerSecond: 1e12 },
      providers: Object.fromEntries(scopes.map(([provider]) => [provider, { capacity: 1e12, refillPerSecond: 1e12 }])),
      globalPerMinute: Number.MAX_SAFE_INTEGER,
    },
  });
  results.push({
    name: `acquire(), ${scopes.length} scopes, full path, all allowed`,
    ...measure(decisionSeconds, (index) => {
      const [provider, method] = scopes[index & 7] ?? ["openai", "post"];
      return roomy.acquire(provider, method).allowed;
    }),
  });
  roomy.close();

  // The reference numbers; within a few hundred ms the buckets are empty and the global cap puts it in degraded mode.
  const reference = createTrafficControl({ log });
  results.push({
    name: `acquire(), ${scopes.length} scopes, reference limits (mostly refused)`,
    ...measure(decisionSeconds, (index) => {
      const [provider, method] = scopes[index & 7] ?? ["openai", "post"];
      return reference.acquire(provider, method).allowed;
    }),
  });
  reference.close();

  const buckets = scopes.map(() => new TokenBucket(1e12, 1e12, Date.now()));
  results.push({
    name: `TokenBucket.take() alone, ${scopes.length} buckets, Date.now() each`,
    ...measure(decisionSeconds, (index) => (buckets[index & 7] as TokenBucket).take(Date.now()) === 0),
  });

  const requests = Array.from({ length: 64 }, (_, index) => fakeRequest(index));
  const roomyInbound = createInboundLimiter({
    groups: [
      { name: "webhook", prefix: "/api/github/webhooks", capacity: 1e12, refillPerSecond: 1e12, enforce: false },
      { name: "dashboard", prefix: "/venom/api", capacity: 1e12, refillPerSecond: 1e12 },
      { name: "other", prefix: "/", capacity: 1e12, refillPerSecond: 1e12 },
    ],
  });
  results.push({
    name: "inbound check(), 64 keys over 3 groups, all allowed",
    ...measure(decisionSeconds, (index) => roomyInbound.check(requests[index & 63] as IncomingMessage).allowed),
  });
  const inbound = createInboundLimiter();
  results.push({
    name: "inbound check(), 64 keys, default 200 / 20 per s (mostly refused)",
    ...measure(decisionSeconds, (index) => inbound.check(requests[index & 63] as IncomingMessage).allowed),
  });
  return results;
}

function fakeRequest(index: number): IncomingMessage {
  const paths = ["/venom/api/jobs", "/api/github/webhooks", "/venom"];
  // Keyed by address: X-Actor / X-Session-Id are sent as clients do, and ignored as they must be.
  const headers: Record<string, string> = index % 3 === 0 ? { "x-actor": `user${index}` } : index % 3 === 1 ? { "x-session-id": `s${index}` } : {};
  return { url: paths[index % 3], method: "GET", headers, socket: { remoteAddress: `10.0.0.${index}` } } as unknown as IncomingMessage;
}

interface Timings {
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: number[]): Timings {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length };
}

async function startServer(limiter: InboundLimiter | undefined): Promise<{ server: Server; port: number }> {
  const answer = (_request: IncomingMessage, response: ServerResponse) => send(response, 200, { ok: true });
  const server = createServer((request, response) => {
    if (limiter?.(request, response)) return;
    answer(request, response);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = httpRequest({ host: "127.0.0.1", port, path, agent, headers: { "x-actor": "bench" } }, (response) => {
      response.resume();
      response.on("end", () => {
        if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1000);
      });
    });
    request.on("error", reject);
    request.end();
  });
}

async function inboundOverhead(): Promise<{ without: Timings; with: Timings; middlewareNs: number }> {
  // Limits high enough that every request passes: what is measured is the cost of deciding, not of refusing.
  const limiter = createInboundLimiter({
    groups: [
      { name: "dashboard", prefix: "/venom/api", capacity: 1e12, refillPerSecond: 1e12 },
      { name: "other", prefix: "/", capacity: 1e12, refillPerSecond: 1e12 },
    ],
  });
  const plain = await startServer(undefined);
  const limited = await startServer(limiter);
  const plainAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const limitedAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const path = "/venom/api/jobs";
  for (let i = 0; i < 1_000; i++) {
    await get(plainAgent, plain.port, path);
    await get(limitedAgent, limited.port, path);
  }
  // Alternating rounds, so drift (GC, CPU frequency) hits both sides alike.
  const without: number[] = [];
  const withLimiter: number[] = [];
  const round = 500;
  for (let done = 0; done < requestCount; done += round) {
    for (let i = 0; i < round; i++) without.push(await get(plainAgent, plain.port, path));
    for (let i = 0; i < round; i++) withLimiter.push(await get(limitedAgent, limited.port, path));
  }
  plainAgent.destroy();
  limitedAgent.destroy();
  await Promise.all([plain, limited].map(({ server }) => new Promise((resolve) => server.close(resolve))));

  // The middleware alone, in-process: its cost per request without the network around it.
  const request = fakeRequest(0);
  const response = {} as ServerResponse;
  const iterations = 2_000_000;
  for (let i = 0; i < 200_000; i++) limiter(request, response);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) limiter(request, response);
  const middlewareNs = Number(process.hrtime.bigint() - started) / iterations;
  return { without: summarize(without), with: summarize(withLimiter), middlewareNs };
}

async function main(): Promise<void> {
  progress(`limiter decisions: ${decisionSeconds} s per case on one core (Node ${process.version})`);
  const decisions = outboundDecisions();
  progress(`inbound overhead: ${requestCount} sequential keep-alive requests per server`);
  const overhead = await inboundOverhead();

  const format = (value: number) => Math.round(value).toLocaleString("en-US");
  console.log("\nLimiter decisions per second (single thread; reference system: ~313,000)");
  for (const result of decisions) {
    console.log(`  ${result.name.padEnd(68)} ${format(result.perSecond).padStart(12)} /s  (${(result.allowedShare * 100).toFixed(1)} % allowed)`);
  }
  const us = (value: number) => `${value.toFixed(1)} µs`;
  console.log(`\nInbound limiter on one request (plain node:http server, ${requestCount} sequential GETs over keep-alive each)`);
  console.log(`  ${"".padEnd(22)} ${"p50".padStart(10)} ${"p99".padStart(10)} ${"mean".padStart(10)}`);
  console.log(`  ${"without limiter".padEnd(22)} ${us(overhead.without.p50).padStart(10)} ${us(overhead.without.p99).padStart(10)} ${us(overhead.without.mean).padStart(10)}`);
  console.log(`  ${"with limiter".padEnd(22)} ${us(overhead.with.p50).padStart(10)} ${us(overhead.with.p99).padStart(10)} ${us(overhead.with.mean).padStart(10)}`);
  console.log(
    `  ${"difference".padEnd(22)} ${us(overhead.with.p50 - overhead.without.p50).padStart(10)} ${us(overhead.with.p99 - overhead.without.p99).padStart(10)} ${us(overhead.with.mean - overhead.without.mean).padStart(10)}`,
  );
  console.log(`  middleware alone, in-process: ${overhead.middlewareNs.toFixed(0)} ns per request`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
