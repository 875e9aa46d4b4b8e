// Dashboard benchmark: latency of the overview (/venom) and a page of jobs (/venom/api/jobs) on loopback with
// BENCH_JOBS jobs stored (default 1,000, a tenth carrying full 200-call traces), against two baselines measured side
// by side in the same run: the same routes of a second app holding 10 jobs, and GET /healthz of the big app.
// Requests alternate between the routes and the two apps round by round, so neither side runs on a warmer machine.
// Rounds are paced under the inbound limit of /venom/api (20 requests a second per client): latency, not throughput.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { PassThrough } from "node:stream";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { MAX_ARGUMENT_CHARS, MAX_CHECKS_OUTPUT_CHARS, MAX_RESULT_CHARS, MAX_TOOL_CALLS, type RunTraceData } from "../../src/pipeline/run-trace.js";
import { DEFAULT_INBOUND_GROUPS } from "../../src/traffic/inbound-limiter.js";
import { createVenom, type Venom } from "../../src/venom.js";

const jobCount = Math.round(readPositiveNumber("BENCH_JOBS", 1_000));
const baselineJobCount = 10;
const rounds = Math.round(readPositiveNumber("BENCH_ROUNDS", 200));
const warmupRounds = 20;
const targetMs = 100;

function readPositiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[bench:dashboard] ${message}\n`);
}

/** A full trace as the pipeline caps it: MAX_TOOL_CALLS calls with arguments and results at their limits, the checks too. */
function fullTrace(): RunTraceData {
  const at = "2026-01-01T00:00:00.000Z";
  return {
    steps: ["intake", "workspace", "plan", "code", "commit", "pull_request", "notify"].map((name) => ({ name, kind: "step", attempt: 1, startedAt: at, endedAt: at })),
    toolCalls: Array.from({ length: MAX_TOOL_CALLS }, (_, n) => ({
      at,
      attempt: 1,
      agent: n < 40 ? "architect" : "coder",
      name: n % 3 === 0 ? "str_replace" : "read_file",
      arguments: `{"path":"src/file-${n}.ts","text":"${"a".repeat(MAX_ARGUMENT_CHARS - 40)}"}`,
      result: "r".repeat(MAX_RESULT_CHARS),
      ok: true,
      resultChars: MAX_RESULT_CHARS * 3,
    })),
    toolCallsDropped: 57,
    checks: { at, attempt: 1, result: "passed", summary: "42 passed", output: "o".repeat(MAX_CHECKS_OUTPUT_CHARS) },
  };
}

interface App {
  venom: Venom;
  port: number;
  dataDir: string;
  tracedJobId: string;
}

async function startApp(jobs: number): Promise<App> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "venom-bench-dashboard-"));
  // No VENOM_DASHBOARD_TOKEN: a loopback client is served without sign-in. No worker: the jobs stay as stored.
  const config = readConfig({ VENOM_DATA_DIR: dataDir }, "/tmp");
  const venom = await createVenom({ config, log: await createLogger({ level: "silent", destination: new PassThrough() }), handler: async () => ({ checks: "none" }) });
  const trace = fullTrace();
  let tracedJobId = "";
  for (let issue = 1; issue <= jobs; issue += 1) {
    const traced = issue % 10 === 0;
    const { job } = await venom.queue.enqueue({ repo: `bench/repo-${issue % 25}`, issue, trigger: "poll", data: traced ? { trace, commentId: issue } : {} });
    if (traced) tracedJobId = job.id;
  }
  const port = await venom.listen(0, "127.0.0.1");
  return { venom, port, dataDir, tracedJobId };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on loopback, timed from the request to the last byte of the answer. */
function timedGet(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = httpRequest({ host: "127.0.0.1", port, method: "GET", path: target, agent }, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => {
        const took = performance.now() - started;
        if (response.statusCode !== 200) reject(new Error(`GET ${target} answered ${response.statusCode} (429: the pacing under the inbound limit is off)`));
        else resolve(took);
      });
    });
    request.on("error", reject);
    request.end();
  });
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}
const median = (values: number[]) => percentile(values, 0.5);

async function main(): Promise<void> {
  progress(`storing ${jobCount} jobs (a tenth with ${MAX_TOOL_CALLS}-call traces) and ${baselineJobCount} jobs in a second app`);
  const big = await startApp(jobCount);
  const small = await startApp(baselineJobCount);
  const routes = [
    { label: "GET /venom", path: () => "/venom" },
    { label: "GET /venom/api/jobs", path: () => "/venom/api/jobs" },
    { label: "GET /venom/api/jobs?page=7&per_page=50", path: () => "/venom/api/jobs?page=7&per_page=50" },
    { label: "GET /venom/api/jobs/:id (traced run)", path: (app: App) => `/venom/api/jobs/${app.tracedJobId}` },
  ];
  // Page 7 of 50 exists only with 1,000 jobs; the small app answers its (empty) page 7 the same way.
  const rows = new Map<string, { big: number[]; small: number[] }>(routes.map((route) => [route.label, { big: [], small: [] }]));
  const healthz: number[] = [];
  // Each app gets one round's /venom/api requests per round: paced so its bucket refills as fast as it drains.
  const apiRefill = DEFAULT_INBOUND_GROUPS.find((group) => group.prefix === "/venom/api")?.refillPerSecond ?? 20;
  const roundMs = Math.ceil((1_000 * routes.filter((route) => route.path(big).startsWith("/venom/api")).length) / apiRefill) + 10;
  try {
    progress(`${warmupRounds} warm-up rounds, then ${rounds} measured rounds (Node ${process.version})`);
    for (let round = 0; round < warmupRounds + rounds; round += 1) {
      const measured = round >= warmupRounds;
      const roundStarted = performance.now();
      const order: Array<[App, "big" | "small"]> = round % 2 === 0 ? [[big, "big"], [small, "small"]] : [[small, "small"], [big, "big"]];
      for (const route of routes) {
        for (const [app, side] of order) {
          const took = await timedGet(app.port, route.path(app));
          if (measured) rows.get(route.label)![side].push(took);
        }
      }
      const took = await timedGet(big.port, "/healthz");
      if (measured) healthz.push(took);
      const rest = roundMs - (performance.now() - roundStarted);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  } finally {
    agent.destroy();
    for (const app of [big, small]) {
      await app.venom.stop();
      rmSync(app.dataDir, { recursive: true, force: true });
    }
  }

  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const healthzMedian = median(healthz);
  console.log(`\nDashboard latency on loopback, ${rounds} rounds (after ${warmupRounds} warm-up, one every ${roundMs} ms), one keep-alive connection, Node ${process.version}`);
  console.log(`  ${jobCount} jobs stored (${Math.floor(jobCount / 10)} with ${MAX_TOOL_CALLS}-call traces) vs ${baselineJobCount} jobs, measured side by side; target < ${targetMs} ms at p95\n`);
  console.log(
    `  ${"route".padEnd(40)} ${`median (${jobCount})`.padStart(15)} ${`p95 (${jobCount})`.padStart(13)} ${`median (${baselineJobCount})`.padStart(13)} ${`p95 (${baselineJobCount})`.padStart(11)} ${"ratio".padStart(7)} ${"× healthz".padStart(10)} target`,
  );
  const summary: Record<string, unknown> = {};
  let allWithinTarget = true;
  for (const route of routes) {
    const row = rows.get(route.label)!;
    const bigMedian = median(row.big);
    const bigP95 = percentile(row.big, 0.95);
    const smallMedian = median(row.small);
    const within = bigP95 < targetMs;
    allWithinTarget &&= within;
    console.log(
      `  ${route.label.padEnd(40)} ${ms(bigMedian).padStart(15)} ${ms(bigP95).padStart(13)} ${ms(smallMedian).padStart(13)} ${ms(percentile(row.small, 0.95)).padStart(11)} ${`${(bigMedian / smallMedian).toFixed(2)}×`.padStart(7)} ${`${(bigMedian / healthzMedian).toFixed(1)}×`.padStart(10)} ${within ? "ok" : "MISSED"}`,
    );
    summary[route.label] = { medianMs: bigMedian, p95Ms: bigP95, baselineMedianMs: smallMedian, baselineP95Ms: percentile(row.small, 0.95), ratio: bigMedian / smallMedian };
  }
  console.log(`  ${"GET /healthz".padEnd(40)} ${ms(healthzMedian).padStart(15)} ${ms(percentile(healthz, 0.95)).padStart(13)}   (baseline: the same server's cheapest route)`);
  console.log(`\n  ratio = median with ${jobCount} jobs / median with ${baselineJobCount}; × healthz = median with ${jobCount} jobs / median of GET /healthz`);
  console.log(`  all routes within ${targetMs} ms at p95: ${allWithinTarget ? "yes" : "NO"}`);
  console.log(JSON.stringify({ benchmark: "dashboard", jobs: jobCount, baselineJobs: baselineJobCount, rounds, healthz: { medianMs: healthzMedian, p95Ms: percentile(healthz, 0.95) }, routes: summary }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
