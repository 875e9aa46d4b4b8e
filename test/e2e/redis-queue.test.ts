// REDIS_URL switches the queue to Redis: the same intake guarantees, end to end through the running app.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";
import { redisForTests } from "../unit/queue/queue-contract.js";

const available = await redisForTests("REDIS_URL end-to-end");
// A database of its own, flushed before the run, so other users of this Redis are untouched.
const redisUrl = "redis://127.0.0.1:6379/7";
const secret = "redis-e2e-secret";
let github: FakeGitHub;
let privateKey: string;
const running: VenomProcess[] = [];

beforeAll(async () => {
  if (!available) return;
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  await redis.quit();
  github = await FakeGitHub.start();
  await github.createRepo("Codertocat/Hello-World", { files: { "README.md": "x\n" } });
  privateKey = testPrivateKey();
});
afterAll(async () => {
  await Promise.all(running.map((app) => app.stop()));
  await github?.stop();
});

async function start(dataDir: string, runLog: string): Promise<VenomProcess> {
  const app = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: dataDir,
      REDIS_URL: redisUrl,
      VENOM_TEST_JOB_MS: "1500",
      VENOM_TEST_RUN_LOG: runLog,
    },
    script: "test/support/harness-server.ts",
    args: [],
  });
  running.push(app);
  return app;
}

function labeled(issue: number): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue };
  return payload;
}

async function jobs(app: VenomProcess): Promise<JobRecord[]> {
  return ((await (await fetch(`${app.url}/venom/api/jobs`)).json()) as { jobs: JobRecord[] }).jobs;
}

describe.runIf(available)("Redis queue (REDIS_URL)", () => {
  it("dedupes deliveries, keeps one job per issue, and finishes a job once after a kill and restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-redis-"));
    const runLog = path.join(dataDir, "runs.log");
    writeFileSync(runLog, "");
    const first = await start(dataDir, runLog);
    expect((await deliver(first.url, "issues", labeled(1), { secret, id: "r-1" })).status).toBe(202);
    expect((await deliver(first.url, "issues", labeled(1), { secret, id: "r-1" })).status).toBe(200);
    expect((await deliver(first.url, "issues", labeled(1), { secret, id: "r-2" })).status).toBe(202);
    await waitFor(() => readFileSync(runLog, "utf8").includes("start"), 15_000, "the job to start");
    await first.kill();

    const second = await start(dataDir, runLog);
    const done = await waitFor(async () => {
      const list = await jobs(second);
      return list[0]?.state === "succeeded" ? list : undefined;
    }, 30_000, "the job to finish after restart");
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ repo: "Codertocat/Hello-World", issue: 1, trigger: "label", attempts: 2 });
    const lines = readFileSync(runLog, "utf8").trim().split("\n");
    expect(lines.filter((line) => line.startsWith("done"))).toHaveLength(1);
  });
});
