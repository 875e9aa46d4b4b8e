// Traffic control in the running app: the inbound 429 shape, health never limited, signed deliveries never lost,
// GitHub's secondary limit retried, degraded mode visible and jobs kept across it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { example } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";

const secret = "traffic-test-secret";
let github: FakeGitHub;
let venom: Venom;
let url: string;
let handled = 0;

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo("octo/traffic", { files: { "README.md": "x\n" } });
  const config = readConfig(
    {
      GITHUB_TOKEN: github.token,
      GITHUB_REPO_NAME: "octo/traffic",
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-traffic-")),
    },
    "/tmp",
  );
  // A short cooldown so the test sees degraded mode end (60 s in production).
  config.traffic = { ...config.traffic, degradedCooldownMs: 800 };
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  venom = await createVenom({
    config,
    log,
    handler: async () => {
      handled += 1;
      return { checks: "none" };
    },
  });
  url = `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await venom.stop();
  await github.stop();
});

async function burst(count: number, request: () => Promise<Response>): Promise<Response[]> {
  const responses: Response[] = [];
  for (let start = 0; start < count; start += 50) {
    responses.push(...(await Promise.all(Array.from({ length: Math.min(50, count - start) }, request))));
  }
  return responses;
}

describe("traffic control in the app", () => {
  it("answers a flood on the dashboard API with the exact 429 shape, however the client rotates X-Actor / X-Session-Id", async () => {
    let sent = 0;
    const responses = await burst(260, () => {
      sent += 1;
      return fetch(`${url}/venom/api/jobs`, { headers: { "x-actor": `flooder-${sent}`, "x-session-id": `session-${sent}` } });
    });
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    const first = limited[0] as Response;
    const retryAfter = first.headers.get("retry-after");
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    const body = (await first.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["error", "message", "retry_after_seconds"]);
    expect(body).toMatchObject({ error: "rate_limit_exceeded", retry_after_seconds: Number(retryAfter) });
    // A name the client merely claims buys no bucket of its own (a fresh one would take 200): the address is still
    // over its limit, refilled by 20 a second at most, however slowly this machine sends the next 100.
    const claimed = await burst(100, () => fetch(`${url}/venom/api/jobs`, { headers: { "x-actor": "someone-else" } }));
    expect(claimed.filter((response) => response.status === 429).length).toBeGreaterThan(0);
  });

  it("never limits /healthz or /metrics", async () => {
    const responses = await burst(400, () => fetch(`${url}/healthz`));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const metrics = await burst(250, () => fetch(`${url}/metrics`));
    expect(metrics.every((response) => response.status === 200)).toBe(true);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain("venom_jobs");
    expect(text).toMatch(/venom_traffic/);
  });

  it("accepts every signed delivery over the limit, and refuses a bad-signature flood with 429", async () => {
    const payload = example("issues", "opened");
    const accepted = await burst(260, () =>
      deliver(url, "issues", payload, { secret }).then((result) => new Response(null, { status: result.status })),
    );
    expect(accepted.every((response) => response.status === 202)).toBe(true);
    const forged = await burst(260, () =>
      deliver(url, "issues", payload, { secret: "wrong" }).then((result) => new Response(null, { status: result.status })),
    );
    const statuses = new Set(forged.map((response) => response.status));
    expect(statuses.has(429)).toBe(true);
    expect([...statuses].every((status) => status === 401 || status === 429)).toBe(true);
  });

  it("retries GitHub's secondary rate limit after its Retry-After, instead of failing", async () => {
    github.failNext("GET", /\/repos\/octo\/traffic\/issues\/\d+$/, 403, {
      headers: { "retry-after": "1" },
      body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
    });
    const issue = github.addIssue("octo/traffic", { title: "secondary" });
    const details = await venom.skills.platform.getIssueDetails(issue.number);
    expect(details.title).toBe("secondary");
    const hits = github.requests.filter((request) => request.path.endsWith(`/issues/${issue.number}`) && request.method === "GET");
    expect(hits.map((request) => request.status)).toEqual([403, 200]);
  });

  it("shows degraded mode in /venom/api/traffic and /metrics; queued jobs wait and all run after it ends", async () => {
    venom.traffic.enterDegraded("test: simulated global cap");
    await venom.startBackground({ worker: true, poller: false });
    const before = handled;
    await venom.queue.enqueue({ repo: "octo/traffic", issue: 101, trigger: "label" });
    await venom.queue.enqueue({ repo: "octo/traffic", issue: 102, trigger: "label" });
    venom.worker.notify();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled).toBe(before);
    const traffic = (await (await fetch(`${url}/venom/api/traffic`)).json()) as { degraded: boolean; degradedUntil?: unknown };
    expect(traffic.degraded).toBe(true);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/venom_traffic_degraded(\{[^}]*\})? 1/);
    expect((await venom.queue.counts()).queued).toBe(2);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // The cooldown ends: both jobs run, none was lost.
    for (let i = 0; i < 100 && (await venom.queue.counts()).succeeded < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await venom.queue.counts()).toMatchObject({ queued: 0, succeeded: 2 });
    expect(handled - before).toBe(2);
    expect(((await (await fetch(`${url}/venom/api/traffic`)).json()) as { degraded: boolean }).degraded).toBe(false);
  });
});
