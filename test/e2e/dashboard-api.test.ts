// The dashboard's JSON API over real HTTP: sign-in and sessions, CSRF, the no-token loopback rule, pagination,
// enqueue/retry/cancel with the action log, the poller switch, live events and one run's detail.
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";

const token = "dashboard-api-token-0123456789";

/** What the pipeline writes as a run's trace (pipeline/run-trace.ts), as the worker of these tests records it. */
const TRACE = {
  steps: [{ name: "intake", kind: "step", attempt: 1, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z" }],
  toolCalls: [
    { at: "2026-01-01T00:00:02.000Z", attempt: 1, agent: "architect", name: "read_file", arguments: '{"path":"a.js"}', result: "1: x", ok: true, resultChars: 4 },
    { at: "2026-01-01T00:00:03.000Z", attempt: 1, agent: "coder", name: "str_replace", arguments: "{}", result: "Error: no match", ok: false, resultChars: 15 },
  ],
  toolCallsDropped: 0,
  checks: { at: "2026-01-01T00:00:04.000Z", attempt: 1, result: "passed", summary: "1 passed", output: "ok <script>" },
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly these headers (Host included, which fetch will not let us set). */
function raw(base: string, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(target, base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method, path: `${url.pathname}${url.search}`, headers: { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function startApp(env: Record<string, string>): Promise<{ venom: Venom; url: string }> {
  const config = readConfig({ VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-dashboard-api-")), ...env }, "/tmp");
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  // A handler that fails issue 13 and succeeds the others; nothing reaches GitHub.
  const venom = await createVenom({
    config,
    log,
    handler: async ({ job, checkpoint }) => {
      if (job.issue === 13) throw new Error("boom");
      if (job.repo === "o/detail") {
        await checkpoint({ step: "coding", data: { trace: TRACE, plan: { summary: "Fix <b>it</b>", steps: ["one"], files: ["a.js"] } } });
        return { prUrl: "https://github.com/o/detail/pull/6", checks: "passed", summary: "pull request" };
      }
      return { checks: "none" };
    },
    maxAttempts: 1,
  });
  return { venom, url: `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}` };
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("dashboard API with a token", () => {
  let venom: Venom;
  let url: string;
  const bearer = { authorization: `Bearer ${token}` };

  beforeAll(async () => {
    ({ venom, url } = await startApp({ VENOM_DASHBOARD_TOKEN: token }));
  });
  afterAll(async () => {
    await venom.stop();
  });

  async function signIn(headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string; csrf: string }> {
    const login = await raw(url, "POST", "/venom/login", { "content-type": "application/x-www-form-urlencoded", ...headers }, new URLSearchParams({ token }).toString());
    expect(login.status).toBe(303);
    const setCookie = String(login.headers["set-cookie"]);
    const cookie = setCookie.split(";")[0] ?? "";
    const session = await raw(url, "GET", "/venom/api/session", { cookie });
    expect(session.status).toBe(200);
    const body = JSON.parse(session.body) as { who: string; via: string; csrfToken: string };
    expect(body).toMatchObject({ who: "dashboard", via: "session" });
    return { cookie, setCookie, csrf: body.csrfToken };
  }

  it("answers 401 on every route without a token, and serves them with the bearer token", async () => {
    const { job } = await venom.queue.enqueue({ repo: "o/auth", issue: 1, trigger: "label" });
    const routes: Array<[string, string]> = [
      ["GET", "/venom"],
      ["GET", `/venom/jobs/${job.id}`],
      ["GET", "/venom/events"],
      ["GET", "/venom/api/session"],
      ["GET", "/venom/api/status"],
      ["GET", "/venom/api/jobs"],
      ["POST", "/venom/api/jobs"],
      ["GET", `/venom/api/jobs/${job.id}`],
      ["POST", `/venom/api/jobs/${job.id}/retry`],
      ["POST", `/venom/api/jobs/${job.id}/cancel`],
      ["GET", "/venom/api/poller"],
      ["POST", "/venom/api/poller/pause"],
      ["POST", "/venom/api/poller/resume"],
      ["GET", "/venom/api/traffic"],
      ["POST", "/venom/api/integrations/github/test"],
    ];
    for (const [method, route] of routes) {
      const anonymous = await raw(url, method, route, { host: `127.0.0.1` });
      expect(anonymous.status, `${method} ${route}`).toBe(401);
      const wrong = await raw(url, method, route, { authorization: "Bearer not-the-token" });
      expect(wrong.status, `${method} ${route} with a wrong token`).toBe(401);
    }
    for (const [method, route] of routes.filter(([method, route]) => method === "GET" && route !== "/venom/events")) {
      expect((await raw(url, method, route, bearer)).status, `${method} ${route}`).toBe(200);
    }
    // Static assets need no sign-in (the login page uses them) and carry no data.
    const css = await raw(url, "GET", "/venom/assets/dashboard.css");
    expect(css.status).toBe(200);
    expect(css.headers["content-type"]).toMatch(/text\/css/);
    expect((await raw(url, "GET", "/venom/assets/..%2F..%2Fapi.ts")).status).toBe(404);
    expect((await raw(url, "GET", "/venom/assets/nope.js")).status).toBe(404);
  });

  it("signs a browser in with a random session cookie (not the token), HttpOnly, SameSite=Strict, and logs it out", async () => {
    const { cookie, setCookie, csrf } = await signIn();
    expect(setCookie).toMatch(/^venom_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/venom; Max-Age=43200$/);
    expect(setCookie).not.toContain(token);
    expect(setCookie).not.toContain(encodeURIComponent(token));
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = await signIn();
    expect(second.cookie).not.toBe(cookie);

    const page = await raw(url, "GET", "/venom", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.body).toContain(`<meta name="csrf-token" content="${csrf}">`);
    expect(page.body).not.toMatch(/<script>|<style>/);

    // The old cookie, holding the token itself, is worth nothing now.
    expect((await raw(url, "GET", "/venom/api/status", { cookie: `venom_dashboard=${token}` })).status).toBe(401);

    const logout = await raw(url, "POST", "/venom/logout", { cookie });
    expect(logout.status).toBe(303);
    expect(String(logout.headers["set-cookie"])).toMatch(/^venom_session=; .*Max-Age=0/);
    expect((await raw(url, "GET", "/venom/api/status", { cookie })).status).toBe(401);
    expect((await raw(url, "GET", "/venom/api/status", { cookie: second.cookie })).status).toBe(200);
  });

  it("marks the cookie Secure behind a trusted proxy's X-Forwarded-Proto: https", async () => {
    const { setCookie } = await signIn({ "x-forwarded-proto": "https" });
    expect(setCookie).toMatch(/; Secure$/);
  });

  it("answers a malformed or oversized cookie with 401, never 500", async () => {
    for (const cookie of ["venom_session=%E0%A4%A", "venom_session=abc", `venom_session=${"a".repeat(43)}`, `x=${"y".repeat(9_000)}`, "venom_session"]) {
      const answer = await raw(url, "GET", "/venom/api/jobs", { cookie });
      expect(answer.status, cookie.slice(0, 40)).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "unauthorized" });
    }
  });

  it("refuses a browser POST without the CSRF token or with a wrong one, and accepts it with the token", async () => {
    const { cookie, csrf } = await signIn();
    const body = JSON.stringify({ repo: "o/csrf", issue: 1 });
    const missing = await raw(url, "POST", "/venom/api/jobs", { cookie, "content-type": "application/json" }, body);
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body)).toMatchObject({ error: "csrf" });
    const wrong = await raw(url, "POST", "/venom/api/jobs", { cookie, "x-csrf-token": "x".repeat(43) }, body);
    expect(wrong.status).toBe(403);
    const other = await signIn();
    expect((await raw(url, "POST", "/venom/api/jobs", { cookie, "x-csrf-token": other.csrf }, body)).status).toBe(403);
    expect(await venom.queue.latest("o/csrf", 1)).toBeUndefined();
    const accepted = await raw(url, "POST", "/venom/api/jobs", { cookie, "x-csrf-token": csrf }, body);
    expect(accepted.status).toBe(202);
    // A bearer client needs none.
    expect((await raw(url, "POST", "/venom/api/jobs", bearer, JSON.stringify("o/csrf#2"))).status).toBe(202);
    // A sign-in posted from another site is refused.
    const crossSite = await raw(url, "POST", "/venom/login", { origin: "https://evil.example" }, new URLSearchParams({ token }).toString());
    expect(crossSite.status).toBe(403);
  });

  it("re-probes one integration on its Test button: masked, logged, CSRF-protected, 404 for an unknown name", async () => {
    const { cookie, csrf } = await signIn();
    expect((await raw(url, "POST", "/venom/api/integrations/llm/test", { cookie })).status).toBe(403);
    const tested = await raw(url, "POST", "/venom/api/integrations/llm/test", { cookie, "x-csrf-token": csrf });
    expect(tested.status).toBe(200);
    expect(JSON.parse(tested.body)).toMatchObject({ integration: { name: "llm", configured: expect.any(Boolean), detail: expect.any(String) } });
    expect((await raw(url, "POST", "/venom/api/integrations/github/test", bearer)).status).toBe(200);
    expect((await raw(url, "POST", "/venom/api/integrations/nope/test", bearer)).status).toBe(404);
    const status = JSON.parse((await raw(url, "GET", "/venom/api/status", bearer)).body) as { actions: Array<{ action: string; detail?: string }> };
    expect(status.actions).toEqual(expect.arrayContaining([expect.objectContaining({ action: "test", detail: "llm", by: "dashboard" })]));
  });

  it("filters and pages the overview page itself (no JavaScript needed)", async () => {
    for (let issue = 1; issue <= 3; issue += 1) await venom.queue.enqueue({ repo: "o/page-filter", issue, trigger: "label" });
    const page = await raw(url, "GET", "/venom?repo=o/page-filter&state=queued", bearer);
    expect(page.status).toBe(200);
    expect(page.body.match(/<tr data-job-id=/g)).toHaveLength(3);
    expect(page.body).toContain('<option value="queued" selected>');
    expect((await raw(url, "GET", "/venom?repo=o/page-filter&state=failed", bearer)).body).toContain("No jobs match this filter");
  });

  it("pages through the jobs with filters, totals and links", async () => {
    for (let issue = 1; issue <= 7; issue += 1) await venom.queue.enqueue({ repo: "o/paged", issue, trigger: "label" });
    await venom.queue.enqueue({ repo: "o/other-repo", issue: 1, trigger: "label" });
    const get = async (query: string) => {
      const answer = await raw(url, "GET", `/venom/api/jobs?${query}`, bearer);
      expect(answer.status, query).toBe(200);
      return JSON.parse(answer.body) as {
        jobs: Array<{ repo: string; issue: number; state: string; actor: string | null; issueUrl: string }>;
        total: number; page: number; perPage: number; pages: number;
        links: { self: string; first: string; last: string; prev: string | null; next: string | null };
      };
    };
    const first = await get("repo=o/paged&per_page=3");
    expect(first).toMatchObject({ total: 7, page: 1, perPage: 3, pages: 3 });
    expect(first.jobs.map((job) => job.issue)).toEqual([7, 6, 5]);
    expect(first.jobs[0]?.issueUrl).toBe("https://github.com/o/paged/issues/7");
    expect(first.links.prev).toBeNull();
    expect(first.links.next).toBe("/venom/api/jobs?repo=o%2Fpaged&page=2&per_page=3");
    const second = await get(first.links.next!.split("?")[1]!);
    expect(second.jobs.map((job) => job.issue)).toEqual([4, 3, 2]);
    const last = await get(first.links.last.split("?")[1]!);
    expect(last.jobs.map((job) => job.issue)).toEqual([1]);
    expect(last.links.next).toBeNull();
    const queued = await get("state=queued&repo=o/paged&per_page=5&page=2");
    expect(queued).toMatchObject({ total: 7, pages: 2 });
    expect(queued.jobs).toHaveLength(2);
    expect((await get("state=succeeded&repo=o/paged")).total).toBe(0);
    expect((await raw(url, "GET", "/venom/api/jobs?state=bogus", bearer)).status).toBe(400);
    expect((await raw(url, "GET", "/venom/api/jobs?repo=not%20a%20repo", bearer)).status).toBe(400);
  });

  it("enqueues by repo and issue, by URL and by owner/repo#N, refuses bad input with 400, and logs who did it", async () => {
    const post = (body: string) => raw(url, "POST", "/venom/api/jobs", { ...bearer, "content-type": "application/json" }, body);
    const forms = [
      JSON.stringify({ repo: "o/enqueue", issue: 1 }),
      JSON.stringify({ url: "https://github.com/o/enqueue/issues/2" }),
      JSON.stringify({ ref: "o/enqueue#3" }),
      JSON.stringify("o/enqueue#4"),
    ];
    for (const [index, body] of forms.entries()) {
      const answer = await post(body);
      expect(answer.status, body).toBe(202);
      const result = JSON.parse(answer.body) as { status: string; job: { id: string; repo: string; issue: number; trigger: string; actor: string } };
      expect(result).toMatchObject({ status: "enqueued", job: { repo: "o/enqueue", issue: index + 1, trigger: "api", actor: "dashboard" } });
      const detail = JSON.parse((await raw(url, "GET", `/venom/api/jobs/${result.job.id}`, bearer)).body) as { actions: unknown[] };
      expect(detail.actions).toEqual([{ at: expect.any(String), action: "enqueue", by: "dashboard" }]);
    }
    const again = JSON.parse((await post(forms[0]!)).body) as { status: string };
    expect(again.status).toBe("already_active");
    for (const bad of ["not json", "{}", JSON.stringify({ repo: "o/enqueue" }), JSON.stringify({ repo: "o", issue: 1 }), JSON.stringify({ repo: "o/r", issue: -1 }),
      JSON.stringify({ url: "https://github.com/o/r/tree/main" }), JSON.stringify("o/r#x"), JSON.stringify([1])]) {
      const answer = await post(bad);
      expect(answer.status, bad).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "bad_request", message: expect.any(String) });
    }
  });

  it("cancels a queued job, retries a failed one, and shows each action with who on the run", async () => {
    // Cancel while nothing runs: the worker is started only afterwards.
    const { job } = await venom.queue.enqueue({ repo: "o/actions", issue: 1, trigger: "label" });
    const cancelled = await raw(url, "POST", `/venom/api/jobs/${job.id}/cancel`, bearer);
    expect(cancelled.status).toBe(202);
    expect(JSON.parse(cancelled.body)).toMatchObject({ job: { id: job.id, state: "cancelled" }, cancelRequested: false });
    expect((await raw(url, "POST", `/venom/api/jobs/${job.id}/cancel`, bearer)).status).toBe(409);
    expect((await raw(url, "POST", "/venom/api/jobs/no-such-job/cancel", bearer)).status).toBe(404);

    const { job: failing } = await venom.queue.enqueue({ repo: "o/actions", issue: 13, trigger: "label" });
    await venom.startBackground({ worker: true, poller: false });
    await waitUntil(async () => ((await venom.queue.get(failing.id))?.state === "failed" ? true : undefined), "the job to fail");
    const retried = await raw(url, "POST", `/venom/api/jobs/${failing.id}/retry`, bearer);
    expect(retried.status).toBe(202);
    expect(JSON.parse(retried.body)).toMatchObject({ job: { id: failing.id, trigger: "retry" } });
    await waitUntil(async () => ((await venom.queue.get(failing.id))?.state === "failed" ? true : undefined), "the retried job to fail again");
    const detail = JSON.parse((await raw(url, "GET", `/venom/api/jobs/${failing.id}`, bearer)).body) as { actions: unknown[]; job: { state: string; error: string } };
    expect(detail.job).toMatchObject({ state: "failed", error: "boom" });
    expect(detail.actions).toEqual([{ at: expect.any(String), action: "retry", by: "dashboard" }]);
    const cancelledDetail = JSON.parse((await raw(url, "GET", `/venom/api/jobs/${job.id}`, bearer)).body) as { actions: unknown[] };
    expect(cancelledDetail.actions).toEqual([{ at: expect.any(String), action: "cancel", by: "dashboard" }]);
  });

  it("pauses and resumes the poller, visible in the status", async () => {
    const paused = await raw(url, "POST", "/venom/api/poller/pause", bearer);
    expect(paused.status).toBe(200);
    expect(JSON.parse(paused.body)).toMatchObject({ poller: { paused: true, nextPollAt: null } });
    const status = JSON.parse((await raw(url, "GET", "/venom/api/status", bearer)).body) as {
      poller: { paused: boolean; enabled: boolean; lastPollAt: string | null }; counts: Record<string, number>; actions: Array<{ action: string; by: string }>;
    };
    expect(status.poller).toMatchObject({ paused: true, enabled: false, lastPollAt: null });
    expect(status.counts).toMatchObject({ queued: expect.any(Number), failed: expect.any(Number) });
    expect(status.actions.at(-1)).toMatchObject({ action: "pause", by: "dashboard" });
    await raw(url, "POST", "/venom/api/poller/resume", bearer);
    expect((JSON.parse((await raw(url, "GET", "/venom/api/poller", bearer)).body) as { paused: boolean }).paused).toBe(false);
  });

  it("streams a job event when a job changes", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${url}/venom/events`, { headers: bearer, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    let text = "";
    const read = async (until: (text: string) => boolean) => {
      const deadline = Date.now() + 5_000;
      while (!until(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await read((received) => received.includes(": connected"));
    expect(text).toMatch(/^retry: \d+\n/);
    const answer = await raw(url, "POST", "/venom/api/jobs", bearer, JSON.stringify({ repo: "o/events", issue: 1 }));
    const { job } = JSON.parse(answer.body) as { job: { id: string } };
    await read((received) => received.includes(`"id":"${job.id}"`) && /"state":"succeeded"/.test(received));
    const events = text.split("\n\n").filter((block) => block.includes("event: job"));
    const records = events.map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { id: string; repo: string; state: string });
    expect(records.filter((record) => record.id === job.id).map((record) => record.state)).toEqual(expect.arrayContaining(["queued", "succeeded"]));
    expect(events[0]).toMatch(/^id: \d+\nevent: job\ndata: /);
    controller.abort();
  });

  it("shows one run in detail: steps, tool calls in order, checks, plan and links", async () => {
    // Run by the worker (started above), whose handler records a trace as the pipeline does.
    const { job } = await venom.queue.enqueue({ repo: "o/detail", issue: 5, trigger: "label", data: { commentId: 99 } });
    const trace = TRACE;
    await waitUntil(async () => ((await venom.queue.get(job.id))?.state === "succeeded" ? true : undefined), "the run to finish");
    const detail = JSON.parse((await raw(url, "GET", `/venom/api/jobs/${job.id}`, bearer)).body) as Record<string, unknown>;
    expect(detail).toMatchObject({
      job: { id: job.id, state: "succeeded", prUrl: "https://github.com/o/detail/pull/6" },
      issueUrl: "https://github.com/o/detail/issues/5",
      prUrl: "https://github.com/o/detail/pull/6",
      statusCommentUrl: "https://github.com/o/detail/issues/5#issuecomment-99",
      plan: { summary: "Fix <b>it</b>", steps: ["one"], files: ["a.js"] },
      steps: trace.steps,
      toolCalls: trace.toolCalls,
      checks: trace.checks,
      followUps: [],
    });
    const page = await raw(url, "GET", `/venom/jobs/${job.id}`, bearer);
    expect(page.status).toBe(200);
    expect(page.body).toContain("Fix &#60;b&#62;it&#60;/b&#62;");
    expect(page.body).not.toContain("ok <script>");
    expect((await raw(url, "GET", "/venom/api/jobs/no-such-job", bearer)).status).toBe(404);
  });

});

describe("dashboard API with no token", () => {
  let venom: Venom;
  let url: string;

  beforeAll(async () => {
    ({ venom, url } = await startApp({}));
  });
  afterAll(async () => {
    await venom.stop();
  });

  it("serves loopback clients with a loopback Host, and refuses any other Host (DNS rebinding)", async () => {
    for (const host of ["localhost", "127.0.0.1:3000", "[::1]:8080", "LOCALHOST:1"]) {
      expect((await raw(url, "GET", "/venom/api/status", { host })).status, host).toBe(200);
    }
    for (const host of ["evil.example", "evil.example:3000", "localhost.evil.example", "127.0.0.1.nip.io"]) {
      const answer = await raw(url, "GET", "/venom/api/jobs", { host });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "forbidden" });
    }
  });

  it("gives the page a CSRF token and refuses POSTs without it; actions are logged as loopback", async () => {
    const session = JSON.parse((await raw(url, "GET", "/venom/api/session")).body) as { who: string; csrfToken: string };
    expect(session).toMatchObject({ who: "loopback", via: "loopback" });
    const page = await raw(url, "GET", "/venom");
    expect(page.body).toContain(`<meta name="csrf-token" content="${session.csrfToken}">`);
    const body = JSON.stringify("o/loop#1");
    expect((await raw(url, "POST", "/venom/api/jobs", {}, body)).status).toBe(403);
    expect((await raw(url, "POST", "/venom/api/jobs", { "x-csrf-token": "wrong" }, body)).status).toBe(403);
    const accepted = await raw(url, "POST", "/venom/api/jobs", { "x-csrf-token": session.csrfToken }, body);
    expect(accepted.status).toBe(202);
    const { job } = JSON.parse(accepted.body) as { job: { id: string; actor: string } };
    expect(job.actor).toBe("loopback");
    const detail = JSON.parse((await raw(url, "GET", `/venom/api/jobs/${job.id}`)).body) as { actions: unknown[] };
    expect(detail.actions).toEqual([{ at: expect.any(String), action: "enqueue", by: "loopback" }]);
  });

  it("fixes the traffic line: the request count comes from the snapshot's global section", async () => {
    const traffic = JSON.parse((await raw(url, "GET", "/venom/api/traffic")).body) as { global: { requestsLastMinute: number } };
    expect(typeof traffic.global.requestsLastMinute).toBe("number");
    const page = await raw(url, "GET", "/venom");
    expect(page.body).toContain(`Outbound requests in the last minute: ${traffic.global.requestsLastMinute}.`);
  });

  // How fast is measured by `npm run bench:dashboard` (test/bench/dashboard.ts), never here: tests assert no times.
  it("answers the overview and pages of jobs correctly with 1,000 jobs stored, a tenth with full traces", async () => {
    const bigData = { trace: { steps: [], toolCalls: Array.from({ length: 200 }, (_, n) => ({ name: "read_file", result: "x".repeat(2_000), n })), toolCallsDropped: 0 } };
    for (let issue = 1; issue <= 1_000; issue += 1) await venom.queue.enqueue({ repo: "o/many", issue, trigger: "poll", data: issue % 10 === 0 ? bigData : {} });
    type Page = { jobs: Array<{ repo: string; issue: number; state: string }>; total: number; page: number; perPage: number; pages: number; links: { next: string | null } };
    const jobs = async (query: string): Promise<Page> => {
      const answer = await raw(url, "GET", `/venom/api/jobs${query}`);
      expect(answer.status, query).toBe(200);
      return JSON.parse(answer.body) as Page;
    };

    const overview = await raw(url, "GET", "/venom");
    expect(overview.status).toBe(200);
    expect(overview.headers["content-type"]).toMatch(/^text\/html/);
    const status = JSON.parse((await raw(url, "GET", "/venom/api/status")).body) as { counts: Record<string, number> };
    expect(status.counts.queued).toBeGreaterThanOrEqual(1_000);

    const all = await jobs("");
    expect(all).toMatchObject({ page: 1, perPage: 100, pages: Math.ceil(all.total / 100) });
    expect(all.total).toBeGreaterThanOrEqual(1_000);
    expect(all.jobs).toHaveLength(100);

    const seventh = await jobs("?repo=o/many&page=7&per_page=50");
    expect(seventh).toMatchObject({ total: 1_000, page: 7, perPage: 50, pages: 20 });
    expect(seventh.jobs.map((job) => job.issue)).toEqual(Array.from({ length: 50 }, (_, n) => 700 - n));
    expect(seventh.jobs.every((job) => job.repo === "o/many" && job.state === "queued")).toBe(true);
    expect(seventh.links.next).toBe("/venom/api/jobs?repo=o%2Fmany&page=8&per_page=50");
    // The list carries no traces: a page of 100 jobs stays small whatever the runs recorded.
    expect(JSON.stringify(all.jobs)).not.toContain("x".repeat(100));

    const queued = await jobs("?state=queued");
    expect(queued.total).toBe(status.counts.queued);
    expect(queued.jobs.every((job) => job.state === "queued")).toBe(true);
  });
});
