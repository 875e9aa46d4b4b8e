// Pipeline benchmark: GitHub REST calls per resolved issue, prompt tokens on a 5,000-file repository, partial vs full clone time, the sandbox's cost per check.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type { JobRecord } from "../../src/queue/types.js";
import { example } from "../fixtures/webhooks.js";
import { FakeGitHub, type RecordedRequest } from "../support/fake-github.js";
import { FakeLlm, type LlmMessage, type LlmRequest, type StaticStep, type Usage } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { bwrapAvailable, checkRunner } from "../support/sandboxes.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";
import { WebhookSink } from "../support/webhook-sink.js";
import { benchFollowUpRound, type FollowUpRoundBench, type RoundSample } from "./support/follow-up-round.js";
import { buildSyntheticRepo, type SyntheticRepo } from "./support/synthetic-repo.js";

const execFileAsync = promisify(execFile);

const issuesInSequence = 3;
const cloneRuns = 5;
const restTarget = 12;
const architectPromptTarget = 8_000;
const cloneRatioTarget = 0.3;
const charactersPerToken = 4;
// Part 4: each check command this many times per mode (BENCH_SANDBOX_RUNS); BENCH_ONLY=sandbox runs part 4 alone.
const sandboxRuns = Number(process.env.BENCH_SANDBOX_RUNS ?? 30);
const sandboxOverheadTarget = 150;
const sandboxCommands = ["true", "node -e 0", 'sh -c "echo hi"'];
const webhookSecret = randomBytes(20).toString("hex");

const smallRepo = "octo/calc";
const smallFiles = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nfunction double(x) {\n  return x * 3;\n}\n\nmodule.exports = { add, double };\n",
  "test.sh":
    "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5, got '+c.add(2,3)); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\n",
  "README.md": "# calc\n",
};

const bigRepo = "octo/platform";
const bigFileCount = 5_000;
// History depth of the 5,000-file repository (BENCH_COMMITS); a full clone carries all of it, a partial clone only the tip.
const bigCommits = Number(process.env.BENCH_COMMITS ?? 20);
const targetFile = "src/billing/services/invoice-total.ts";
const bigFixedFiles = {
  [targetFile]:
    "// Invoice totals: subtotal, one discount, tax.\nexport function invoiceTotal(subtotal: number, discount: number, tax: number): number {\n  return subtotal - discount - discount + tax;\n}\n",
  ".github/venom.yml": `checks:\n  - grep -q "subtotal - discount + tax" ${targetFile}\nmax_iterations: 8\n`,
};

interface IssueRun {
  repo: string;
  issue: number;
  job: JobRecord;
  rest: RecordedRequest[];
  git: RecordedRequest[];
  /** Fake LLM requests of this run: [from, to). */
  llmRange: [number, number];
  seconds: number;
}

type CloneKind = "partial" | "full";

interface CloneSample {
  kind: CloneKind;
  /** With checkout (what the app runs), or `--no-checkout` (the transfer and indexing alone). */
  checkout: boolean;
  milliseconds: number;
  gitDirBytes: number;
  /** Requests the fake GitHub's git smart HTTP served for this clone. */
  gitRequests: number;
}

// ---- live resources, stopped on exit ---------------------------------------------------------

let github: FakeGitHub | undefined;
let llm: FakeLlm | undefined;
let sink: WebhookSink | undefined;
let venom: VenomProcess | undefined;
const temporaryDirectories: string[] = [];

function progress(message: string): void {
  process.stderr.write(`[bench:pipeline] ${message}\n`);
}

function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  temporaryDirectories.push(directory);
  return directory;
}

