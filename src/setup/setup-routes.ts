// Setup mode's routes (no App yet): GitHub's manifest flow, or importing an existing App; both write .env.
import { createPrivateKey, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { pathOf, readBody, send, type RouteHandler } from "../http/respond.js";
import { buildManifest, type Manifest } from "./app-manifest.js";
import { updateEnvFile } from "./env-file.js";
import { renderImportPage, renderMessagePage, renderSetupPage } from "./setup-pages.js";

export interface SetupRoutesOptions {
  /** The .env file the App's credentials go to. */
  envFile: string;
  appYml: Manifest;
  app: { name: string; description: string; version: string };
  /** github.com or the GitHub Enterprise host (GHE_HOST), and an organisation to register the App for (GH_ORG). */
  github: { webBaseUrl: string; apiBaseUrl: string; organization?: string };
  webhookPath: string;
  /** VENOM_PUBLIC_URL without a trailing slash: without a smee channel, webhooks go to its webhook path. */
  publicUrl?: string;
  /** The smee channel webhooks are forwarded from, if any; `created` ones are saved to .env with the App. */
  webhookProxy: () => Promise<{ url: string; created: boolean } | undefined>;
  fetch?: typeof fetch;
  log: Logger;
}

interface Conversion {
  id: number;
  slug?: string;
  pem: string;
  webhook_secret?: string | null;
  html_url: string;
}

export function createSetupRoutes(options: SetupRoutesOptions): RouteHandler {
  const fetchImpl = options.fetch ?? fetch;
  // GitHub hands this back with the code: a code arriving without it did not come from this page (CSRF).
  const state = randomBytes(16).toString("hex");
  const newAppPath = options.github.organization ? `/organizations/${encodeURIComponent(options.github.organization)}/settings/apps/new` : "/settings/apps/new";
  const createAppUrl = `${options.github.webBaseUrl}${newAppPath}?state=${state}`;

  const webhookUrl = async (baseUrl: string) => {
    const proxy = await options.webhookProxy();
    return proxy?.url ?? `${options.publicUrl ?? baseUrl}${options.webhookPath}`;
  };

  const writeCredentials = async (values: Record<string, string>, what: string) => {
    const proxy = await options.webhookProxy();
    updateEnvFile(options.envFile, { ...values, ...(proxy?.created ? { WEBHOOK_PROXY_URL: proxy.url } : {}) });
    options.log.info(`${what}; its credentials are in ${options.envFile} (readable by its owner only). Restart venom (npm start) to run it.`);
  };

  return async (request, response) => {
    const path = pathOf(request);
    if (request.method === "GET" && path === "/") {
      response.writeHead(302, { location: "/probot" }).end();
      return true;
    }
    if (request.method === "GET" && path === "/probot") {
      const baseUrl = baseUrlOf(request);
      const hook = await webhookUrl(baseUrl);
      const manifest = buildManifest(options.appYml, { baseUrl, webhookUrl: hook }, options.app);
      const webhookWarning = isLocalAddress(hook)
        ? "GitHub cannot reach this address: set WEBHOOK_PROXY_URL (a smee.io channel) or VENOM_PUBLIC_URL and restart, or use polling (ENABLE_ISSUE_POLLING=true)."
        : undefined;
      html(
        response,
        200,
        renderSetupPage({ ...options.app, createAppUrl, manifest: JSON.stringify(manifest), webhookUrl: hook, ...(webhookWarning ? { webhookWarning } : {}) }),
      );
      return true;
    }
    if (request.method === "GET" && path === "/probot/setup") {
      const query = new URL(request.url ?? "/", "http://setup").searchParams;
      const code = query.get("code");
      if (!code || query.get("state") !== state) {
        const message = "This registration did not start from this setup page (or the server restarted since); open the setup page and click Register GitHub App again.";
        html(response, 400, renderMessagePage({ title: "Registration not accepted", message, link: { href: "/probot", text: "Back to the setup page" } }));
        return true;
      }
      let conversion: Conversion;
      try {
        conversion = await convertManifestCode(fetchImpl, options.github.apiBaseUrl, code);
      } catch (error) {
        options.log.warn({ err: error }, "GitHub App registration failed");
        html(response, 502, renderMessagePage({ title: "Registration failed", message: errorMessage(error), link: { href: "/probot", text: "Try again" } }));
        return true;
      }
      await writeCredentials(
        { APP_ID: String(conversion.id), PRIVATE_KEY: conversion.pem, ...(conversion.webhook_secret ? { WEBHOOK_SECRET: conversion.webhook_secret } : {}) },
        `GitHub App ${conversion.slug ?? conversion.id} registered`,
      );
      response.writeHead(302, { location: `${conversion.html_url}/installations/new` }).end();
      return true;
    }
    if (request.method === "GET" && path === "/probot/import") {
      const appsUrl = `${options.github.webBaseUrl}/settings/apps`;
      html(response, 200, renderImportPage({ name: options.app.name, appsUrl, webhookUrl: await webhookUrl(baseUrlOf(request)) }));
      return true;
    }
    if (request.method === "POST" && path === "/probot/import") {
      // Only this page's script can send JSON here: a form on another site cannot (CORS), nor claim this origin.
      if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
        send(response, 415, { error: "unsupported_media_type", message: "Send the App's details as JSON from the import page." });
        return true;
      }
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== baseUrlOf(request)) {
        send(response, 403, { error: "forbidden", message: "The import must come from this server's own import page." });
        return true;
      }
      const problem = await importApp(request, writeCredentials);
      if (problem) send(response, 400, { error: "invalid_import", message: problem });
      else send(response, 200, { ok: true });
      return true;
    }
    if (request.method === "GET" && path === "/probot/success") {
      const message = "The App's credentials are in .env. Stop this server and start it again (npm start) to run Venom Integrator with them.";
      html(response, 200, renderMessagePage({ title: "GitHub App configured", message }));
      return true;
    }
    return false;
  };
}

