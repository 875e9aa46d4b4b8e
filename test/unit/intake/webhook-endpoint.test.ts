// The webhook endpoint under hostile traffic, over real HTTP: floods are refused before their bodies are read.
import { request as httpRequest, type ClientRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { sign, verify } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpServer } from "../../../src/http/server.js";
import { createWebhookEndpoint } from "../../../src/intake/webhook-endpoint.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteInbox } from "../../../src/queue/sqlite-inbox.js";
import { createInboundLimiter } from "../../../src/traffic/inbound-limiter.js";
import { example } from "../../fixtures/webhooks.js";
import { FakeClock } from "../traffic/support.js";

const secret = "endpoint-test-secret";
const path = "/api/github/webhooks";
let server: Server | undefined;
const openRequests: ClientRequest[] = [];

afterEach(async () => {
  for (const request of openRequests.splice(0)) request.destroy();
  if (!server) return;
  const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
  server.closeAllConnections();
  await closing;
  server = undefined;
});

interface Setup {
  url: URL;
  outcomes: string[];
  logLines: string[];
}

async function start(options: { capacity?: number; maxUnverifiedReads?: number } = {}): Promise<Setup> {
  const sink = new PassThrough();
  const logLines: string[] = [];
  sink.on("data", (chunk: Buffer) => logLines.push(chunk.toString()));
  const log = await createLogger({ level: "debug", destination: sink });
  const limiter = createInboundLimiter({
    clock: new FakeClock(),
    groups: [{ name: "webhook", prefix: path, capacity: options.capacity ?? 100, refillPerSecond: 0.01, enforce: false }],
  });
  const outcomes: string[] = [];
  const endpoint = createWebhookEndpoint({
    path,
    inbox: new SqliteInbox(openDatabase(":memory:")),
    verify: (body, signature) => verify(secret, body, signature),
    dispatch: () => undefined,
    limiter,
    onOutcome: (event, outcome) => outcomes.push(`${event}:${outcome}`),
    log,
    ...(options.maxUnverifiedReads !== undefined ? { maxUnverifiedReads: options.maxUnverifiedReads } : {}),
  });
  server = createHttpServer([limiter, endpoint], log);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`), outcomes, logLines };
}

/**
 * Sends the headers of a POST whose declared body never comes (only `sent` bytes of it): whatever answer arrives
 * was given without reading the body.
 */
function postWithoutBody(url: URL, headers: Record<string, string>, sent = ""): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    openRequests.push(request);
    request.on("error", reject);
    if (sent) request.write(sent);
    request.flushHeaders();
  });
}

/** Resolves once the request's headers reached the server, its body still pending. */
function holdBodyOpen(url: URL, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers });
    openRequests.push(request);
    request.on("error", () => undefined);
    request.on("response", () => reject(new Error("answered before its body was sent")));
    request.write("{", () => setTimeout(resolve, 50));
  });
}

const deliveryHeaders = (extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  "x-github-event": "issues",
  "x-github-delivery": `d-${Math.random()}`,
  ...extra,
});

async function deliver(url: URL, body: string, signature: string | undefined): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: deliveryHeaders(signature ? { "x-hub-signature-256": signature } : {}),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe("webhook endpoint under hostile traffic", () => {
  it("answers a delivery without X-Hub-Signature-256 with 401 before reading its body", async () => {
    const { url, outcomes } = await start();
    const answer = await postWithoutBody(url, deliveryHeaders({ "content-length": String(5_000_000) }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "signature_missing" });
    expect(answer.headers.connection).toBe("close");
    expect(outcomes).toEqual(["issues:refused"]);
  });

  it("answers a declared body over 25 MB with 413 at once", async () => {
    const { url, outcomes } = await start();
    const answer = await postWithoutBody(
      url,
      deliveryHeaders({ "content-length": String(30 * 1024 * 1024), "x-hub-signature-256": `sha256=${"0".repeat(64)}` }),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "payload_too_large" });
    expect(outcomes).toEqual([]);
  });

  it("refuses an address that spent its budget on bad signatures before reading its next body", async () => {
    const { url } = await start({ capacity: 2 });
    const body = JSON.stringify(example("issues", "labeled"));
    // A signed delivery counts against its installation, never against the address.
    expect(await deliver(url, body, await sign(secret, body))).toBe(202);
    expect(await deliver(url, body, await sign("wrong", body))).toBe(401);
    expect(await deliver(url, body, await sign("wrong", body))).toBe(401);
    const answer = await postWithoutBody(
      url,
      deliveryHeaders({ "content-length": String(1_000_000), "x-hub-signature-256": `sha256=${"0".repeat(64)}` }),
    );
    expect(answer.status).toBe(429);
    expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "rate_limit_exceeded" });
  });

  it("reads only so many unverified bodies at once; the next gets 503 with Retry-After", async () => {
    const { url, outcomes } = await start({ maxUnverifiedReads: 2 });
    const slow = deliveryHeaders({ "content-length": "1000", "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    await holdBodyOpen(url, slow);
    await holdBodyOpen(url, { ...slow, "x-github-delivery": "second" });
    const refused = await postWithoutBody(url, { ...slow, "x-github-delivery": "third" });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body)).toMatchObject({ error: "busy" });
    expect(outcomes).toContain("issues:busy");
    // A slot frees as soon as a read ends: the slow clients hang up, and a whole delivery goes through.
    for (const request of openRequests.splice(0)) request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const body = JSON.stringify(example("issues", "labeled"));
    expect(await deliver(url, body, await sign(secret, body))).toBe(202);
  });

  it("logs no more than an excerpt of what an unsigned request sent", async () => {
    const { url, logLines } = await start();
    const huge = "x".repeat(6_000);
    const response = await fetch(url, { method: "POST", headers: deliveryHeaders({ "x-github-delivery": huge, "x-github-event": huge }), body: "{}" });
    expect(response.status).toBe(401);
    const line = logLines.find((text) => text.includes("signature"));
    expect(line).toBeDefined();
    expect(line!.length).toBeLessThan(1_000);
    expect(line).toContain("(6000 characters)");
  });
});