async function cleanUp(): Promise<void> {
  const app = venom;
  venom = undefined;
  if (app) await app.stop().catch(() => undefined);
  await Promise.all([github?.stop(), llm?.stop(), sink?.stop()].map((stopping) => stopping?.catch(() => undefined)));
  github = undefined;
  llm = undefined;
  sink = undefined;
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

// ---- the fake LLM: the e2e policy, with usage recorded per request ---------------------------

const usages = new Map<number, Usage>();

/** The fake's default usage estimate (chars / 4 of the messages' JSON and of the reply), recorded so the bench can sum it. */
function withRecordedUsage(inner: (request: LlmRequest) => StaticStep): (request: LlmRequest) => StaticStep {
  return (request) => {
    const step = inner(request);
    if (!("toolCalls" in step) && !("content" in step)) return step;
    const reply = "toolCalls" in step ? JSON.stringify(step.toolCalls) : step.content;
    const usage: Usage = {
      prompt_tokens: Math.ceil(JSON.stringify(request.messages).length / charactersPerToken),
      completion_tokens: Math.ceil(reply.length / charactersPerToken),
    };
    usages.set(request.index, usage);
    return { ...step, usage };
  };
}

function messageText(message: LlmMessage): string {
  const content = message.content;
  const text = typeof content === "string" ? content : Array.isArray(content) ? content.map((part) => part.text ?? "").join("") : "";
  const calls = message.tool_calls?.map((call) => `${call.function.name}(${call.function.arguments})`).join("\n") ?? "";
  return text + calls;
}

// ---- driving the app -------------------------------------------------------------------------

function appEnvironment(dataDir: string): Record<string, string> {
  if (!github || !llm || !sink) throw new Error("fakes not started");
  return {
    APP_ID: "1",
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: webhookSecret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: "sk-bench-abcdefghijklmnopqrstuvwxyz",
    VENOM_MODEL: "fake-model",
    VENOM_DATA_DIR: dataDir,
    DISCORD_WEBHOOK_URL: sink.discordUrl(),
    SLACK_WEBHOOK_URL: sink.slackUrl(),
    LOG_LEVEL: "info",
  };
}

function labeledPayload(repo: string, issue: number, title: string, body: string | null): Record<string, unknown> {
  const payload = example("issues", "labeled") as Record<string, unknown> & { repository: Record<string, unknown>; issue: Record<string, unknown> };
  const [owner = "", name = ""] = repo.split("/");
  payload.label = { ...(payload.label as Record<string, unknown>), name: "venom" };
  payload.issue = { ...payload.issue, number: issue, state: "open", title, body };
  payload.repository = {
    ...payload.repository,
    full_name: repo,
    name,
    owner: { ...(payload.repository.owner as Record<string, unknown>), login: owner },
  };
  return payload;
}

async function jobsOf(app: VenomProcess, repo: string, issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${app.url}/venom/api/jobs`);
  const body = (await response.json()) as { jobs: JobRecord[] };
  return body.jobs.filter((job) => job.repo === repo && job.issue === issue);
}

/** Waits until the fake GitHub has seen no request for `quietMs` (the last status-comment edit and notifications land after the job record). */
async function settled(quietMs = 1_000, timeoutMs = 20_000): Promise<void> {
  const fake = github;
  if (!fake) return;
  const deadline = Date.now() + timeoutMs;
  let count = fake.requests.length;
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (fake.requests.length !== count) {
      count = fake.requests.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

/** Adds an issue, labels it through a signed delivery, waits for its job to finish and the traffic to settle. */
async function resolveIssue(app: VenomProcess, repo: string, title: string, body: string, timeoutMs: number): Promise<IssueRun> {
  if (!github || !llm) throw new Error("fakes not started");
  const fake = github;
  const issue = fake.addIssue(repo, { title, body, labels: ["venom"] });
  const requestsBefore = fake.requests.length;
  const llmBefore = llm.requests.length;
  const started = performance.now();
  const delivery = await deliver(app.url, "issues", labeledPayload(repo, issue.number, title, issue.body), { secret: webhookSecret });
  if (delivery.status >= 300) throw new Error(`delivery for ${repo}#${issue.number} answered ${delivery.status}: ${delivery.body}`);
  const job = await waitFor(
    async () => {
      const [record] = await jobsOf(app, repo, issue.number);
      return record && ["succeeded", "failed", "cancelled"].includes(record.state) ? record : undefined;
    },
    timeoutMs,
    `the job for ${repo}#${issue.number} to finish`,
  );
  const seconds = (performance.now() - started) / 1000;
  await settled();
  const window = fake.requests.slice(requestsBefore);
  return {
    repo,
    issue: issue.number,
    job,
    rest: window.filter((request) => request.path === "/api/v3" || request.path.startsWith("/api/v3/")),
    git: window.filter((request) => !(request.path === "/api/v3" || request.path.startsWith("/api/v3/"))),
    llmRange: [llmBefore, llm.requests.length],
    seconds,
  };
}

// ---- part 1: REST calls per issue ------------------------------------------------------------

function pattern(request: RecordedRequest, repo: string): string {
  const [owner = "", name = ""] = repo.split("/");
  const decoded = decodeURIComponent(request.path.replace(/^\/api\/v3/, ""));
  const generic = decoded
    .replace(`/repos/${owner}/${name}/`, "/repos/{owner}/{repo}/")
    .replace(new RegExp(`^/${owner}/${name}(\\.git)?/`), "/{owner}/{repo}.git/")
    .replace(/issue-\d+/g, "issue-{n}")
    .replace(/\/\d+(?=\/|$)/g, "/{n}");
  return `${request.method} ${generic}`;
}

function breakdown(requests: RecordedRequest[], repo: string): Array<{ call: string; count: number; statuses: number[] }> {
  const rows = new Map<string, { call: string; count: number; statuses: number[] }>();
  for (const request of requests) {
    const call = pattern(request, repo);
    const row = rows.get(call) ?? { call, count: 0, statuses: [] };
    row.count += 1;
    if (!row.statuses.includes(request.status)) row.statuses.push(request.status);
    rows.set(call, row);
  }
  return [...rows.values()];
}

function printBreakdown(title: string, run: IssueRun): void {
  console.log(`  ${title} (issue #${run.issue}): ${run.rest.length} REST, ${run.git.length} git HTTP`);
  for (const row of breakdown(run.rest, run.repo)) console.log(`    ${String(row.count).padStart(2)}× ${row.call}  [${row.statuses.join(",")}]`);
  for (const row of breakdown(run.git, run.repo)) console.log(`    ${String(row.count).padStart(2)}× ${row.call}  [${row.statuses.join(",")}] (git)`);
}

// ---- part 2: prompt tokens -------------------------------------------------------------------

interface PromptReport {
  architectPromptTokens: number;
  architectSystemChars: number;
  architectUserChars: number;
  repoMapChars: number;
  toolSchemaChars: number;
  architectTools: number;
  llmRequests: number;
  architectRequests: number;
  coderRequests: number;
  promptTokens: number;
  completionTokens: number;
  jobTokens: number | null;
  largestPromptTokens: number;
}

function promptReport(run: IssueRun): PromptReport {
  const fake = llm;
  if (!fake) throw new Error("fake LLM not started");
  const requests = fake.requests.slice(run.llmRange[0], run.llmRange[1]);
  const isArchitect = (request: LlmRequest): boolean =>
    request.messages.some((message) => message.role === "system" && messageText(message).includes("Architect"));
  const architect = requests.find(isArchitect);
  if (!architect) throw new Error("no Architect request was recorded");
  const system = architect.messages.filter((message) => message.role === "system").map(messageText).join("\n");
  const user = architect.messages.filter((message) => message.role !== "system").map(messageText).join("\n");
  const tools = JSON.stringify(architect.tools);
  const mapStart = user.indexOf("Repository map:");
  const mapEnd = user.search(/\n\nThe repository('s checks| has no checks)/);
  const repoMapChars = mapStart >= 0 ? (mapEnd > mapStart ? mapEnd : user.length) - mapStart : 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let largestPromptTokens = 0;
  for (const request of requests) {
    const usage = usages.get(request.index);
    if (!usage) continue;
    promptTokens += usage.prompt_tokens;
    completionTokens += usage.completion_tokens;
    largestPromptTokens = Math.max(largestPromptTokens, usage.prompt_tokens);
  }
  const architectRequests = requests.filter(isArchitect).length;
  return {
    architectPromptTokens: Math.ceil((system.length + user.length + tools.length) / charactersPerToken),
    architectSystemChars: system.length,
    architectUserChars: user.length,
    repoMapChars,
    toolSchemaChars: tools.length,
    architectTools: architect.tools.length,
    llmRequests: requests.length,
    architectRequests,
    coderRequests: requests.length - architectRequests,
    promptTokens,
    completionTokens,
    jobTokens: run.job.tokens ?? null,
    largestPromptTokens,
  };
}

// ---- part 3: partial vs full clone -----------------------------------------------------------

function gitEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) environment[key] = value;
  return { ...environment, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", LC_ALL: "C" };
}

async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(full);
    else total += (await lstat(full)).size;
  }
  return total;
}

