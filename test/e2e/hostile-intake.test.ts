// Hostile traffic at the running app, over HTTP only: replayed signed events, made-up event names, rotated
// client headers and slow bodies; GitHub faked at the HTTP boundary.
import { mkdtempSync } from "node:fs";
import { request as httpRequest, type ClientRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import type { JobRecord } from "../../src/queue/types.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";

const secret = "hostile-intake-secret";
const repo = "octo/hostile";
const dashboardToken = "hostile-intake-dashboard-token";
const authorized = { authorization: `Bearer ${dashboardToken}` };
let github: FakeGitHub;
let venom: Venom;
let url: string;
const runs: number[] = [];

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo(repo, { files: { "README.md": "x\n" } });
  github.setPermission(repo, "maintainer", "maintain");
  const config = readConfig(
    {
      GITHUB_TOKEN: github.token,
      GITHUB_REPO_NAME: repo,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-hostile-")),
      VENOM_DASHBOARD_TOKEN: dashboardToken,
    },
    "/tmp",
  );
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  venom = await createVenom({
    config,
    log,
    maxAttempts: 1,
    handler: async ({ job }) => {
      runs.push(job.issue);
      // Label runs fail, so labelling again would run them again: only replay protection stops a replayed label.
      if (job.trigger === "label") throw new Error("the model could not fix it");
      return { checks: "none" };
    },
  });
  url = `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}`;
  await venom.startBackground({ worker: true, poller: false });
});
afterAll(async () => {
  await venom.stop();
  await github.stop();
});

async function jobs(issue: number): Promise<JobRecord[]> {
  const response = await fetch(`${url}/venom/api/jobs`, { headers: authorized });
  return ((await response.json()) as { jobs: JobRecord[] }).jobs.filter((job) => job.issue === issue);
}

async function finished(issue: number, count: number): Promise<JobRecord[]> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const list = await jobs(issue);
    if (list.length >= count && list.every((job) => job.state !== "queued" && job.state !== "running")) return list;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`issue ${issue} never had ${count} finished job(s)`);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

function labeled(issue: number): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label!, name: "venom" };
  payload.issue = { ...payload.issue, number: issue };
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

function fixComment(issue: number, commentId: number): Payload {
  const payload = example("issue_comment", "created");
  const user = { ...payload.comment!.user, login: "maintainer", type: "User" };
  payload.comment = { ...payload.comment!, id: commentId, body: "/venom fix", user } as Payload["comment"];
  payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
  payload.issue = { ...payload.issue, number: issue, state: "open" };
  delete payload.issue.pull_request;
  payload.repository = { ...payload.repository, full_name: repo };
  return payload;
}

describe("hostile intake", () => {
  it("runs a signed label event re-sent under a new delivery id once", async () => {
    expect((await deliver(url, "issues", labeled(41), { secret, id: "label-original" })).status).toBe(202);
    expect(await finished(41, 1)).toMatchObject([{ state: "failed", trigger: "label" }]);
    expect((await deliver(url, "issues", labeled(41), { secret, id: "label-replayed" })).status).toBe(202);
    await settle();
    expect(await jobs(41)).toHaveLength(1);
    expect(runs.filter((issue) => issue === 41)).toHaveLength(1);
  });

  it("acts on a /venom comment once per comment id", async () => {
    expect((await deliver(url, "issue_comment", fixComment(42, 9001), { secret, id: "comment-original" })).status).toBe(202);
    expect(await finished(42, 1)).toMatchObject([{ state: "succeeded", trigger: "comment" }]);
    expect((await deliver(url, "issue_comment", fixComment(42, 9001), { secret, id: "comment-replayed" })).status).toBe(202);
    await settle();
    expect(await jobs(42)).toHaveLength(1);
    // Another comment is another command.
    expect((await deliver(url, "issue_comment", fixComment(42, 9002), { secret })).status).toBe(202);
    expect(await finished(42, 2)).toHaveLength(2);
  });

  it("counts made-up X-GitHub-Event values under one metrics label", async () => {
    for (let index = 0; index < 40; index += 1) {
      const response = await fetch(`${url}/api/github/webhooks`, {
        method: "POST",
        headers: { "x-github-event": `made-up-${index}`, "x-github-delivery": `fake-${index}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(401);
    }
    const text = await (await fetch(`${url}/metrics`)).text();
    const events = new Set([...text.matchAll(/venom_webhook_deliveries_total\{event="([^"]*)"/g)].map((match) => match[1]));
    expect([...events].some((event) => event?.startsWith("made-up"))).toBe(false);
    expect(text).toMatch(/venom_webhook_deliveries_total\{event="other",outcome="refused"\} 40/);
    expect(events.has("issues")).toBe(true);
  });

  it("keys the dashboard limit by address unless the dashboard token proves who is asking", async () => {
    const statuses: number[] = [];
    for (let start = 0; start < 260; start += 50) {
      const batch = Array.from({ length: 50 }, (_, index) =>
        fetch(`${url}/venom/api/jobs`, { headers: { "x-actor": `rotating-${start + index}`, "x-session-id": `s-${start + index}` } }),
      );
      statuses.push(...(await Promise.all(batch)).map((response) => response.status));
    }
    expect(statuses).toContain(429);
    // A wrong token picks no bucket of its own: it shares the address's, which the flood emptied. (A burst, not one
    // request, so a token refilled while a loaded machine was slow to send the flood cannot make this flaky.)
    const wrongToken = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${url}/venom/api/jobs`, { headers: { authorization: "Bearer not-the-token" } })),
    );
    expect(wrongToken.map((response) => response.status)).toContain(429);
    expect((await fetch(`${url}/venom/api/jobs`, { headers: authorized })).status).toBe(200);
  });

  it("reads 16 unverified bodies at once at most; the 17th is told to come back", async () => {
    const open: ClientRequest[] = [];
    try {
      const headers = {
        "content-type": "application/json",
        "content-length": "1000",
        "x-github-event": "issues",
        "x-github-delivery": "slow",
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      };
      for (let index = 0; index < 16; index += 1) {
        await new Promise<void>((resolve) => {
          const request = httpRequest(`${url}/api/github/webhooks`, { method: "POST", headers });
          request.on("error", () => undefined);
          open.push(request);
          request.write("{", () => setTimeout(resolve, 20));
        });
      }
      const refused = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        const request = httpRequest(`${url}/api/github/webhooks`, { method: "POST", headers }, (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] as string | undefined });
        });
        request.on("error", reject);
        open.push(request);
        request.flushHeaders();
      });
      expect(refused).toEqual({ status: 503, retryAfter: "1" });
    } finally {
      for (const request of open) request.destroy();
    }
    // Once the slow clients are gone, deliveries are read again.
    await settle();
    expect((await deliver(url, "issues", example("issues", "opened"), { secret })).status).toBe(202);
  });
});
