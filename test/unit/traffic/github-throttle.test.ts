import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isTransient } from "../../../src/errors.js";
import { gitHubError } from "../../../src/github/github-error.js";
import { BACKGROUND_REQUEST, createGitHubThrottle, withGitHubTraffic } from "../../../src/traffic/github-throttle.js";
import { createTrafficControl, type TrafficControl } from "../../../src/traffic/traffic-control.js";
import { TrafficRefusedError } from "../../../src/traffic/traffic-refused-error.js";

const log = pino({ level: "silent" });
/** Octokit waits `retryAfter × this` ms: 3 s of Retry-After become 60 ms here. */
const MS_PER_SECOND = 20;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
interface Seen {
  method: string;
  url: string;
  at: number;
}

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", at: performance.now() });
    request.resume();
    request.on("end", () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});
afterEach(() => {
  seen.length = 0;
});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/** Answers each request of the given path with the next of `answers` (the last repeats); others get 200. */
function script(path: string, ...answers: Array<[number, unknown, Record<string, string>?]>): void {
  handler = (request, response) => {
    if (request.url?.split("?")[0] !== path) return json(response, 200, {});
    const next = answers.length > 1 ? answers.shift() : answers[0];
    const [status, body, headers] = next ?? [200, {}];
    json(response, status, body, headers);
  };
}

const secondary = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };

function tokenModeOctokit(traffic: TrafficControl) {
  const throttle = { ...createGitHubThrottle({ log, traffic }), retryAfterBaseValue: MS_PER_SECOND };
  const Octokit = withGitHubTraffic(ProbotOctokit, { throttle, traffic });
  const probot = new Probot({ githubToken: "ghp_test", baseUrl, Octokit, log });
  return probot.auth();
}

