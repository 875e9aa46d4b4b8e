// Test harness: the real service graph with a slow job handler that records each run to a file.
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createVenom } from "../../src/venom.js";

const logFile = process.env.VENOM_TEST_RUN_LOG ?? "/dev/null";
const jobMs = Number(process.env.VENOM_TEST_JOB_MS ?? 0);

const venom = await createVenom({
  leaseMs: 2_000,
  handler: async ({ job, signal, checkpoint }) => {
    appendFileSync(logFile, `start ${job.id} ${job.attempts}\n`);
    await checkpoint({ step: "working" });
    await sleep(jobMs, undefined, { signal });
    appendFileSync(logFile, `done ${job.id}\n`);
    return { checks: "none", summary: "harness done" };
  },
});
await venom.listen();
await venom.startBackground();
const stop = async () => {
  await venom.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
