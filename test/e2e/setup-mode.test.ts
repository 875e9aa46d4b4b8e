// Setup mode (no App, no token) as a new user meets it: the manifest GitHub receives, the .env it writes, /healthz.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { parse as parseHtml } from "node-html-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readConfig } from "../../src/config/env.js";
import { FakeGitHub } from "../support/fake-github.js";
import { startVenom, testPrivateKey, type VenomProcess } from "../support/venom-process.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const proxyUrl = "https://smee.io/venom-setup-test";

let github: FakeGitHub;

beforeAll(async () => {
  github = await FakeGitHub.start();
});
afterAll(async () => {
  await github.stop();
});

/** Setup mode in a fresh working directory (where .env is written), pointed at the fake GitHub. */
async function startSetup(cwd: string): Promise<VenomProcess> {
  return startVenom({
    cwd,
    env: { GHE_HOST: github.host, GHE_PROTOCOL: "http", WEBHOOK_PROXY_URL: proxyUrl, VENOM_DATA_DIR: path.join(cwd, "data") },
  });
}

/** The form GitHub receives when "Register GitHub App" is clicked, read the way a browser reads the HTML. */
async function registerForm(venom: VenomProcess): Promise<{ action: string; manifest: string }> {
  const page = await fetch(`${venom.url}/probot`);
  expect(page.status).toBe(200);
  const document = parseHtml(await page.text());
  const button = document.querySelector("#manifest");
  const form = document.querySelector("form");
  expect(button?.getAttribute("name")).toBe("manifest");
  return { action: form?.getAttribute("action") ?? "", manifest: button?.getAttribute("value") ?? "" };
}

function envFileOf(cwd: string): { mode: number; values: Record<string, string | undefined> } {
  const file = path.join(cwd, ".env");
  return { mode: statSync(file).mode & 0o777, values: parseEnv(readFileSync(file, "utf8")) };
}

describe("setup mode", () => {
  let venom: VenomProcess;
  let cwd: string;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), "venom-setup-"));
    venom = await startSetup(cwd);
  });
  afterAll(async () => {
    await venom.stop();
  });

  it("posts app.yml to GitHub as valid JSON, apostrophes and all, with this server's webhook and redirect URLs", async () => {
    const { action, manifest } = await registerForm(venom);
    expect(action).toMatch(new RegExp(`^http://${github.host.replace(/\./g, "\\.")}/settings/apps/new\\?state=[0-9a-f]{32}$`));
    const posted = JSON.parse(manifest) as Record<string, unknown>;
    const appYml = parseYaml(readFileSync(path.join(root, "app.yml"), "utf8")) as Record<string, unknown>;
    const { redirect_url: redirectUrl, ...rest } = posted;
    expect(rest).toEqual({ ...appYml, hook_attributes: { ...(appYml.hook_attributes as object), url: proxyUrl } });
    expect(redirectUrl).toBe(`${venom.url}/probot/setup`);
  });

  it("answers /healthz with 200 saying it is in setup mode", async () => {
    const response = await fetch(`${venom.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "setup" });
  });

  it("turns GitHub's code into a .env only its owner can read, then sends the user to install the App", async () => {
    const refused = await fetch(`${venom.url}/probot/setup?code=forged&state=not-ours`, { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(github.requests.some((request) => request.path.includes("/app-manifests/"))).toBe(false);

    const pem = testPrivateKey();
    github.failNext("POST", /^\/api\/v3\/app-manifests\/code-123\/conversions$/, 201, {
      body: { id: 4242, slug: "venom-test", pem, webhook_secret: "whsec-0123456789", html_url: `${github.url}/apps/venom-test` },
    });
    const state = new URL((await registerForm(venom)).action).searchParams.get("state") ?? "";
    const response = await fetch(`${venom.url}/probot/setup?code=code-123&state=${state}`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${github.url}/apps/venom-test/installations/new`);

    const written = envFileOf(cwd);
    expect(written.mode).toBe(0o600);
    expect(written.values).toMatchObject({ APP_ID: "4242", WEBHOOK_SECRET: "whsec-0123456789" });
    // What the next start reads: App mode with this very key.
    const config = readConfig(written.values, cwd);
    expect(config.github.mode).toBe("app");
    expect(config.github.privateKey?.trim()).toBe(pem.trim());
  });
});

describe("setup mode's import of an existing App", () => {
  let venom: VenomProcess;
  let cwd: string;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), "venom-import-"));
    // A .env copied from .env.example with the default umask: the import must keep its lines and close it.
    writeFileSync(path.join(cwd, ".env"), "# my settings\nOPENAI_API_KEY=sk-test\nAPP_ID=\n");
    chmodSync(path.join(cwd, ".env"), 0o644);
    venom = await startSetup(cwd);
  });
  afterAll(async () => {
    await venom.stop();
  });

  it("writes the App's details to a 0600 .env, keeping the lines already there", async () => {
    const pem = testPrivateKey();
    const response = await fetch(`${venom.url}/probot/import`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: venom.url },
      body: JSON.stringify({ appId: "77", pem, webhook_secret: "imported-secret" }),
    });
    expect(response.status).toBe(200);
    const written = envFileOf(cwd);
    expect(written.mode).toBe(0o600);
    expect(written.values).toMatchObject({ OPENAI_API_KEY: "sk-test", APP_ID: "77", WEBHOOK_SECRET: "imported-secret" });
    expect(readFileSync(path.join(cwd, ".env"), "utf8")).toMatch(/^# my settings\n/);
    expect(readConfig(written.values, cwd).github.privateKey?.trim()).toBe(pem.trim());
  });

  it("refuses what another site could make a browser send, and a key that is not one", async () => {
    const before = readFileSync(path.join(cwd, ".env"), "utf8");
    const body = JSON.stringify({ appId: "666", pem: testPrivateKey(), webhook_secret: "evil" });
    const form = await fetch(`${venom.url}/probot/import`, { method: "POST", headers: { "content-type": "text/plain" }, body });
    expect(form.status).toBe(415);
    const crossSite = await fetch(`${venom.url}/probot/import`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body,
    });
    expect(crossSite.status).toBe(403);
    const garbage = await fetch(`${venom.url}/probot/import`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ appId: "666", pem: "not a key", webhook_secret: "x" }),
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { message: string }).message).toMatch(/^The private key is not a PEM RSA key; /);
    expect(readFileSync(path.join(cwd, ".env"), "utf8")).toBe(before);
  });
});