describe("GitHub through Octokit", () => {
  it("retries a secondary rate limit after its Retry-After (stock Probot only logs it) and books it", async () => {
    const traffic = createTrafficControl({ log });
    const octokit = await tokenModeOctokit(traffic);
    script("/repos/o/r/issues/1", [403, secondary, { "retry-after": "3" }], [200, { number: 1 }, { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4990", "x-ratelimit-used": "10", "x-ratelimit-reset": "1900000000", "x-ratelimit-resource": "core" }]);
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { owner: "o", repo: "r", issue_number: 1 });
    expect(data).toEqual({ number: 1 });
    expect(seen).toHaveLength(2);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(3 * MS_PER_SECOND - 5);
    const snapshot = traffic.snapshot();
    expect(snapshot.scopes["github:get"]).toMatchObject({ requests: 1, "429": 1, "2xx": 1, retries: 1 });
    expect(snapshot.github.token?.core).toMatchObject({ limit: 5000, remaining: 4990, used: 10, resetAt: new Date(1_900_000_000_000).toISOString() });
    traffic.close();
  });

  it("needs the function form: object defaults lose to Probot's own log-only handler", async () => {
    const traffic = createTrafficControl({ log });
    const throttle = { ...createGitHubThrottle({ log, traffic }), retryAfterBaseValue: MS_PER_SECOND };
    const probot = new Probot({ githubToken: "ghp_test", baseUrl, Octokit: ProbotOctokit.defaults({ throttle }), log });
    const octokit = await probot.auth();
    script("/repos/o/r/issues/9", [403, secondary, { "retry-after": "1" }], [200, {}]);
    await expect(octokit.request("GET /repos/o/r/issues/9")).rejects.toMatchObject({ status: 403 });
    expect(seen).toHaveLength(1);
    traffic.close();
  });

  it("waits for the reset of a primary rate limit", async () => {
    const traffic = createTrafficControl({ log });
    const octokit = await tokenModeOctokit(traffic);
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    script("/user", [403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }], [200, { login: "me" }]);
    const { data } = await octokit.request("GET /user");
    expect(data).toEqual({ login: "me" });
    expect(seen).toHaveLength(2);
    traffic.close();
  });

  it("gives up at once when the wait exceeds the threshold: a transient error for the job queue, no extra attempts", async () => {
    const traffic = createTrafficControl({ log });
    const octokit = await tokenModeOctokit(traffic);
    // No retry-after: GitHub's advice is 60 s, more than the 30 s a worker may wait.
    script("/repos/o/r/issues/2/comments", [403, secondary]);
    const error = await octokit
      .request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: "o", repo: "r", issue_number: 2, body: "x" })
      .catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(403);
    expect(seen).toHaveLength(1);
    const mapped = gitHubError("comment", error);
    expect(isTransient(mapped)).toBe(true);
    expect(mapped.retryAfterSeconds).toBe(60);

    traffic.close();
  });

  it("does not let Octokit's retry plugin repeat a 429 the throttling handlers gave up on; the installation then holds off", async () => {
    const traffic = createTrafficControl({ log });
    const octokit = await tokenModeOctokit(traffic);
    script("/repos/o/r/pulls", [429, secondary, { "retry-after": "120" }]);
    const second = await octokit.request("GET /repos/{owner}/{repo}/pulls", { owner: "o", repo: "r" }).catch((caught: unknown) => caught);
    expect((second as { status?: number }).status).toBe(429);
    expect(seen).toHaveLength(1);
    expect(gitHubError("list pulls", second).retryAfterSeconds).toBe(120);

    // Every other GitHub call now holds off for those 120 s: handed back to the queue without a request.
    seen.length = 0;
    const held = await octokit.request("GET /user").catch((caught: unknown) => caught);
    expect(held).toBeInstanceOf(TrafficRefusedError);
    expect(held).toMatchObject({ reason: "retry-after", retryAfterSeconds: 120 });
    expect(traffic.snapshot().providers.github).toMatchObject({ pausedUntil: null, breaker: "closed" });
    expect(seen).toHaveLength(0);
    traffic.close();
  });

  it("stops retrying after 3 rate-limit retries", async () => {
    const traffic = createTrafficControl({ log });
    const octokit = await tokenModeOctokit(traffic);
    script("/repos/o/r", [403, secondary, { "retry-after": "1" }]);
    const error = await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }).catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(403);
    expect(seen).toHaveLength(4);
    expect(traffic.snapshot().scopes["github:get"]).toMatchObject({ "429": 4, retries: 3 });
    traffic.close();
  });

  it("background requests (the poller's) are booked but not paced by the github:get bucket or the global cap", async () => {
    const traffic = createTrafficControl({
      log,
      settings: { providers: { github: { capacity: 2, refillPerSecond: 0.001 } }, globalPerMinute: 5, maxWaitMs: 10 },
    });
    const octokit = await tokenModeOctokit(traffic);
    script("/repos/o/r/issues", [200, []]);
    for (let i = 0; i < 20; i++) {
      await octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "o", repo: "r", request: BACKGROUND_REQUEST });
    }
    expect(traffic.snapshot().scopes["github:get"]).toMatchObject({ "2xx": 20, throttled: 0 });
    expect(traffic.snapshot().global.requestsLastMinute).toBe(0);
    // The pipeline's own requests still spend the bucket: two, then a refusal instead of a long wait.
    await octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "o", repo: "r" });
    await octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "o", repo: "r" });
    await expect(octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "o", repo: "r" })).rejects.toBeInstanceOf(TrafficRefusedError);
    expect(seen).toHaveLength(22);
    traffic.close();
  });

  it("opens GitHub's breaker after 3 failing requests (5xx after Octokit's own retries)", async () => {
    const traffic = createTrafficControl({ log });
    const throttle = createGitHubThrottle({ log, traffic });
    const Octokit = withGitHubTraffic(ProbotOctokit, { throttle, traffic });
    const probot = new Probot({ githubToken: "ghp_test", baseUrl, Octokit, log });
    const octokit = await probot.auth();
    script("/meta", [502, { message: "bad gateway" }]);
    for (let i = 0; i < 3; i++) {
      await expect(octokit.request("GET /meta", { request: { retries: 0 } })).rejects.toMatchObject({ status: 502 });
    }
    expect(traffic.snapshot().providers.github?.breaker).toBe("open");
    await expect(octokit.request("GET /meta")).rejects.toBeInstanceOf(TrafficRefusedError);
    expect(seen).toHaveLength(3);
    traffic.close();
  });

  it("spaces mutating requests 1 s apart per installation, not across installations", async () => {
    const traffic = createTrafficControl({ log });
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    handler = (request, response) => {
      if (/^\/app\/installations\/\d+\/access_tokens$/.test(request.url ?? "")) {
        return json(response, 201, { token: "ghs_installation", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      }
      json(response, 200, { id: 1 }, { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999" });
    };
    const throttle = createGitHubThrottle({ log, traffic });
    const Octokit = withGitHubTraffic(ProbotOctokit, { throttle, traffic });
    const probot = new Probot({ appId: 1, privateKey, baseUrl, Octokit, log });
    const [first, second] = await Promise.all([probot.auth(71), probot.auth(72)]);
    if (!first || !second) throw new Error("no octokit");
    // Editing the status comment: a write that sends no notification.
    const edit = (octokit: typeof first, id: number) =>
      octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner: "o", repo: "r", comment_id: id, body: "x" });
    await Promise.all([edit(first, 1), edit(first, 2), edit(second, 3)]);
    const at = (id: number) => seen.find((request) => request.url.endsWith(`/comments/${id}`))?.at ?? Number.NaN;
    const gap = Math.abs(at(2) - at(1));
    // The limiter's spacing is a lower bound; how late a loaded machine answers is not this test's business.
    expect(gap, "installation 71's writes").toBeGreaterThanOrEqual(800);
    // Installation 72 does not queue behind installation 71's second write.
    expect(at(3), "installation 72's write").toBeLessThan(Math.max(at(1), at(2)));
    expect(Object.keys(traffic.snapshot().github).sort()).toEqual(["71", "72"]);
    expect(traffic.snapshot().scopes["github:patch"]).toMatchObject({ requests: 3, "2xx": 3 });
    traffic.close();
  });
});
