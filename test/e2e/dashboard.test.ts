// The dashboard over HTTP: the External Integrations page, sign-in by session cookie, the JSON API and retry.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";

const token = "dashboard-token-0123456789";
let venom: Venom;
let url: string;

beforeAll(async () => {
  const config = readConfig(
    {
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-dashboard-")),
      VENOM_DASHBOARD_TOKEN: token,
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/SECRETSECRETSECRET",
      OPENAI_API_KEY: "sk-dashboard-secret-0123456789",
    },
    "/tmp",
  );
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  venom = await createVenom({ config, log, handler: async () => ({ checks: "none" }) });
  url = `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await venom.stop();
});

describe("dashboard", () => {
  it("asks a browser for the token, then serves the page by cookie with secrets masked", async () => {
    const anonymous = await fetch(`${url}/venom`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('name="token"');

    const wrong = await fetch(`${url}/venom/login`, { method: "POST", body: new URLSearchParams({ token: "nope" }), redirect: "manual" });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${url}/venom/login`, { method: "POST", body: new URLSearchParams({ token }), redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(login.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
    // The cookie holds a random session id, never the token itself.
    expect(cookie).toMatch(/^venom_session=[A-Za-z0-9_-]{43}$/);
    expect(login.headers.get("set-cookie")).not.toContain(token);

    const page = await fetch(`${url}/venom`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("External Integrations");
    expect(html).toMatch(/slack<\/td><td class="ok">configured/);
    expect(html).toMatch(/github<\/td><td class="off">not configured/);
    expect(html).not.toContain("SECRETSECRETSECRET");
    expect(html).not.toContain("sk-dashboard-secret-0123456789");
  });

  it("serves status and jobs as JSON with the bearer token, and re-queues a finished job", async () => {
    const headers = { authorization: `Bearer ${token}` };
    const status = (await (await fetch(`${url}/venom/api/status`, { headers })).json()) as { integrations: Array<{ name: string }> };
    expect(status.integrations.map((item) => item.name)).toEqual(expect.arrayContaining(["github", "llm", "discord", "slack", "teams"]));
    expect(JSON.stringify(status)).not.toContain("SECRETSECRETSECRET");

    const { job } = await venom.queue.enqueue({ repo: "o/r", issue: 1, trigger: "label" });
    expect((await fetch(`${url}/venom/api/jobs/${job.id}/retry`, { method: "POST", headers })).status).toBe(409);
    await venom.startBackground({ worker: true, poller: false });
    for (let i = 0; i < 100 && (await venom.queue.get(job.id))?.state !== "succeeded"; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const retried = await fetch(`${url}/venom/api/jobs/${job.id}/retry`, { method: "POST", headers });
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as { job: { trigger: string } }).job.trigger).toBe("retry");
    expect((await fetch(`${url}/venom/api/jobs/nope/retry`, { method: "POST", headers })).status).toBe(404);
    const jobs = (await (await fetch(`${url}/venom/api/jobs?state=bogus`, { headers })).json()) as { message: string };
    expect(jobs.message).toMatch(/state must be one of/);
  });
});