const partialFlags = ["--filter=blob:none", "--depth", "1", "--single-branch", "--no-tags"];

/**
 * Times one `git clone` over the fake's smart HTTP. The clone is kept until the end: deleting
 * ~10,000 files between runs made the next runs' checkouts several times slower on this VM.
 * `sync` first, so writeback of the previous run's files is not billed to this one.
 */
async function timeClone(kind: CloneKind, checkout: boolean, url: string, parent: string, run: string): Promise<CloneSample> {
  const fake = github;
  if (!fake) throw new Error("fake GitHub not started");
  const target = path.join(parent, `${kind}-${checkout ? "checkout" : "bare"}-${run}`);
  const header = `Authorization: Basic ${Buffer.from(`x-access-token:${fake.token}`).toString("base64")}`;
  const args = ["-c", `http.extraHeader=${header}`, "clone", "--quiet", ...(checkout ? [] : ["--no-checkout"]), ...(kind === "partial" ? partialFlags : []), url, target];
  await execFileAsync("sync", []).catch(() => undefined);
  const requestsBefore = fake.requests.length;
  const started = performance.now();
  await execFileAsync("git", args, { env: gitEnvironment(), maxBuffer: 16 * 1024 * 1024 });
  const milliseconds = performance.now() - started;
  const gitRequests = fake.requests.length - requestsBefore;
  return { kind, checkout, milliseconds, gitDirBytes: await directoryBytes(path.join(target, ".git")), gitRequests };
}

