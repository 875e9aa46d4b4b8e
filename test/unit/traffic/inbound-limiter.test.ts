import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { send, type RouteHandler } from "../../../src/http/respond.js";
import { createInboundLimiter, identity, type InboundLimiter, type InboundLimiterOptions } from "../../../src/traffic/inbound-limiter.js";
import { FakeClock } from "./support.js";

let server: Server | undefined;

afterEach(async () => {
  if (!server) return;
  const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
  server.closeAllConnections();
  await closing;
  server = undefined;
});

/** A server whose first route is the limiter and whose second answers 200 with the path. */
async function serve(limiter: InboundLimiter): Promise<string> {
  server = createServer((request, response) => {
    if (limiter(request, response)) return;
    send(response, 200, { path: request.url });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function small(options: Partial<InboundLimiterOptions> = {}): { limiter: InboundLimiter; clock: FakeClock } {
  const clock = new FakeClock();
  const limiter = createInboundLimiter({
    clock,
    groups: [
      { name: "webhook", prefix: "/api/github/webhooks", capacity: 2, refillPerSecond: 1, enforce: false },
      { name: "dashboard", prefix: "/venom/api", capacity: 2, refillPerSecond: 0.4 },
      { name: "other", prefix: "/", capacity: 2, refillPerSecond: 1 },
    ],
    ...options,
  });
  return { limiter, clock };
}

function fakeRequest(url: string, headers: Record<string, string> = {}, ip = "10.0.0.1"): IncomingMessage {
  return { url, method: "GET", headers, socket: { remoteAddress: ip } } as unknown as IncomingMessage;
}

describe("createInboundLimiter", () => {
  it("answers 429 with Retry-After in whole seconds (at least 1) and exactly the agreed JSON", async () => {
    const { limiter, clock } = small();
    const base = await serve(limiter);
    expect((await fetch(`${base}/venom/api/jobs`)).status).toBe(200);
    expect((await fetch(`${base}/venom/api/jobs`)).status).toBe(200);
    const refused = await fetch(`${base}/venom/api/jobs`);
    expect(refused.status).toBe(429);
    // 0.4 tokens a second: one token takes 2.5 s, rounded up.
    expect(refused.headers.get("retry-after")).toBe("3");
    expect(refused.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await refused.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["error", "message", "retry_after_seconds"]);
    expect(body).toEqual({ error: "rate_limit_exceeded", message: "Too many requests to dashboard; retry in 3 s.", retry_after_seconds: 3 });

    // A sub-second wait still says 1, never 0.
    clock.advance(2_400);
    const almost = await fetch(`${base}/venom/api/jobs`);
    expect(almost.status).toBe(429);
    expect(almost.headers.get("retry-after")).toBe("1");
    expect(((await almost.json()) as { retry_after_seconds: number }).retry_after_seconds).toBe(1);
    clock.advance(100);
    expect((await fetch(`${base}/venom/api/jobs`)).status).toBe(200);
  });

  it("never limits nor counts /healthz and /metrics", async () => {
    const { limiter } = small();
    const route: RouteHandler = limiter;
    expect(typeof route).toBe("function");
    const base = await serve(limiter);
    for (let i = 0; i < 20; i++) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
    }
    expect(limiter.check(fakeRequest("/healthz"))).toEqual({ allowed: true, retryAfterSeconds: 0, group: "unlimited", key: "" });
    expect(limiter.snapshot().keys).toBe(0);
  });

  it("keys by a verified identity, else the client address; never by X-Actor or X-Session-Id", () => {
    const { limiter } = small();
    expect(identity(fakeRequest("/", { "x-actor": "octocat", "x-session-id": "s1" }, "192.0.2.9"))).toBe("ip:192.0.2.9");
    expect(identity(fakeRequest("/", {}, "192.0.2.9"), false, "dashboard")).toBe("auth:dashboard");
    expect(identity(fakeRequest("/", {}, "192.0.2.9"), false, " ")).toBe("ip:192.0.2.9");
    expect(identity(fakeRequest("/", { "x-forwarded-for": "198.51.100.7, 10.0.0.1" }, "10.0.0.1"), true)).toBe("ip:198.51.100.7");
    expect(identity(fakeRequest("/", { "x-forwarded-for": "198.51.100.7" }, "10.0.0.1"))).toBe("ip:10.0.0.1");

    expect(limiter.check(fakeRequest("/venom/api/jobs", { "x-actor": "octocat", "x-session-id": "s1" }, "10.9.9.9")).key).toBe("dashboard:ip:10.9.9.9");
    expect(limiter.check(fakeRequest("/venom/apix", {}, "10.9.9.9")).key).toBe("other:ip:10.9.9.9");
    expect(limiter.check(fakeRequest("/venom/api", {}, "10.9.9.9")).key).toBe("dashboard:ip:10.9.9.9");
    expect(limiter.check(fakeRequest("/api/github/webhooks", {}, "10.9.9.9"), "installation:7").key).toBe("webhook:auth:installation:7");

    // Rotating the headers a client sets freely does not buy a new budget.
    const rotating = (index: number) => fakeRequest("/venom/api/jobs", { "x-actor": `a${index}`, "x-session-id": `s${index}` }, "10.0.0.5");
    expect([1, 2, 3].map((index) => limiter.check(rotating(index)).allowed)).toEqual([true, true, false]);
    expect(limiter.check(fakeRequest("/venom/api/jobs", {}, "10.0.0.6")).allowed).toBe(true);
  });

  it("lets only an authenticated request pick its own bucket", () => {
    const clock = new FakeClock();
    const limiter = createInboundLimiter({
      clock,
      groups: [{ name: "dashboard", prefix: "/", capacity: 1, refillPerSecond: 0.1 }],
      authenticate: (request) => (request.headers.authorization === "Bearer right" ? "dashboard" : undefined),
    });
    const from = (authorization?: string) => fakeRequest("/venom/api/jobs", authorization ? { authorization } : {}, "10.0.0.7");
    expect(limiter.check(from()).allowed).toBe(true);
    expect(limiter.check(from("Bearer wrong")).allowed).toBe(false);
    expect(limiter.check(from("Bearer right"))).toMatchObject({ allowed: true, key: "dashboard:auth:dashboard" });
    expect(limiter.check(from("Bearer right")).allowed).toBe(false);
  });

  it("peeks at an address's budget without spending it", () => {
    const { limiter, clock } = small();
    const delivery = fakeRequest("/api/github/webhooks", {}, "203.0.113.4");
    expect(limiter.peek(delivery)).toMatchObject({ allowed: true, key: "webhook:ip:203.0.113.4" });
    expect(limiter.snapshot().keys).toBe(0);
    limiter.check(delivery);
    limiter.check(delivery);
    expect(limiter.peek(delivery)).toEqual({ allowed: false, retryAfterSeconds: 1, group: "webhook", key: "webhook:ip:203.0.113.4" });
    // A signed delivery spends its installation's budget, not the address's.
    expect(limiter.check(delivery, "installation:1").allowed).toBe(true);
    clock.advance(1_000);
    expect(limiter.peek(delivery).allowed).toBe(true);
    expect(limiter.snapshot().groups.webhook).toMatchObject({ allowed: 3, limited: 1 });
  });

  it("leaves the webhook group to the endpoint: check() says over the limit, the middleware answers nothing", async () => {
    const { limiter } = small();
    const base = await serve(limiter);
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/api/github/webhooks`, { method: "POST", body: "{}" })).status).toBe(200);
    const delivery = fakeRequest("/api/github/webhooks", {}, "140.82.115.1");
    expect([1, 2, 3].map(() => limiter.check(delivery))).toEqual([
      { allowed: true, retryAfterSeconds: 0, group: "webhook", key: "webhook:ip:140.82.115.1" },
      { allowed: true, retryAfterSeconds: 0, group: "webhook", key: "webhook:ip:140.82.115.1" },
      { allowed: false, retryAfterSeconds: 1, group: "webhook", key: "webhook:ip:140.82.115.1" },
    ]);
    // The endpoint decides: a bad signature over the limit is refused in the one shape.
    const decision = limiter.check(delivery);
    const response = { writeHead: (status: number, headers: Record<string, unknown>) => Object.assign(response, { status, headers }), end: (text: string) => Object.assign(response, { text }) };
    limiter.reject(response as unknown as ServerResponse, decision);
    expect(response).toMatchObject({ status: 429, headers: { "retry-after": "1" } });
    expect(JSON.parse((response as unknown as { text: string }).text)).toEqual({
      error: "rate_limit_exceeded",
      message: "Too many requests to webhook; retry in 1 s.",
      retry_after_seconds: 1,
    });
    expect(limiter.snapshot().groups.webhook).toMatchObject({ allowed: 2, limited: 2, enforced: false });
  });

  it("uses 200 / 20 per s and the three groups by default", () => {
    const limiter = createInboundLimiter({ clock: new FakeClock() });
    const request = fakeRequest("/venom/api/jobs");
    for (let i = 0; i < 200; i++) expect(limiter.check(request).allowed).toBe(true);
    expect(limiter.check(request)).toMatchObject({ allowed: false, retryAfterSeconds: 1, group: "dashboard" });
    expect(Object.keys(limiter.snapshot().groups).sort()).toEqual(["dashboard", "other", "webhook"]);
  });

  it("forgets the least recently seen key beyond maxKeys", () => {
    const { limiter } = small({ maxKeys: 3 });
    for (const ip of ["1", "2", "3"]) limiter.check(fakeRequest("/x", {}, ip));
    limiter.check(fakeRequest("/x", {}, "1"));
    limiter.check(fakeRequest("/x", {}, "1"));
    expect(limiter.check(fakeRequest("/x", {}, "1")).allowed).toBe(false);
    limiter.check(fakeRequest("/x", {}, "4"));
    expect(limiter.snapshot().keys).toBe(3);
    // "1" was seen last before "4", so "2" went; "1" keeps its empty bucket.
    expect(limiter.check(fakeRequest("/x", {}, "1")).allowed).toBe(false);
  });
});
