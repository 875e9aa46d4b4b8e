// Setup mode: with no App and no token, serve the setup pages (and /healthz) until the App is registered.
import type { Server } from "node:http";
import path from "node:path";
import type { Logger } from "pino";
import type { Env, VenomConfig } from "../config/env.js";
import { ConfigError, errorMessage } from "../errors.js";
import { createHealthRoute } from "../http/health.js";
import { createHttpServer, listen } from "../http/server.js";
import { packageInfo } from "../package-info.js";
import { readAppYml } from "./app-manifest.js";
import { createSetupRoutes } from "./setup-routes.js";

export interface SetupServerOptions {
  config: VenomConfig;
  env: Env;
  /** The working directory: .env is written here (where `venom` loads it from), app.yml is read here first. */
  cwd: string;
  log: Logger;
  /** Opens a smee.io channel (injected so tests never reach smee.io). */
  createChannel?: () => Promise<string>;
}

export async function startSetupServer(options: SetupServerOptions): Promise<{ server: Server; port: number; url: string }> {
  const { config, env, log } = options;
  const app = packageInfo();
  const publicUrl = readPublicUrl(env);
  const webhookProxy = chooseWebhookProxy(options, publicUrl);
  void webhookProxy(); // a new channel is asked for now, so the page does not wait for smee.io
  const routes = createSetupRoutes({
    envFile: path.join(options.cwd, ".env"),
    appYml: readAppYml([options.cwd, app.root]),
    app: { name: "Venom Integrator", description: app.description, version: app.version },
    github: {
      webBaseUrl: config.github.webBaseUrl,
      apiBaseUrl: config.github.apiBaseUrl,
      ...(env.GH_ORG?.trim() ? { organization: env.GH_ORG.trim() } : {}),
    },
    webhookPath: config.server.webhookPath,
    ...(publicUrl ? { publicUrl } : {}),
    webhookProxy,
    log,
  });
  const health = createHealthRoute(() => ({ status: "setup", message: "No GitHub App or token configured: open the setup page to register the App." }));
  const server = createHttpServer([health, routes], log.child({ name: "http" }));
  const port = await listen(server, config.server.port, config.server.host);
  const url = `http://${config.server.host ?? "localhost"}:${port}`;
  log.info(`Listening on ${url} (setup mode)`);
  log.info(`No GitHub App or token configured: open ${url} to register the App from app.yml (or set GITHUB_TOKEN and GITHUB_REPO_NAME for token mode)`);
  return { server, port, url };
}

/**
 * Where GitHub should send webhooks: WEBHOOK_PROXY_URL as set; none when VENOM_PUBLIC_URL reaches this server (or
 * NO_SMEE_SETUP=true, or NODE_ENV=production); else a new smee.io channel, as Probot's setup did.
 */
function chooseWebhookProxy(options: SetupServerOptions, publicUrl: string | undefined): () => Promise<{ url: string; created: boolean } | undefined> {
  const configured = options.config.server.webhookProxyUrl;
  if (configured) return async () => ({ url: configured, created: false });
  if (publicUrl || options.env.NO_SMEE_SETUP === "true" || options.env.NODE_ENV === "production") return async () => undefined;
  const createChannel = options.createChannel ?? createSmeeChannel;
  let channel: Promise<{ url: string; created: boolean } | undefined> | undefined;
  return () =>
    (channel ??= createChannel().then(
      (url) => ({ url, created: true }),
      (error: unknown) => {
        options.log.warn(`smee.io could not open a webhook channel (${errorMessage(error)}); set WEBHOOK_PROXY_URL or VENOM_PUBLIC_URL, or webhooks go to this server's own address`);
        return undefined;
      },
    ));
}

function readPublicUrl(env: Env): string | undefined {
  const value = env.VENOM_PUBLIC_URL?.trim();
  if (!value) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new ConfigError(`VENOM_PUBLIC_URL must be an absolute http(s) URL (this server's public address, e.g. https://venom.example.com), got "${value}".`);
  }
  let trimmed = value;
  while (trimmed.endsWith("/")) trimmed = trimmed.slice(0, -1);
  return trimmed;
}

/** smee.io answers "new channel" with a redirect to it. */
async function createSmeeChannel(): Promise<string> {
  const response = await fetch("https://smee.io/new", { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(10_000) });
  const location = response.headers.get("location");
  if (!location) throw new Error(`HTTP ${response.status} without a channel`);
  return location;
}