interface CloneStats {
  medianMs: number;
  runsMs: number[];
  gitDirBytes: number;
  gitRequests: number;
}

function cloneStats(samples: CloneSample[]): CloneStats {
  return {
    medianMs: Number(median(samples.map((sample) => sample.milliseconds)).toFixed(1)),
    runsMs: samples.map((sample) => Number(sample.milliseconds.toFixed(1))),
    gitDirBytes: median(samples.map((sample) => sample.gitDirBytes)),
    gitRequests: median(samples.map((sample) => sample.gitRequests)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// ---- part 4: check wall time with and without the sandbox -----------------------------------

type SandboxedMode = "none" | "bwrap";

interface CommandTiming {
  command: string;
  none: { medianMs: number; p90Ms: number };
  bwrap: { medianMs: number; p90Ms: number } | null;
  /** bwrap's median minus the host's: what the sandbox adds to one check. */
  addedMs: number | null;
}

interface SandboxTimings {
  runs: number;
  target: number;
  /** Why bubblewrap was not measured, when it was not. */
  bwrapSkipped?: string;
  isolation: string | null;
  commands: CommandTiming[];
  /** The largest per-command median difference. */
  worstAddedMs: number | null;
}

/** Nearest-rank percentile. */
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

const rounded = (value: number): number => Number(value.toFixed(1));

/**
 * Runs each check command `sandboxRuns` times through the Guardian's runner on the host
 * (VENOM_SANDBOX=none) and in bubblewrap, alternating, on a committed git workspace. Wall time
 * around `runCommands`, so preparing the sandbox (and its cgroup) and cleaning up are billed too.
 * One warm-up per mode first: the first run resolves and probes the sandbox.
 */
async function timeSandboxedChecks(): Promise<SandboxTimings> {
  const workspace = temporaryDirectory("venom-bench-sandbox-");
  await execFileAsync("git", ["init", "--quiet", workspace], { env: gitEnvironment() });
  await execFileAsync("git", ["-C", workspace, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "--quiet", "--allow-empty", "-m", "init"], {
    env: gitEnvironment(),
  });
  const bwrap = await bwrapAvailable().catch(() => false);
  const modes: SandboxedMode[] = bwrap ? ["none", "bwrap"] : ["none"];
  const runners = { none: checkRunner("none"), bwrap: checkRunner("bwrap") };
  const samples = new Map<string, number[]>();
  let isolation: string | null = null;
  const once = async (mode: SandboxedMode, command: string): Promise<number> => {
    const started = performance.now();
    const run = await runners[mode].runCommands([command], { cwd: workspace });
    const milliseconds = performance.now() - started;
    if (!run.passed) throw new Error(`${command} failed under ${mode}: ${run.summary} ${run.results[0]?.output ?? ""}`);
    if (mode === "bwrap") isolation = run.isolation;
    return milliseconds;
  };
  for (const mode of modes) for (const command of sandboxCommands) await once(mode, command);
  for (let run = 0; run < sandboxRuns; run += 1) {
    for (const command of sandboxCommands) {
      for (const mode of modes) {
        const key = `${mode} ${command}`;
        samples.set(key, [...(samples.get(key) ?? []), await once(mode, command)]);
      }
    }
  }
  const stats = (mode: SandboxedMode, command: string) => {
    const values = samples.get(`${mode} ${command}`);
    return values ? { medianMs: rounded(median(values)), p90Ms: rounded(percentile(values, 0.9)) } : null;
  };
  const commands: CommandTiming[] = sandboxCommands.map((command) => {
    const none = stats("none", command) ?? { medianMs: 0, p90Ms: 0 };
    const sandboxed = stats("bwrap", command);
    return { command, none, bwrap: sandboxed, addedMs: sandboxed ? rounded(sandboxed.medianMs - none.medianMs) : null };
  });
  const added = commands.flatMap((timing) => (timing.addedMs === null ? [] : [timing.addedMs]));
  return {
    runs: sandboxRuns,
    target: sandboxOverheadTarget,
    ...(bwrap ? {} : { bwrapSkipped: "bubblewrap is not available here" }),
    isolation,
    commands,
    worstAddedMs: added.length ? Math.max(...added) : null,
  };
}

function printSandboxTimings(number: number, timings: SandboxTimings): void {
  console.log(
    `${number}. Check wall time on the host (VENOM_SANDBOX=none) and in bubblewrap (the Guardian's runner, ${timings.runs} runs per command and mode, alternating, after one warm-up each)`,
  );
  const cell = (value: number | undefined): string => (value === undefined ? "n/a" : value.toFixed(1));
  table(
    ["command", "none median ms", "none p90 ms", "bwrap median ms", "bwrap p90 ms", "added ms (median)"],
    timings.commands.map((timing) => [
      timing.command,
      cell(timing.none.medianMs),
      cell(timing.none.p90Ms),
      cell(timing.bwrap?.medianMs),
      cell(timing.bwrap?.p90Ms),
      timing.addedMs === null ? "n/a" : `${timing.addedMs >= 0 ? "+" : ""}${timing.addedMs.toFixed(1)}`,
    ]),
  );
  if (timings.worstAddedMs === null) {
    console.log(`  bubblewrap not measured: ${timings.bwrapSkipped ?? "unknown reason"}`);
    return;
  }
  console.log(
    `  added per command by the sandbox (median difference, worst command): ${timings.worstAddedMs.toFixed(1)} ms ` +
      `(target < ${timings.target} ms: ${verdict(timings.worstAddedMs < timings.target)}); bubblewrap run as: ${timings.isolation ?? "n/a"}`,
  );
}

async function sandboxOnly(): Promise<number> {
  progress(`part 4 only (BENCH_ONLY=sandbox): ${sandboxCommands.length} commands × ${sandboxRuns} runs, on the host and in bubblewrap`);
  const timings = await timeSandboxedChecks();
  console.log("");
  console.log("pipeline benchmark, sandbox section only (BENCH_ONLY=sandbox)");
  console.log("");
  printSandboxTimings(4, timings);
  console.log(JSON.stringify({ benchmark: "pipeline", sandbox: timings }));
  return 0;
}

// Part 5: a follow-up round's git work, kept workspace vs fresh clone (BENCH_FOLLOWUP_ROUNDS); BENCH_ONLY=followup runs part 5 alone.
const followUpRounds = Number(process.env.BENCH_FOLLOWUP_ROUNDS ?? 5);
const followUpBytesTarget = 0.1;

async function followUpSection(): Promise<FollowUpRoundBench> {
  return benchFollowUpRound({ files: bigFileCount, commits: bigCommits, rounds: followUpRounds, progress });
}

/** Prints part 5; true when the kept workspace fetched a tenth of a fresh clone's bytes or less. */
function printFollowUp(number: number, bench: FollowUpRoundBench): boolean {
  const medianOf = (samples: RoundSample[], key: keyof RoundSample) => median(samples.map((sample) => sample[key]));
  const [fresh, reused] = [bench.fresh, bench.reused];
  const ratio = medianOf(fresh, "bytesFetched") > 0 ? medianOf(reused, "bytesFetched") / medianOf(fresh, "bytesFetched") : 1;
  console.log(
    `${number}. Follow-up round, ${bench.files} files and ${bench.commits} commits: a reviewer's commit on ${bench.filesChangedPerRound} files, then the PR branch made ready (median of ${fresh.length})`,
  );
  table(
    ["workspace", "wall ms", "bytes fetched", "git requests"],
    [
      ["kept, fetch of what changed", medianOf(reused, "milliseconds").toFixed(0), medianOf(reused, "bytesFetched").toFixed(0), medianOf(reused, "requests").toFixed(0)],
      ["fresh shallow clone", medianOf(fresh, "milliseconds").toFixed(0), medianOf(fresh, "bytesFetched").toFixed(0), medianOf(fresh, "requests").toFixed(0)],
    ],
  );
  console.log(`  kept/fresh bytes: ${ratio.toFixed(3)}× (target ≤ ${followUpBytesTarget}×: ${verdict(ratio <= followUpBytesTarget)}); bytes counted on the wire by a proxy in front of the fake`);
  return ratio <= followUpBytesTarget;
}

async function followUpOnly(): Promise<number> {
  const bench = await followUpSection();
  console.log("");
  console.log("pipeline benchmark, follow-up section only (BENCH_ONLY=followup)");
  console.log("");
  const ok = printFollowUp(5, bench);
  console.log(JSON.stringify({ benchmark: "pipeline", followUp: bench }));
  return ok ? 0 : 1;
}

// ---- output ----------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
  console.log(`  ${line(header)}`.trimEnd());
  console.log(`  ${widths.map((width) => "-".repeat(width)).join("  ")}`);
  for (const row of rows) console.log(`  ${line(row)}`.trimEnd());
}

const megabytes = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(2);
const verdict = (ok: boolean): string => (ok ? "within target" : "OVER target");

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (process.env.BENCH_ONLY === "sandbox") return sandboxOnly();
  if (process.env.BENCH_ONLY === "followup") return followUpOnly();
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  sink = await WebhookSink.start();
  const fake = github;
  const fakeLlm = fakeLlmOrThrow();
  fakeLlm.whenExhausted(
    withRecordedUsage(
      policy({
        happy: { file: "calc.js", coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } }, { name: "run_checks", arguments: {} }] },
        platform: {
          file: targetFile,
          coder: [
            {
              name: "str_replace",
              arguments: { path: targetFile, old_str: "return subtotal - discount - discount + tax;", new_str: "return subtotal - discount + tax;" },
            },
            { name: "run_checks", arguments: {} },
          ],
        },
      }),
    ),
  );

  progress(`creating ${smallRepo} (4 files) and ${bigRepo} (${bigFileCount} files, ${bigCommits} commits via git fast-import)`);
  await fake.createRepo(smallRepo, { files: smallFiles });
  await fake.createRepo(bigRepo, { files: { "README.md": "# acme-platform\n" } });
  const buildStarted = performance.now();
  const synthetic: SyntheticRepo = await buildSyntheticRepo(fake.bareRepoPath(bigRepo), "main", {
    files: bigFileCount,
    commits: bigCommits,
    fixedFiles: bigFixedFiles,
  });
  progress(
    `${bigRepo}: ${synthetic.paths.length} files in ${synthetic.directories} directories, tip ${megabytes(synthetic.tipBytes)} MB, ` +
      `${synthetic.blobVersions} blob versions over ${synthetic.commits} commits, pack ${megabytes(synthetic.packBytes)} MB ` +
      `(built in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s)`,
  );

  const dataDir = temporaryDirectory("venom-bench-pipeline-");
  progress("starting the app (venom serve, App mode)");
  const app = await startVenom({ env: appEnvironment(dataDir) });
  venom = app;

  // 1. REST calls per resolved issue.
  const runs: IssueRun[] = [];
  for (let index = 1; index <= issuesInSequence; index += 1) {
    progress(`part 1: issue ${index}/${issuesInSequence} on ${smallRepo}`);
    runs.push(await resolveIssue(app, smallRepo, `[happy] add() subtracts (${index})`, "add(2,3) returns -1; it should return 5.", 90_000));
  }

  // 2. Prompt tokens on the 5,000-file repository.
  progress(`part 2: one issue on ${bigRepo}`);
  const bigRun = await resolveIssue(
    app,
    bigRepo,
    "[platform] invoiceTotal subtracts the discount twice",
    `invoiceTotal(100, 10, 5) returns 85 instead of 95: the discount is applied twice in ${targetFile}.`,
    180_000,
  );
  const prompts = promptReport(bigRun);

  venom = undefined;
  await app.stop();
  const appOutput = app.output;

  // 3. Partial vs full clone of the 5,000-file repository.
  const cloneParent = temporaryDirectory("venom-bench-clones-");
  const cloneUrl = `${fake.url}/${bigRepo}.git`;
  const load = loadavg()[0] ?? 0;
  progress(`part 3: warm-up clones, then ${cloneRuns} partial and ${cloneRuns} full clones alternating, with and without checkout (load ${load.toFixed(2)} on ${cpus().length} CPUs)`);
  await timeClone("partial", true, cloneUrl, cloneParent, "warmup");
  await timeClone("full", true, cloneUrl, cloneParent, "warmup");
  const samples: CloneSample[] = [];
  for (let run = 0; run < cloneRuns; run += 1) {
    for (const checkout of [true, false]) {
      samples.push(await timeClone("partial", checkout, cloneUrl, cloneParent, String(run)));
      samples.push(await timeClone("full", checkout, cloneUrl, cloneParent, String(run)));
    }
  }
  const clones = (kind: CloneKind, checkout: boolean): CloneStats => cloneStats(samples.filter((sample) => sample.kind === kind && sample.checkout === checkout));
  const partial = clones("partial", true);
  const full = clones("full", true);
  const partialTransfer = clones("partial", false);
  const fullTransfer = clones("full", false);
  const cloneRatio = full.medianMs > 0 ? partial.medianMs / full.medianMs : null;
  const transferRatio = fullTransfer.medianMs > 0 ? partialTransfer.medianMs / fullTransfer.medianMs : null;
  const sizeRatio = full.gitDirBytes > 0 ? partial.gitDirBytes / full.gitDirBytes : null;

  // 4. The sandbox's cost per check.
  progress(`part 4: ${sandboxCommands.length} check commands × ${sandboxRuns} runs, on the host and in bubblewrap`);
  const sandboxTimings = await timeSandboxedChecks();

  // ---- report ----
  const allRuns = [...runs, bigRun];
  const failed = allRuns.filter((run) => run.job.state !== "succeeded");
  console.log("");
  console.log("pipeline benchmark: the real app (venom serve, App mode) against the fake GitHub, the scripted LLM and webhook sinks");
  console.log("");
  console.log(`1. GitHub REST calls per resolved issue (paths under /api/v3, status-comment edits included; target ≤ ${restTarget})`);
  table(
    ["issue", "repo", "state", "checks", "REST", "git HTTP", "seconds", ""],
    allRuns.map((run) => [
      `#${run.issue}`,
      run.repo,
      run.job.state,
      run.job.checks ?? "-",
      String(run.rest.length),
      String(run.git.length),
      run.seconds.toFixed(1),
      verdict(run.rest.length <= restTarget),
    ]),
  );
  const first = runs[0];
  const later = runs.at(-1);
  if (first) printBreakdown("first issue (one-time App calls included)", first);
  if (later && later !== first) printBreakdown("later issue", later);
  console.log("");
  console.log(`2. Prompt tokens, ${bigRepo}: ${synthetic.paths.length} files in ${synthetic.directories} directories (issue #${bigRun.issue}, ${bigRun.job.state})`);
  table(
    ["figure", "value"],
    [
      ["Architect's first prompt, tokens (chars/4)", `${prompts.architectPromptTokens} (target < ${architectPromptTarget}: ${verdict(prompts.architectPromptTokens < architectPromptTarget)})`],
      ["  system message, chars", String(prompts.architectSystemChars)],
      ["  user message, chars", String(prompts.architectUserChars)],
      ["    of which the repository map, chars", String(prompts.repoMapChars)],
      [`  tool schemas JSON (${prompts.architectTools} tools), chars`, String(prompts.toolSchemaChars)],
      ["LLM requests in the run (Architect + Coder)", `${prompts.llmRequests} (${prompts.architectRequests} + ${prompts.coderRequests})`],
      ["prompt tokens, whole run (fake's usage)", String(prompts.promptTokens)],
      ["completion tokens, whole run (fake's usage)", String(prompts.completionTokens)],
      ["largest single prompt, tokens", String(prompts.largestPromptTokens)],
      ["job record's tokens", prompts.jobTokens === null ? "n/a" : String(prompts.jobTokens)],
    ],
  );
  console.log("");
  console.log(
    `3. Clone of ${bigRepo} over the fake's git smart HTTP (tip ${megabytes(synthetic.tipBytes)} MB in ${synthetic.paths.length} files, ` +
      `${synthetic.commits} commits, server pack ${megabytes(synthetic.packBytes)} MB; ${cloneRuns} runs each, alternating, after one warm-up each)`,
  );
  const cloneRow = (label: string, stats: CloneStats): string[] => [
    label,
    stats.medianMs.toFixed(0),
    stats.runsMs.map((value) => value.toFixed(0)).join(" "),
    megabytes(stats.gitDirBytes),
    String(stats.gitRequests),
  ];
  table(
    ["clone", "median ms", "runs ms", ".git MB", "git HTTP requests"],
    [
      cloneRow("partial: --filter=blob:none --depth 1 --single-branch --no-tags (as the app)", partial),
      cloneRow("full: plain git clone", full),
      cloneRow("partial, --no-checkout (transfer + indexing only)", partialTransfer),
      cloneRow("full, --no-checkout (transfer + indexing only)", fullTransfer),
    ],
  );
  console.log(
    `  partial/full time: ${cloneRatio === null ? "n/a" : `${cloneRatio.toFixed(2)}×`} (target ≤ ${cloneRatioTarget}×: ${verdict(cloneRatio !== null && cloneRatio <= cloneRatioTarget)}); ` +
      `without checkout: ${transferRatio === null ? "n/a" : `${transferRatio.toFixed(2)}×`}; partial/full .git size: ${sizeRatio === null ? "n/a" : `${sizeRatio.toFixed(2)}×`}`,
  );
  console.log(`  (machine load ${load.toFixed(2)} on ${cpus().length} CPUs when part 3 started; the checkout of a partial clone fetches every blob of the tip in one more request)`);
  console.log("");
  printSandboxTimings(4, sandboxTimings);
  const followUp = await followUpSection();
  console.log("");
  printFollowUp(5, followUp);
  if (failed.length > 0) {
    console.log("");
    console.log(`warning: ${failed.length} job(s) did not succeed: ${failed.map((run) => `#${run.issue} ${run.job.state}: ${run.job.error ?? ""}`).join("; ")}`);
    console.log(appOutput.slice(-20).join("\n"));
  }

  console.log(
    JSON.stringify({
      benchmark: "pipeline",
      rest: {
        target: restTarget,
        perIssue: runs.map((run) => ({ issue: run.issue, state: run.job.state, rest: run.rest.length, git: run.git.length, seconds: Number(run.seconds.toFixed(2)) })),
        bigRepoIssue: { issue: bigRun.issue, state: bigRun.job.state, rest: bigRun.rest.length, git: bigRun.git.length, seconds: Number(bigRun.seconds.toFixed(2)) },
        firstBreakdown: first ? breakdown(first.rest, first.repo).map((row) => ({ call: row.call, count: row.count })) : [],
        laterBreakdown: later ? breakdown(later.rest, later.repo).map((row) => ({ call: row.call, count: row.count })) : [],
      },
      tokens: { repoFiles: synthetic.paths.length, directories: synthetic.directories, target: architectPromptTarget, ...prompts },
      clone: {
        runs: cloneRuns,
        target: cloneRatioTarget,
        ratio: cloneRatio === null ? null : Number(cloneRatio.toFixed(3)),
        ratioWithoutCheckout: transferRatio === null ? null : Number(transferRatio.toFixed(3)),
        gitDirSizeRatio: sizeRatio === null ? null : Number(sizeRatio.toFixed(3)),
        partial,
        full,
        partialNoCheckout: partialTransfer,
        fullNoCheckout: fullTransfer,
        tipBytes: synthetic.tipBytes,
        serverPackBytes: synthetic.packBytes,
        commits: synthetic.commits,
        loadAverage: Number(load.toFixed(2)),
        cpus: cpus().length,
      },
      sandbox: sandboxTimings,
      followUp,
    }),
  );
  return failed.length > 0 ? 1 : 0;
}

function fakeLlmOrThrow(): FakeLlm {
  if (!llm) throw new Error("fake LLM not started");
  return llm;
}

process.once("SIGINT", () => {
  void cleanUp().finally(() => process.exit(130));
});

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error);
  if (venom) process.stderr.write(`${venom.output.slice(-30).join("\n")}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
