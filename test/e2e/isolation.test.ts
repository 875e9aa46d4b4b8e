// Isolation end to end: a tricked model rewrites the check to escape; every attempt fails and the fix still lands.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/queue/types.js";
import { labeledIssuePayload, type Payload } from "../fixtures/webhooks.js";
import { attackFiles, startListener, survivors } from "../fixtures/sandbox-attack.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { bwrapAvailable } from "../support/sandboxes.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";
import { WebhookSink } from "../support/webhook-sink.js";

const available = await bwrapAvailable();
const secret = "isolation-test-webhook-secret";
const openAiKey = "sk-test-isolation-0123456789abcdef";
const repo = "octo/guarded";
const realTest = "node -e \"if (require('./calc.js').add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": `${realTest}\n`,
  ".gitignore": "node_modules/\n",
  // Setup leaves output behind (and has network); none of it may reach the commit.
  ".github/venom.yml": "setup:\n  - echo installed > setup-output.txt && mkdir -p node_modules/dep && echo x > node_modules/dep/index.js\nchecks:\n  - sh test.sh\nmax_iterations: 10\n",
};

let github: FakeGitHub;
let llm: FakeLlm;
let sink: WebhookSink;
let venom: VenomProcess;
let dataDir: string;
let outsideDirectory: string;
let privateKey: string;
let listener: Awaited<ReturnType<typeof startListener>>;
const marker = 31_000 + Math.floor(Math.random() * 9_000);

beforeAll(async () => {
  if (!available) return;
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  sink = await WebhookSink.start();
  listener = await startListener();
  privateKey = testPrivateKey();
  const home = mkdtempSync(path.join(tmpdir(), "venom-isolation-"));
  dataDir = path.join(home, "data");
  outsideDirectory = path.join(home, "outside");
  mkdirSync(outsideDirectory, { recursive: true });
  const privateKeyPath = path.join(home, "app.pem");
  writeFileSync(privateKeyPath, privateKey, { mode: 0o600 });
  await github.createRepo(repo, { files });

  const attack = attackFiles({ privateKeyPath, dataDir, outsideDirectory, port: listener.port, marker, realTest });
  llm.whenExhausted(
    policy({
      attack: {
        file: "calc.js",
        coder: [
          { name: "create_file", arguments: { path: "attack.js", content: attack["attack.js"] } },
          { name: "create_file", arguments: { path: "test.sh", content: attack["test.sh"] } },
          { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } },
          { name: "run_checks", arguments: {} },
        ],
      },
      plain: { file: "calc.js", coder: [{ name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } }] },
    }),
  );
  venom = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY_PATH: privateKeyPath,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: openAiKey,
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: dataDir,
      VENOM_SANDBOX: "bwrap",
      VENOM_SANDBOX_MEMORY_MB: "1024",
      VENOM_SANDBOX_PROCESSES: "128",
      DISCORD_WEBHOOK_URL: sink.discordUrl(),
      LOG_LEVEL: "debug",
    },
  });
});

afterAll(async () => {
  if (!available) return;
  await venom.stop();
  await Promise.all([github.stop(), llm.stop(), sink.stop(), listener.close()]);
});

function labeledPayload(issue: number, title: string): Payload {
  // GitHub's payload carries the issue's text as it was: a run stops if an outsider changed it since.
  const body = github.issues(repo).find((item) => item.number === issue)?.body ?? null;
  return labeledIssuePayload({ repo, issue, title, body });
}

async function finished(issue: number): Promise<JobRecord> {
  return waitFor(
    async () => {
      const response = await fetch(`${venom.url}/venom/api/jobs`);
      const job = ((await response.json()) as { jobs: JobRecord[] }).jobs.find((item) => item.issue === issue);
      return job && ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
    },
    120_000,
    `job for issue #${issue} to finish`,
  );
}

/** The body of the key without its armour: the part that must never leave the host. */
function keyBody(): string {
  return privateKey.split("\n").slice(1, 4).join("");
}

