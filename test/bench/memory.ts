// Idle-memory benchmark: this app with every integration configured against a bare Probot 14 app, side by side.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort, startTarget, waitUntilReady, type Target } from "./support/processes.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const idleMilliseconds = Number(process.env.BENCH_IDLE_MS ?? 4000);
const closed = "http://127.0.0.1:1";

function residentBytes(pid: number | undefined): number {
  if (!pid) return 0;
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match?.[1] ? Number(match[1]) * 1024 : 0;
}

/** Both apps run as plain JavaScript under `node`, as in production: ours from `npm run build`, stock bundled by esbuild. */
function build(): { venom: string; stock: string } {
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  mkdirSync(join(root, "dist/bench"), { recursive: true });
  const stock = join(root, "dist/bench/stock-probot.mjs");
  const esbuild = join(root, "node_modules/.bin/esbuild");
  execFileSync(esbuild, ["test/bench/support/stock-probot.ts", "--bundle", "--platform=node", "--format=esm", "--packages=external", `--outfile=${stock}`], { cwd: root, stdio: "ignore" });
  return { venom: join(root, "dist/src/main.js"), stock };
}

async function measure(name: string, script: string, args: string[], env: Record<string, string>): Promise<number> {
  const port = await findFreePort();
  const target: Target = startTarget(name, process.execPath, [script, ...args], { ...env, PORT: String(port), HOST: "127.0.0.1" }, root);
  try {
    const readyPath = name === "venom" ? "/healthz" : "/ping";
    if (!(await waitUntilReady(target, `http://127.0.0.1:${port}${readyPath}`))) {
      throw new Error(`${name} did not start:\n${target.outputTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, idleMilliseconds));
    return residentBytes(target.child.pid);
  } finally {
    await target.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const dataDir = mkdtempSync(join(tmpdir(), "venom-bench-memory-"));
const venomEnv = {
  GITHUB_TOKEN: "ghp_benchbenchbenchbenchbenchbench1234",
  GITHUB_REPO_NAME: "octo/bench",
  WEBHOOK_SECRET: "bench-secret",
  GHE_HOST: "127.0.0.1:1",
  GHE_PROTOCOL: "http",
  LOG_LEVEL: "warn",
  LOG_FORMAT: "json",
  VENOM_DATA_DIR: dataDir,
  // Every integration configured: heavy clients must still stay unloaded while idle.
  OPENAI_BASE_URL: `${closed}/v1`,
  DISCORD_WEBHOOK_URL: `${closed}/api/webhooks/123456789012345678/${"t".repeat(68)}`,
  SLACK_WEBHOOK_URL: `${closed}/services/T0/B0/x`,
  TEAMS_WEBHOOK_URL: `${closed}/teams`,
  TAVILY_API_KEY: "tvly-bench-0123456789abcdef",
  TAVILY_BASE_URL: closed,
  HF_TOKEN: "hf_benchbenchbenchbenchbench12",
  HF_ENDPOINT: closed,
  VENOM_DDG_URL: closed,
  ENABLE_GOOGLE_CALENDAR: "true",
};
const stockEnv = { LOG_LEVEL: "warn", WEBHOOK_SECRET: "bench-secret" };

const scripts = build();
const ours: number[] = [];
const stock: number[] = [];
try {
  for (let round = 0; round < rounds; round += 1) {
    process.stderr.write(`[bench:memory] round ${round + 1}/${rounds}\n`);
    // Alternate the order so neither always runs on a warmer machine.
    if (round % 2 === 0) {
      ours.push(await measure("venom", scripts.venom, ["serve"], venomEnv));
      stock.push(await measure("stock", scripts.stock, [], stockEnv));
    } else {
      stock.push(await measure("stock", scripts.stock, [], stockEnv));
      ours.push(await measure("venom", scripts.venom, ["serve"], venomEnv));
    }
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const ratio = median(ours) / median(stock);
console.log(`idle RSS after ${idleMilliseconds / 1000} s (both compiled, plain node), median of ${rounds} rounds`);
console.log(`venom (all integrations configured)  ${megabytes(median(ours))} MB   [${ours.map(megabytes).join(", ")}]`);
console.log(`bare Probot 14                        ${megabytes(median(stock))} MB   [${stock.map(megabytes).join(", ")}]`);
console.log(`ratio venom / bare Probot: ${ratio.toFixed(2)}× (target ≤ 1.20×)`);
console.log(JSON.stringify({ benchmark: "memory", oursBytes: median(ours), stockBytes: median(stock), ratio }));
