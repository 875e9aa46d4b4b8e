// Slack and Teams actions end to end: the real app (`venom serve`) against a fake GitHub, a scripted LLM and a fake Slack.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackSignature } from "../../src/intake/chat/slack-signature.js";
import { teamsAuthorization } from "../../src/intake/chat/teams-signature.js";
import type { JobRecord } from "../../src/queue/types.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { FakeSlack, type SlackCall } from "../support/fake-slack.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const secret = "chat-actions-webhook-secret";
const signingSecret = "chat-actions-slack-signing-secret";
const teamsSecret = Buffer.from("chat-actions-teams-outgoing-secret").toString("base64");
const repo = "octo/chat";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": "node -e \"if (require('./calc.js').add(2,3)!==5) process.exit(1)\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 8\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };

let github: FakeGitHub;
let llm: FakeLlm;
let slack: FakeSlack;
let venom: VenomProcess;

beforeAll(async () => {
  github = await FakeGitHub.start();
  llm = await FakeLlm.start();
  slack = await FakeSlack.start();
  await github.createRepo(repo, { files });
  github.setPermission(repo, "ana", "write");
  github.setPermission(repo, "rita", "read");
  llm.whenExhausted(
    policy({
      happy: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }] },
      // Holds the worker in its code step long enough to act on it, and on the job queued behind it.
      slow: { file: "calc.js", coder: [fix], firstCoderDelayMs: 20_000 },
    }),
  );
  venom = await startVenom({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "sk-test-abcdefghijklmnopqrstuvwxyz",
      VENOM_MODEL: "fake-model",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-chat-")),
      VENOM_PUBLIC_URL: "https://venom.example.com",
      SLACK_BOT_TOKEN: "xoxb-chat-actions-test",
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_CHANNEL: "C0VENOM",
      SLACK_API_URL: slack.apiUrl,
      VENOM_SLACK_USERS: JSON.stringify({ UANA: "ana", URITA: "rita" }),
      TEAMS_OUTGOING_SECRET: teamsSecret,
      VENOM_TEAMS_USERS: JSON.stringify({ "aad-ana": "ana" }),
      LOG_LEVEL: "debug",
    },
  });
}, 60_000);

afterAll(async () => {
  await venom?.stop();
  await Promise.all([github?.stop(), llm?.stop(), slack?.stop()]);
});

function labeledPayload(issue: number, title: string): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue, state: "open" };
  (payload.issue as Record<string, unknown>).title = title;
  (payload.issue as Record<string, unknown>).body = github.issues(repo).find((item) => item.number === issue)?.body ?? null;
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

async function jobOf(issue: number): Promise<JobRecord | undefined> {
  const response = await fetch(`${venom.url}/venom/api/jobs?repo=${encodeURIComponent(repo)}`);
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.find((job) => job.issue === issue);
}

function until(issue: number, states: string[], what: string, timeoutMs = 60_000): Promise<JobRecord> {
  return waitFor(async () => {
    const job = await jobOf(issue);
    return job && states.includes(job.state) ? job : undefined;
  }, timeoutMs, what);
}

async function start(title: string): Promise<{ issue: number; job: JobRecord }> {
  const issue = github.addIssue(repo, { title, body: "add(2,3) returns -1", labels: ["venom"] });
  expect((await deliver(venom.url, "issues", labeledPayload(issue.number, title), { secret })).status).toBe(202);
  const job = await waitFor(() => jobOf(issue.number), 15_000, `job for #${issue.number}`);
  return { issue: issue.number, job };
}

/** Slack's interactivity request for a button click, signed unless `signature` says otherwise. */
async function clickSlack(user: string, action: string, jobId: string, signature: "valid" | "none" | "wrong" = "valid") {
  const payload = { type: "block_actions", user: { id: user }, response_url: slack.responseUrl, actions: [{ action_id: action, value: jobId, type: "button" }] };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (signature !== "none") {
    headers["x-slack-request-timestamp"] = timestamp;
    headers["x-slack-signature"] = slackSignature(signature === "valid" ? signingSecret : "not-the-secret", timestamp, body);
  }
  const response = await fetch(`${venom.url}/venom/slack/actions`, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as { text?: string } };
}

async function teamsCommand(text: string, authorization: "valid" | "wrong") {
  const body = JSON.stringify({ type: "message", id: `activity-${Math.random()}`, text, from: { id: "29:ana", aadObjectId: "aad-ana", name: "Ana" } });
  const header = authorization === "valid" ? teamsAuthorization(teamsSecret, body) : teamsAuthorization(Buffer.from("wrong").toString("base64"), body);
  const response = await fetch(`${venom.url}/venom/teams/actions`, { method: "POST", headers: { "content-type": "application/json", authorization: header }, body });
  return { status: response.status, body: (await response.json()) as { type?: string; text?: string } };
}