describe.skipIf(!available)("Isolation (bubblewrap) on a real run", () => {
  it("stops every escape from a rewritten check; the fix lands with passing checks and only the model's files", async () => {
    const issue = github.addIssue(repo, { title: "[attack] add() subtracts", body: "add(2,3) returns -1", labels: ["venom"] });
    await deliver(venom.url, "issues", labeledPayload(issue.number, issue.title), { secret });
    const job = await finished(issue.number);
    expect(job, job.error).toMatchObject({ state: "succeeded", checks: "passed" });

    // The checks ran the attack (its report reached the model) and every attempt was blocked.
    const toolResults = llm.requests
      .flatMap((request) => request.messages.filter((message) => message.role === "tool").map((message) => String(message.content)))
      .join("\n");
    expect(toolResults).toMatch(/✅ sh test\.sh/);

    const branch = `issue-${issue.number}`;
    expect(github.readFile(repo, branch, "calc.js")).toContain("return a + b;");
    const tree = execFileSync("git", ["ls-tree", "-r", "--name-only", branch], { cwd: github.bareRepoPath(repo) }).toString().trim().split("\n");
    expect(tree.sort()).toEqual([".github/venom.yml", ".gitignore", "attack.js", "calc.js", "test.sh"]);

    // Nothing secret anywhere it could be published: objects in the remote, PR, comments, notifications, prompts.
    const objects = execFileSync("sh", ["-c", "git cat-file --batch-all-objects --batch"], { cwd: github.bareRepoPath(repo), maxBuffer: 64 << 20 }).toString();
    const published = [
      objects,
      JSON.stringify(github.pulls(repo)),
      JSON.stringify(github.comments(repo, issue.number)),
      JSON.stringify(sink.received),
      JSON.stringify(llm.requests.map((request) => request.messages)),
    ].join("\n");
    for (const value of [keyBody(), openAiKey, secret, github.token]) expect(published).not.toContain(value);

    const [pull] = github.pulls(repo).filter((item) => item.head.ref === branch);
    expect(pull?.draft).toBe(false);
    expect(pull?.body).toContain("checks ran in bubblewrap, no network");
    const status = github.comments(repo, issue.number).find((comment) => comment.body?.includes("<!-- venom:status -->"));
    expect(status?.body).toContain("checks ran in bubblewrap, no network");

    // The host: nothing written outside, no connection to its loopback, no hook fired, no process left.
    expect(existsSync(path.join(outsideDirectory, "escaped.txt"))).toBe(false);
    expect(existsSync(path.join(outsideDirectory, "hook-ran"))).toBe(false);
    expect(existsSync(path.join(outsideDirectory, "fsmonitor-ran"))).toBe(false);
    expect(existsSync("/usr/venom-escaped")).toBe(false);
    expect(listener.connections()).toBe(0);
    expect(survivors(marker)).toEqual([]);
  });
});

describe.skipIf(!available)("No isolation available (VENOM_SANDBOX=auto, neither bubblewrap nor Docker)", () => {
  it("runs no setup or check, opens a draft PR, and says why in the status comment and the PR", async () => {
    // A PATH with git alone: `auto` finds neither bwrap nor docker.
    const bin = mkdtempSync(path.join(tmpdir(), "venom-bin-"));
    symlinkSync(execFileSync("sh", ["-c", "command -v git"]).toString().trim(), path.join(bin, "git"));
    const bare = await startVenom({
      env: {
        PATH: bin,
        APP_ID: "1",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: secret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        OPENAI_BASE_URL: llm.baseUrl,
        VENOM_MODEL: "fake-model",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-nosandbox-")),
      },
    });
    try {
      const issue = github.addIssue(repo, { title: "[plain] add() subtracts", labels: ["venom"] });
      await deliver(bare.url, "issues", labeledPayload(issue.number, issue.title), { secret });
      const job = await waitFor(
        async () => {
          const response = await fetch(`${bare.url}/venom/api/jobs`);
          const found = ((await response.json()) as { jobs: JobRecord[] }).jobs.find((item) => item.issue === issue.number);
          return found && ["succeeded", "failed"].includes(found.state) ? found : undefined;
        },
        60_000,
        "the run without isolation",
      );
      expect(job, job.error).toMatchObject({ state: "succeeded", checks: "none" });
      const sentence = "checks not run: no isolation available (install bubblewrap or Docker, or set VENOM_SANDBOX=none to run them unisolated on this host)";
      const [pull] = github.pulls(repo).filter((item) => item.head.ref === `issue-${issue.number}`);
      expect(pull?.draft).toBe(true);
      expect(pull?.body).toContain(sentence);
      const status = github.comments(repo, issue.number).find((comment) => comment.body?.includes("<!-- venom:status -->"));
      expect(status?.body).toContain(sentence);
      // Setup never ran, so nothing it would have made exists; the commit holds the fix alone.
      expect(github.readFile(repo, `issue-${issue.number}`, "calc.js")).toContain("return a + b;");
      expect(github.readFile(repo, `issue-${issue.number}`, "setup-output.txt")).toBeUndefined();
    } finally {
      await bare.stop();
    }
  });
});
