// DashboardAuth on its own: which peers and headers are believed, and how sessions end.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { DashboardAuth, isHttps } from "../../../src/dashboard/auth.js";

function request(headers: Record<string, string>, remoteAddress = "127.0.0.1", encrypted = false): IncomingMessage {
  return { headers, socket: { remoteAddress, ...(encrypted ? { encrypted: true } : {}) } } as unknown as IncomingMessage;
}

describe("DashboardAuth", () => {
  it("believes X-Forwarded-Proto only from a loopback peer, and TLS always", () => {
    expect(isHttps(request({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(isHttps(request({ "x-forwarded-proto": "https, http" }, "::1"))).toBe(true);
    expect(isHttps(request({ "x-forwarded-proto": "https" }, "203.0.113.7"))).toBe(false);
    expect(isHttps(request({ "x-forwarded-proto": "http" }))).toBe(false);
    expect(isHttps(request({}, "203.0.113.7", true))).toBe(true);
    const auth = new DashboardAuth({ token: "t0ken" });
    expect(auth.login(request({ "x-forwarded-proto": "https" }, "203.0.113.7"), "t0ken")).not.toMatch(/Secure/);
  });

  it("with no token refuses other machines and non-loopback Host names, whatever they claim", () => {
    const auth = new DashboardAuth({});
    expect(auth.authenticate(request({ host: "localhost:3000" }))).toMatchObject({ ok: true, who: "loopback" });
    expect(auth.authenticate(request({ host: "localhost:3000" }, "198.51.100.1"))).toMatchObject({ ok: false, status: 403 });
    expect(auth.authenticate(request({ host: "attacker.example" }))).toMatchObject({ ok: false, status: 403 });
    expect(auth.authenticate(request({}))).toMatchObject({ ok: false, status: 403 });
    expect(auth.identity(request({ host: "localhost" }))).toBeUndefined();
  });

  it("ends a session after its lifetime, and names its holder for the inbound limiter", () => {
    let now = 0;
    const auth = new DashboardAuth({ token: "t0ken", now: () => now, sessionTtlMs: 1_000 });
    expect(auth.login(request({}), "wrong")).toBeUndefined();
    const cookie = auth.login(request({}), "t0ken")!.split(";")[0]!;
    const signedIn = auth.authenticate(request({ cookie: `other=1; ${cookie}` }));
    expect(signedIn).toMatchObject({ ok: true, who: "dashboard", via: "session", csrfToken: expect.any(String) });
    expect(auth.identity(request({ cookie }))).toBe("dashboard");
    expect(auth.identity(request({ authorization: "Bearer t0ken" }))).toBe("dashboard");
    expect(auth.identity(request({ authorization: "Bearer nope" }))).toBeUndefined();
    expect(auth.identity(request({ cookie: "venom_session=%%%" }))).toBeUndefined();
    now = 1_000;
    expect(auth.authenticate(request({ cookie }))).toMatchObject({ ok: false, status: 401 });
  });

  it("asks a session for its own CSRF token and a bearer client for none", () => {
    const auth = new DashboardAuth({ token: "t0ken" });
    const cookie = auth.login(request({}), "t0ken")!.split(";")[0]!;
    const session = auth.authenticate(request({ cookie }));
    if (!session.ok) throw new Error("not signed in");
    expect(auth.csrfOk(request({ cookie }), session)).toBe(false);
    expect(auth.csrfOk(request({ cookie, "x-csrf-token": session.csrfToken! }), session)).toBe(true);
    const bearer = auth.authenticate(request({ authorization: "Bearer t0ken" }));
    if (!bearer.ok) throw new Error("not authenticated");
    expect(auth.csrfOk(request({}), bearer)).toBe(true);
  });
});