/** The Slack calls about one job: its buttons carry the job id. */
function callsFor(jobId: string): SlackCall[] {
  return slack.calls.filter((call) => (call.method === "chat.postMessage" || call.method === "chat.update") && JSON.stringify(call.args.blocks ?? "").includes(jobId));
}

async function actionsOf(jobId: string): Promise<Array<{ action: string; by: string }>> {
  return ((await (await fetch(`${venom.url}/venom/api/jobs/${jobId}`)).json()) as { actions: Array<{ action: string; by: string }> }).actions;
}

describe("Slack and Teams actions", () => {
  it("posts one Slack message for a labelled issue's run and updates it in place until it shows the PR", async () => {
    const { issue, job } = await start("[happy] add() subtracts");
    const done = await until(issue, ["succeeded", "failed"], `#${issue} to finish`);
    expect(done.state).toBe("succeeded");
    const calls = await waitFor(async () => {
      const found = callsFor(job.id);
      return found.some((call) => String(call.args.text).includes("pull request opened")) ? found : undefined;
    }, 10_000, "the message to show the PR");
    const posts = calls.filter((call) => call.method === "chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ token: "xoxb-chat-actions-test", args: { channel: "C0VENOM" } });
    const updates = calls.filter((call) => call.method === "chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const ts = updates[0]?.args.ts;
    expect(ts).toEqual(expect.stringMatching(/^\d+\.\d+$/));
    expect(updates.every((call) => call.args.ts === ts && call.args.channel === "C0VENOM")).toBe(true);
    expect(updates.some((call) => String(call.args.text).includes("running"))).toBe(true);
    const last = slack.message("C0VENOM", String(ts));
    expect(String(last?.text)).toContain("pull request opened");
    expect(JSON.stringify(last?.blocks)).toContain(`"url":"${done.prUrl}"`);
    expect(JSON.stringify(last?.blocks)).toContain(`https://venom.example.com/venom/jobs/${job.id}`);
  });

  it("acts on signed Slack buttons from a mapped writer only, and on a Teams command with a valid HMAC", async () => {
    const running = await start("[slow] add() subtracts");
    await until(running.issue, ["running"], "the slow run to start", 30_000);
    const queued = await start("[happy] queued behind the slow run");
    expect(queued.job.state).toBe("queued");

    // A reader's click is answered but changes nothing; an unsigned or wrongly signed one is refused.
    const byReader = await clickSlack("URITA", "cancel", queued.job.id);
    expect(byReader).toMatchObject({ status: 200, body: { text: expect.stringContaining("rita has read access") } });
    expect((await clickSlack("UANA", "cancel", queued.job.id, "none")).status).toBe(401);
    expect((await clickSlack("UANA", "cancel", queued.job.id, "wrong")).status).toBe(401);
    const unmapped = await clickSlack("USTRANGER", "cancel", queued.job.id);
    expect(unmapped).toMatchObject({ status: 200, body: { text: expect.stringContaining("not mapped") } });
    expect((await jobOf(queued.issue))?.state).toBe("queued");

    // The writer's click cancels it, is recorded with who did it, and the clicker hears back through response_url.
    const byWriter = await clickSlack("UANA", "cancel", queued.job.id);
    expect(byWriter).toMatchObject({ status: 200, body: { text: expect.stringContaining("cancelled by slack:ana") } });
    expect((await jobOf(queued.issue))?.state).toBe("cancelled");
    expect(await actionsOf(queued.job.id)).toContainEqual(expect.objectContaining({ action: "cancel", by: "slack:ana" }));
    await waitFor(() => slack.of("response_url").find((call) => String(call.args.text).includes("cancelled by slack:ana")), 5_000, "the reply");

    // The writer's retry re-queues it.
    const retried = await clickSlack("UANA", "retry", queued.job.id);
    expect(retried).toMatchObject({ status: 200, body: { text: expect.stringContaining("queued again by slack:ana") } });
    expect((await jobOf(queued.issue))?.state).toBe("queued");
    expect(await actionsOf(queued.job.id)).toContainEqual(expect.objectContaining({ action: "retry", by: "slack:ana" }));

    // Teams: a wrong HMAC is refused; a valid one stops the running job.
    expect((await teamsCommand(`<at>Venom</at> cancel ${repo}#${running.issue}`, "wrong")).status).toBe(401);
    expect((await jobOf(running.issue))?.state).toBe("running");
    const fromTeams = await teamsCommand(`<at>Venom</at> cancel ${repo}#${running.issue}`, "valid");
    expect(fromTeams).toMatchObject({ status: 200, body: { type: "message", text: expect.stringContaining("teams:ana") } });
    await until(running.issue, ["cancelled"], "the running job to stop", 30_000);
    expect(await actionsOf(running.job.id)).toContainEqual(expect.objectContaining({ action: "cancel", by: "teams:ana" }));

    // Each run still has exactly one Slack message, edited in place.
    for (const jobId of [running.job.id, queued.job.id]) {
      expect(callsFor(jobId).filter((call) => call.method === "chat.postMessage")).toHaveLength(1);
    }
  });
});
