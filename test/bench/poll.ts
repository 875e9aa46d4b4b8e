// Poll benchmark: one App installation with BENCH_REPOS repositories (default 1,000) on the fake GitHub; requests,
// rate-limited requests and time for a cold, an idle and a changed cycle, with BENCH_LATENCY_MS per REST answer.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { readConfig } from "../../src/config/env.js";
import type { PollReport } from "../../src/intake/poller.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { FakeGitHub } from "../support/fake-github.js";
import { testPrivateKey } from "../support/venom-process.js";

const repoCount = Math.round(readPositiveNumber("BENCH_REPOS", 1_000));
const latencyMs = readPositiveNumber("BENCH_LATENCY_MS", 0, true);

function readPositiveNumber(name: string, fallback: number, zeroAllowed = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[bench:poll] ${message}\n`);
}

interface CycleResult {
  name: string;
  report: PollReport;
  ms: number;
  sent: number;
  rateLimited: number;
  notModified: number;
}

async function cycle(name: string, github: FakeGitHub, venom: Venom): Promise<CycleResult> {
  const mark = github.requests.length;
  const limitedBefore = github.rateLimitedCount();
  const started = performance.now();
  const report = await venom.poller.pollOnce();
  const ms = performance.now() - started;
  const sent = github.requests.slice(mark).filter((request) => request.path.startsWith("/api/v3/"));
  return {
    name,
    report,
    ms,
    sent: sent.length,
    rateLimited: github.rateLimitedCount() - limitedBefore,
    notModified: sent.filter((request) => request.status === 304).length,
  };
}

async function main(): Promise<void> {
  const github = await FakeGitHub.start({ latencyMs });
  const dataDir = mkdtempSync(path.join(tmpdir(), "venom-bench-poll-"));
  const names = Array.from({ length: repoCount }, (_, index) => `bench/repo-${index}`);
  github.addRestOnlyRepos(names);
  const config = readConfig(
    { APP_ID: "1", PRIVATE_KEY: testPrivateKey(), GHE_HOST: github.host, GHE_PROTOCOL: "http", VENOM_DATA_DIR: dataDir, ENABLE_ISSUE_POLLING: "true" },
    "/tmp",
  );
  const venom = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
  await venom.startBackground({ worker: false, poller: false });
  const results: CycleResult[] = [];
  try {
    progress(`${repoCount} repositories, ${latencyMs} ms per REST answer (Node ${process.version})`);
    results.push(await cycle("cold (first cycle)", github, venom));
    results.push(await cycle("idle", github, venom));
    // Three repositories get a newly labelled issue, a fourth a comment on an issue nobody labelled.
    for (const index of [1, Math.floor(repoCount / 2), repoCount - 1]) github.addIssue(names[index] as string, { title: "New", labels: ["venom"] });
    github.addIssue(names[2] as string, { title: "Other", labels: ["bug"] });
    results.push(await cycle("changed (3 new triggered issues)", github, venom));
    results.push(await cycle("idle again", github, venom));
  } finally {
    await venom.stop();
    await github.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nPoll cycles over ${repoCount} repositories (${latencyMs} ms per REST answer)`);
  console.log(`  ${"cycle".padEnd(34)} ${"requests".padStart(9)} ${"304".padStart(6)} ${"rate-limited".padStart(13)} ${"jobs".padStart(5)} ${"time".padStart(9)}`);
  for (const result of results) {
    console.log(
      `  ${result.name.padEnd(34)} ${String(result.sent).padStart(9)} ${String(result.notModified).padStart(6)} ${String(result.rateLimited).padStart(13)} ${String(result.report.enqueued).padStart(5)} ${`${(result.ms / 1000).toFixed(1)} s`.padStart(9)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