/** Validates the import form's fields and writes them; returns what is wrong, or undefined when saved. */
async function importApp(
  request: IncomingMessage,
  write: (values: Record<string, string>, what: string) => Promise<void>,
): Promise<string | undefined> {
  let fields: { appId?: unknown; pem?: unknown; webhook_secret?: unknown };
  try {
    fields = JSON.parse(await readBody(request, 64 * 1024)) as typeof fields;
  } catch {
    return "The request is not JSON of at most 64 KB; use the import page's form.";
  }
  const appId = String(fields.appId ?? "").trim();
  if (!/^\d+$/.test(appId)) return "The App ID must be the number on the App's settings page.";
  if (typeof fields.webhook_secret !== "string" || fields.webhook_secret === "") return "The webhook secret is missing; copy it from the App's settings page.";
  if (typeof fields.pem !== "string" || !isRsaKey(fields.pem)) return "The private key is not a PEM RSA key; choose the .pem file downloaded from the App's settings page.";
  await write({ APP_ID: appId, PRIVATE_KEY: fields.pem.trim(), WEBHOOK_SECRET: fields.webhook_secret }, `GitHub App ${appId} imported`);
  return undefined;
}

/** POST /app-manifests/{code}/conversions: GitHub creates the App and returns its ID, key and webhook secret once. */
async function convertManifestCode(fetchImpl: typeof fetch, apiBaseUrl: string, code: string): Promise<Conversion> {
  const response = await fetchImpl(`${apiBaseUrl}/app-manifests/${encodeURIComponent(code)}/conversions`, {
    method: "POST",
    headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "venom-integrator" },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) {
    throw new Error(`GitHub refused the registration code (HTTP ${response.status}); a code works once and expires after an hour, so register again.`);
  }
  const data = (await response.json()) as Partial<Conversion>;
  if (typeof data.id !== "number" || typeof data.pem !== "string" || typeof data.html_url !== "string") {
    throw new Error("GitHub's answer holds no App ID, key or URL; register again, or import the App by hand.");
  }
  return data as Conversion;
}

function isRsaKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/** How the browser reached this server, so GitHub sends it back here after registering. */
function baseUrlOf(request: IncomingMessage): string {
  const forwardedProto = firstValue(request.headers["x-forwarded-proto"]);
  const protocol = forwardedProto === "https" || (request.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  const host = firstValue(request.headers["x-forwarded-host"]) ?? request.headers.host ?? "localhost";
  // The host goes into the manifest and a redirect: keep it to host-name characters.
  return `${protocol}://${/^[\w.:[\]-]+$/.test(host) ? host : "localhost"}`;
}

/** A loopback or private address: fine for the browser, unreachable for GitHub's webhooks. */
function isLocalAddress(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host) || !/[.:]/.test(host);
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(",", 1)[0]?.trim() || undefined;
}

function html(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) }).end(body);
}
