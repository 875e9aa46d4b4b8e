// Ingest benchmark: floods this app and a stock Probot 14 app with signed issues.labeled deliveries and compares them.
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { runLoad, type LoadRequest, type LoadResult } from "./support/autocannon.js";
import { buildLabeledDelivery, type SignedDelivery } from "./support/delivery.js";
import { findFreePort, startTarget, waitUntilReady, type Target } from "./support/processes.js";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const webhookPath = "/api/github/webhooks";
const connections = 50;
const warmupSeconds = 2;
const measuredSeconds = readPositiveNumber("BENCH_SECONDS", 10);
const webhookSecret = randomBytes(20).toString("hex");
// Nothing may reach the internet: every GitHub call of either app goes to a closed local port.
const unreachableGitHubHost = "127.0.0.1:1";

type Outcome = "ok" | "missing" | "crashed";

interface TargetReport {
  name: string;
  outcome: Outcome;
  /** Why the target is missing or crashed. */
  reason?: string;
  requestsPerSecond?: number;
  latencyP50Milliseconds?: number;
  latencyP99Milliseconds?: number;
  responses2xx?: number;
  non2xx?: number;
  errors?: number;
  timeouts?: number;
  statusCodes?: Record<string, number>;
  peakRssMegabytes?: number;
}

interface Durability {
  onDisk: number | null;
  /** 2xx answers over the warm-up and the measured run (every one promised a row). */
  accepted2xx: number;
  error?: string;
}

const liveTargets = new Set<Target>();

function readPositiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds, got "${raw}"`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[bench:ingest] ${message}\n`);
}

/** One request template; setupRequest gives every delivery a fresh X-GitHub-Delivery (repeated ids are dropped as duplicates). */
function deliveryRequests(delivery: SignedDelivery): LoadRequest[] {
  return [
    {
      method: "POST",
      path: webhookPath,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": delivery.event,
        "x-hub-signature-256": delivery.signature,
      },
      body: delivery.body,
      setupRequest: (request) => ({ ...request, headers: { ...request.headers, "x-github-delivery": randomUUID() } }),
    },
  ];
}

function statusCounts(result: LoadResult): Record<string, number> {
  return Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, stats]) => [status, stats.count]));
}

/** Warms up, then measures; a target that exits meanwhile is reported as crashed with what was measured so far. */
async function loadTarget(target: Target, port: number, delivery: SignedDelivery): Promise<{ warmup: LoadResult; measured: LoadResult }> {
  const url = `http://127.0.0.1:${port}${webhookPath}`;
  progress(`${target.name}: warm-up ${warmupSeconds} s`);
  const warmup = await runLoad({ url, connections, duration: warmupSeconds, requests: deliveryRequests(delivery) });
  progress(`${target.name}: measuring ${measuredSeconds} s with ${connections} connections`);
  const measured = await runLoad({ url, connections, duration: measuredSeconds, requests: deliveryRequests(delivery) });
  return { warmup, measured };
}

function reportFrom(name: string, target: Target, measured: LoadResult): TargetReport {
  const crashed = target.exited !== undefined;
  return {
    name,
    outcome: crashed ? "crashed" : "ok",
    ...(crashed ? { reason: `exited during the run (${describeExit(target)})` } : {}),
    requestsPerSecond: measured.requests.average,
    latencyP50Milliseconds: measured.latency.p50,
    latencyP99Milliseconds: measured.latency.p99,
    responses2xx: measured["2xx"],
    non2xx: measured.non2xx,
    errors: measured.errors,
    timeouts: measured.timeouts,
    statusCodes: statusCounts(measured),
    peakRssMegabytes: target.peakResidentBytes() / (1024 * 1024),
  };
}

function describeExit(target: Target): string {
  const exit = target.exited;
  if (!exit) return "still running";
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

function missing(name: string, reason: string, detail?: string): TargetReport {
  progress(`${name}: missing: ${reason}`);
  if (detail?.trim()) process.stderr.write(`${detail.trim()}\n`);
  return { name, outcome: "missing", reason };
}

/** Starts a target, waits for its readiness URL, loads it and stops it (SIGTERM, SIGKILL after 3 s). */
async function benchmarkTarget(
  name: string,
  start: (port: number) => Target,
  readinessPath: string,
  delivery: SignedDelivery,
): Promise<{ report: TargetReport; accepted2xx: number }> {
  const port = await findFreePort();
  const target = start(port);
  liveTargets.add(target);
  try {
    if (!(await waitUntilReady(target, `http://127.0.0.1:${port}${readinessPath}`))) {
      const why = target.exited ? `exited before it was ready (${describeExit(target)})` : `GET ${readinessPath} never answered 200`;
      return { report: missing(name, why, target.outputTail()), accepted2xx: 0 };
    }
    const { warmup, measured } = await loadTarget(target, port, delivery);
    const report = reportFrom(name, target, measured);
    if (report.outcome === "crashed") process.stderr.write(`${target.outputTail().trim()}\n`);
    return { report, accepted2xx: warmup["2xx"] + measured["2xx"] };
  } finally {
    await target.stop();
    liveTargets.delete(target);
  }
}

function buildThisApp(): { ok: true } | { ok: false; output: string } {
  progress("npm run build");
  const build = spawnSync("npm", ["run", "build"], { cwd: repositoryRoot, encoding: "utf8" });
  if (build.status === 0 && existsSync(join(repositoryRoot, "dist/src/main.js"))) return { ok: true };
  const output = `${build.stdout ?? ""}${build.stderr ?? ""}${build.error ? String(build.error) : ""}`;
  return { ok: false, output: output.slice(-4000) };
}

function countDeliveries(databaseFile: string): number {
  const database = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const row = database.prepare("SELECT COUNT(*) AS count FROM deliveries").get() as { count: number };
    return row.count;
  } finally {
    database.close();
  }
}

async function benchmarkThisApp(delivery: SignedDelivery): Promise<{ report: TargetReport; durability?: Durability }> {
  const name = "venom";
  const build = buildThisApp();
  if (!build.ok) return { report: missing(name, "npm run build failed", build.output) };

  const dataDirectory = mkdtempSync(join(tmpdir(), "venom-bench-"));
  try {
    const { report, accepted2xx } = await benchmarkTarget(
      name,
      (port) =>
        // cwd is the scratch directory, so no developer .env is picked up.
        startTarget(name, process.execPath, [join(repositoryRoot, "dist/src/main.js"), "serve"], {
          GITHUB_TOKEN: `ghp_${randomBytes(18).toString("hex")}`,
          GITHUB_REPO_NAME: "Codertocat/Hello-World",
          WEBHOOK_SECRET: webhookSecret,
          HOST: "127.0.0.1",
          PORT: String(port),
          LOG_LEVEL: "warn",
          LOG_FORMAT: "json",
          VENOM_DATA_DIR: dataDirectory,
          GHE_HOST: unreachableGitHubHost,
          GHE_PROTOCOL: "http",
        }, dataDirectory),
      "/healthz",
      delivery,
    );
    if (report.outcome === "missing") return { report };
    // Counted after the process is gone: what survived the run on disk.
    const durability: Durability = { onDisk: null, accepted2xx };
    try {
      durability.onDisk = countDeliveries(join(dataDirectory, "venom.db"));
    } catch (error) {
      durability.error = error instanceof Error ? error.message : String(error);
    }
    return { report, durability };
  } finally {
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

async function benchmarkStockProbot(delivery: SignedDelivery): Promise<TargetReport> {
  const name = "stock probot";
  const { report } = await benchmarkTarget(
    name,
    (port) =>
      startTarget(name, process.execPath, ["--import", "tsx", join(repositoryRoot, "test/bench/support/stock-probot.ts")], {
        WEBHOOK_SECRET: webhookSecret,
        PORT: String(port),
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
      }, repositoryRoot),
    "/ping",
    delivery,
  );
  return report;
}

function format(value: number | undefined, digits: number): string {
  return value === undefined ? "n/a" : value.toFixed(digits);
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  if (numerator === undefined || denominator === undefined || denominator === 0) return null;
  return numerator / denominator;
}

function printTable(reports: TargetReport[]): void {
  const header = ["target", "req/s", "p50 ms", "p99 ms", "2xx", "non-2xx", "errors", "peak RSS MB", "status"];
  const rows = reports.map((report) => [
    report.name,
    format(report.requestsPerSecond, 0),
    format(report.latencyP50Milliseconds, 1),
    format(report.latencyP99Milliseconds, 1),
    format(report.responses2xx, 0),
    format(report.non2xx, 0),
    report.errors === undefined ? "n/a" : `${report.errors}${report.timeouts ? ` (${report.timeouts} timeouts)` : ""}`,
    format(report.peakRssMegabytes, 1),
    report.outcome === "ok" ? "ok" : `${report.outcome}: ${report.reason ?? ""}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
  console.log(line(header).trimEnd());
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row).trimEnd());
}

async function main(): Promise<number> {
  const delivery = await buildLabeledDelivery(webhookSecret);
  progress(`payload: issues.labeled, ${Buffer.byteLength(delivery.body)} bytes; ${connections} connections, ${warmupSeconds} s warm-up + ${measuredSeconds} s per target, one target at a time`);

  const ours = await benchmarkThisApp(delivery);
  const stock = { report: await benchmarkStockProbot(delivery) };
  const reports = [ours.report, stock.report];

  console.log("");
  console.log(`ingest benchmark: POST ${webhookPath}, signed issues.labeled (${Buffer.byteLength(delivery.body)} bytes), ${connections} connections, ${measuredSeconds} s`);
  printTable(reports);
  for (const report of reports) {
    if (report.statusCodes) {
      const codes = Object.entries(report.statusCodes).map(([status, count]) => `${status}×${count}`).join(", ");
      console.log(`status codes, ${report.name}: ${codes || "none"}`);
    }
  }

  const throughputRatio = ratio(ours.report.requestsPerSecond, stock.report.requestsPerSecond);
  const p99Ratio = ratio(ours.report.latencyP99Milliseconds, stock.report.latencyP99Milliseconds);
  console.log(`ours/stock throughput: ${throughputRatio === null ? "n/a" : `${throughputRatio.toFixed(2)}×`}`);
  console.log(`ours/stock p99 latency: ${p99Ratio === null ? "n/a" : `${p99Ratio.toFixed(2)}×`}`);
  console.log("note: the stock app runs under tsx's loader (node --import tsx), whose own memory is part of its peak RSS");

  const durability = ours.durability;
  if (durability) {
    if (durability.onDisk === null) {
      console.log(`accepted on disk: unknown / ${durability.accepted2xx} 2xx (${durability.error ?? "no database"})`);
    } else {
      // Requests in flight when autocannon stops can be stored without their answer being counted, so N may exceed M a little.
      const verdict = durability.onDisk >= durability.accepted2xx ? "every 2xx is on disk" : `${durability.accepted2xx - durability.onDisk} acknowledged deliveries MISSING`;
      console.log(`accepted on disk: ${durability.onDisk} / ${durability.accepted2xx} 2xx (warm-up included; ${verdict})`);
    }
  }

  console.log(
    JSON.stringify({
      benchmark: "ingest",
      seconds: measuredSeconds,
      warmupSeconds,
      connections,
      payloadBytes: Buffer.byteLength(delivery.body),
      ours: ours.report,
      stock: stock.report,
      ratios: { throughput: throughputRatio, p99: p99Ratio },
      durability: durability ?? null,
    }),
  );
  return reports.some((report) => report.outcome === "crashed") ? 1 : 0;
}

async function stopAll(): Promise<void> {
  await Promise.all([...liveTargets].map((target) => target.stop()));
}

process.once("SIGINT", () => {
  void stopAll().finally(() => process.exit(130));
});

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
}
