// Parses process.env once into a typed, validated VenomConfig; a bad value is one ConfigError line.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getPrivateKey } from "@probot/get-private-key";
// zod/mini: the same validation as zod with a fraction of its modules, since this runs at every start-up.
import * as z from "zod/mini";
import { ConfigError } from "../errors.js";
import { chatSecrets, readChatEnv, type ChatConfig } from "./chat-env.js";
import { parseModelPrices, type ModelPrices } from "./model-prices.js";
import { readTrafficEnv } from "./traffic-env.js";
import type { TrafficSettingsOverrides } from "./traffic-settings.js";

export type Env = Record<string, string | undefined>;
export type GitHubMode = "app" | "token" | "none";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface GitHubConfig {
  mode: GitHubMode;
  appId?: number;
  privateKey?: string;
  webhookSecret?: string;
  token?: string;
  /** `owner/name` from GITHUB_REPO_NAME (token mode, skills, poller). */
  repo?: string;
  /** VENOM_ASSIGNEE: the login whose assignment starts a run (default: the token's user in token mode; none in App mode). */
  assignee?: string;
  /** REST base URL: https://api.github.com or <protocol>://<GHE_HOST>/api/v3. */
  apiBaseUrl: string;
  /** Web/git base URL: https://github.com or <protocol>://<GHE_HOST>. */
  webBaseUrl: string;
  enterprise: boolean;
}

export interface CalendarConfig {
  enabled: boolean;
  credentialsPath: string;
  tokenPath: string;
  calendarId: string;
  calendarName: string;
  /** Google APIs base URL override (VENOM_GOOGLE_API_URL), so tests can point the calendar at a local server. */
  rootUrl?: string;
}

export interface VenomConfig {
  github: GitHubConfig;
  server: { port: number; host?: string; webhookPath: string; webhookProxyUrl?: string; /** VENOM_PUBLIC_URL without a trailing slash. */ publicUrl?: string };
  log: { level: LogLevel; format: "json" | "pretty" };
  llm: { apiKey?: string; baseUrl?: string; model: string; prices?: ModelPrices };
  triggerLabel: string;
  dataDir: string;
  redisUrl?: string;
  workers: number;
  dashboardToken?: string;
  polling: { enabled: boolean; intervalMinutes: number };
  integrations: {
    hfToken?: string;
    hfEndpoint?: string;
    discordWebhookUrl?: string;
    slackWebhookUrl?: string;
    teamsWebhookUrl?: string;
    tavilyApiKey?: string;
    tavilyBaseUrl?: string;
    ddgUrl?: string;
    /** Whether the Architect may search the web (VENOM_WEB_SEARCH=true, or a TAVILY_API_KEY): its queries come from issue text. */
    webSearch: boolean;
    /** Whether the Architect may search the Hugging Face Hub (VENOM_HF_SEARCH=true, or an HF_TOKEN). */
    hfSearch: boolean;
    calendar: CalendarConfig;
  };
  /** Slack app mode and the Teams outgoing webhook (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, TEAMS_OUTGOING_SECRET, …). */
  chat: ChatConfig;
  /** Rate limits, exemptions and anti-loop caps (VENOM_RATE_LIMITS, VENOM_TRAFFIC_EXEMPT, …). */
  traffic: TrafficSettingsOverrides;
  /** Where the repository's code runs (VENOM_SANDBOX, VENOM_SANDBOX_NETWORK). */
  sandbox: { mode: "auto" | "bwrap" | "docker" | "none"; network: boolean; memoryBytes: number; processes: number };
  /** Paths the repository's code must never see: the data dir, the key file, calendar credentials. */
  sensitivePaths: string[];
  /** Every secret value from the environment, for the log masker. */
  secrets: string[];
}

const optionalString = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => {
    const trimmed = value?.trim();
    return trimmed ? trimmed : undefined;
  }),
);

const checked = (check: (value: string) => boolean, message: string) =>
  optionalString.check(z.refine((value) => value === undefined || check(value), { message }));

const url = (what: string) => checked(isUrl, `must be an absolute http(s) URL (${what})`);

const oneOf = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  z.pipe(optionalString, z.optional(z.enum(values)));

const bool = (fallback: boolean) =>
  z.pipe(
    optionalString,
    z.transform((value: string | undefined, context) => {
      if (value === undefined) return fallback;
      const normalized = value.toLowerCase();
      if (["true", "1", "yes", "on"].includes(normalized)) return true;
      if (["false", "0", "no", "off"].includes(normalized)) return false;
      context.issues.push({ code: "custom", message: `must be true or false, got "${value}"`, input: value });
      return fallback;
    }),
  );

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(
    optionalString,
    z.transform((value: string | undefined, context) => {
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        context.issues.push({ code: "custom", message: `must be a whole number from ${min} to ${max}, got "${value}"`, input: value });
        return fallback;
      }
      return parsed;
    }),
  );

const schema = z.object({
  APP_ID: checked((value) => /^\d+$/.test(value), "must be the numeric App ID from the GitHub App's settings page"),
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  WEBHOOK_SECRET: optionalString,
  WEBHOOK_PROXY_URL: url("a smee.io channel, e.g. https://smee.io/abc123"),
  WEBHOOK_PATH: optionalString,
  VENOM_PUBLIC_URL: url("this server's public address, e.g. https://venom.example.com"),
  PORT: int(3000, 0, 65535),
  HOST: optionalString,
  LOG_LEVEL: oneOf(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
  LOG_FORMAT: oneOf(["json", "pretty"]),
  GHE_HOST: checked(
    (value) => /^[A-Za-z0-9.-]+(:\d+)?$/.test(value),
    "must be a host name (and optional port) without protocol, e.g. github.example.com",
  ),
  GHE_PROTOCOL: oneOf(["http", "https"]),
  GITHUB_TOKEN: optionalString,
  GITHUB_REPO_NAME: checked((value) => /^[\w.-]+\/[\w.-]+$/.test(value), 'must have the form "owner/repository"'),
  VENOM_ASSIGNEE: checked(
    (value) => /^[A-Za-z0-9][\w.-]{0,38}$/.test(value),
    'must be one GitHub login without "@", e.g. venom-helper (a user, since GitHub Apps cannot be assigned)',
  ),
  HF_TOKEN: checked((value) => value.startsWith("hf_"), "must be a Hugging Face access token (it starts with hf_)"),
  HF_ENDPOINT: url("Hugging Face endpoint"),
  DISCORD_WEBHOOK_URL: url("Discord webhook"),
  SLACK_WEBHOOK_URL: url("Slack webhook"),
  TEAMS_WEBHOOK_URL: url("Teams incoming webhook"),
  TAVILY_API_KEY: optionalString,
  TAVILY_BASE_URL: url("Tavily API base"),
  VENOM_DDG_URL: url("DuckDuckGo HTML endpoint"),
  VENOM_WEB_SEARCH: bool(false),
  VENOM_HF_SEARCH: bool(false),
  ENABLE_GOOGLE_CALENDAR: bool(false),
  GOOGLE_CALENDAR_CREDENTIALS_PATH: optionalString,
  GOOGLE_CALENDAR_TOKEN_PATH: optionalString,
  VENOM_CALENDAR_ID: optionalString,
  VENOM_CALENDAR_NAME: optionalString,
  VENOM_GOOGLE_API_URL: url("Google APIs base, for tests"),
  ENABLE_ISSUE_POLLING: bool(false),
  ISSUE_POLLING_INTERVAL_MINUTES: int(5, 1, 24 * 60),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url("OpenAI-compatible API base, e.g. http://localhost:11434/v1"),
  VENOM_MODEL: optionalString,
  VENOM_MODEL_PRICES: optionalString,
  VENOM_TRIGGER_LABEL: checked((value) => value.length <= 50, "must be a GitHub label name of at most 50 characters"),
  VENOM_DATA_DIR: optionalString,
  REDIS_URL: checked((value) => /^rediss?:\/\//.test(value), "must be a redis:// or rediss:// URL"),
  VENOM_WORKERS: int(1, 1, 64),
  VENOM_SANDBOX: oneOf(["auto", "bwrap", "docker", "none"]),
  VENOM_SANDBOX_NETWORK: oneOf(["allow", "deny"]),
  VENOM_SANDBOX_MEMORY_MB: int(4096, 256, 1024 * 1024),
  VENOM_SANDBOX_PROCESSES: int(512, 16, 100_000),
  VENOM_DASHBOARD_TOKEN: checked(
    (value) => value.length >= 16,
    "must be at least 16 characters (generate one with: openssl rand -hex 24)",
  ),
});

/** Pure: environment in, config out. Throws ConfigError naming the first bad variable. */
export function readConfig(env: Env = process.env, cwd = process.cwd()): VenomConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    const raw = env[variable];
    const detail =
      issue?.code === "invalid_value" ? `must be one of ${issue.values.join(", ")}, got "${raw ?? ""}"` : issue?.message;
    throw new ConfigError(`${variable} ${detail}; fix it in .env (see .env.example).`);
  }
  const e = result.data;
  const prices = modelPrices(e.VENOM_MODEL_PRICES);

  const privateKey = readPrivateKey(e.PRIVATE_KEY, e.PRIVATE_KEY_PATH, cwd);
  if (e.APP_ID && !privateKey) {
    throw new ConfigError("PRIVATE_KEY is missing while APP_ID is set; set PRIVATE_KEY or PRIVATE_KEY_PATH to the App's .pem key.");
  }
  if (privateKey && !e.APP_ID) {
    throw new ConfigError("APP_ID is missing while a private key is set; copy the App ID from the GitHub App's settings page.");
  }
  if (e.GITHUB_TOKEN && !e.GITHUB_REPO_NAME && !e.APP_ID) {
    throw new ConfigError('GITHUB_REPO_NAME is missing while GITHUB_TOKEN is set; set it to "owner/repository".');
  }
  const mode: GitHubMode = e.APP_ID && privateKey ? "app" : e.GITHUB_TOKEN ? "token" : "none";

  const protocol = e.GHE_PROTOCOL ?? "https";
  const enterprise = e.GHE_HOST !== undefined;
  const apiBaseUrl = enterprise ? `${protocol}://${e.GHE_HOST}/api/v3` : "https://api.github.com";
  const webBaseUrl = enterprise ? `${protocol}://${e.GHE_HOST}` : "https://github.com";

  const dataDir = path.resolve(cwd, e.VENOM_DATA_DIR ?? "./data");
  const traffic = readTrafficEnv(env);
  const chat = readChatEnv(env);
  const secrets = [
    privateKey,
    e.WEBHOOK_SECRET,
    e.GITHUB_TOKEN,
    e.HF_TOKEN,
    e.DISCORD_WEBHOOK_URL,
    e.SLACK_WEBHOOK_URL,
    e.TEAMS_WEBHOOK_URL,
    e.TAVILY_API_KEY,
    e.OPENAI_API_KEY,
    e.VENOM_DASHBOARD_TOKEN,
    passwordOf(e.REDIS_URL),
    passwordOf(e.WEBHOOK_PROXY_URL) ?? e.WEBHOOK_PROXY_URL,
    ...chatSecrets(chat),
  ].filter((value): value is string => typeof value === "string" && value.length > 0);

  return {
    github: {
      mode,
      ...(e.APP_ID ? { appId: Number(e.APP_ID) } : {}),
      ...(privateKey ? { privateKey } : {}),
      ...(e.WEBHOOK_SECRET ? { webhookSecret: e.WEBHOOK_SECRET } : {}),
      ...(e.GITHUB_TOKEN ? { token: e.GITHUB_TOKEN } : {}),
      ...(e.GITHUB_REPO_NAME ? { repo: e.GITHUB_REPO_NAME } : {}),
      ...(e.VENOM_ASSIGNEE ? { assignee: e.VENOM_ASSIGNEE } : {}),
      apiBaseUrl,
      webBaseUrl,
      enterprise,
    },
    server: {
      port: e.PORT,
      ...(e.HOST ? { host: e.HOST } : {}),
      webhookPath: e.WEBHOOK_PATH ?? "/api/github/webhooks",
      ...(e.WEBHOOK_PROXY_URL ? { webhookProxyUrl: e.WEBHOOK_PROXY_URL } : {}),
      ...(e.VENOM_PUBLIC_URL ? { publicUrl: e.VENOM_PUBLIC_URL.replace(/\/+$/, "") } : {}),
    },
    log: { level: e.LOG_LEVEL ?? "info", format: e.LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json") },
    llm: {
      ...(e.OPENAI_API_KEY ? { apiKey: e.OPENAI_API_KEY } : {}),
      ...(e.OPENAI_BASE_URL ? { baseUrl: e.OPENAI_BASE_URL } : {}),
      model: e.VENOM_MODEL ?? "gpt-4o-mini",
      ...(prices ? { prices } : {}),
    },
    triggerLabel: e.VENOM_TRIGGER_LABEL ?? "venom",
    dataDir,
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    workers: e.VENOM_WORKERS,
    ...(e.VENOM_DASHBOARD_TOKEN ? { dashboardToken: e.VENOM_DASHBOARD_TOKEN } : {}),
    polling: { enabled: e.ENABLE_ISSUE_POLLING, intervalMinutes: e.ISSUE_POLLING_INTERVAL_MINUTES },
    integrations: {
      ...(e.HF_TOKEN ? { hfToken: e.HF_TOKEN } : {}),
      ...(e.HF_ENDPOINT ? { hfEndpoint: e.HF_ENDPOINT } : {}),
      ...(e.DISCORD_WEBHOOK_URL ? { discordWebhookUrl: e.DISCORD_WEBHOOK_URL } : {}),
      ...(e.SLACK_WEBHOOK_URL ? { slackWebhookUrl: e.SLACK_WEBHOOK_URL } : {}),
      ...(e.TEAMS_WEBHOOK_URL ? { teamsWebhookUrl: e.TEAMS_WEBHOOK_URL } : {}),
      ...(e.TAVILY_API_KEY ? { tavilyApiKey: e.TAVILY_API_KEY } : {}),
      ...(e.TAVILY_BASE_URL ? { tavilyBaseUrl: e.TAVILY_BASE_URL } : {}),
      ...(e.VENOM_DDG_URL ? { ddgUrl: e.VENOM_DDG_URL } : {}),
      webSearch: e.VENOM_WEB_SEARCH || e.TAVILY_API_KEY !== undefined,
      hfSearch: e.VENOM_HF_SEARCH || e.HF_TOKEN !== undefined,
      calendar: {
        enabled: e.ENABLE_GOOGLE_CALENDAR,
        credentialsPath: path.resolve(cwd, e.GOOGLE_CALENDAR_CREDENTIALS_PATH ?? "./config/google_calendar_credentials.json"),
        tokenPath: path.resolve(cwd, e.GOOGLE_CALENDAR_TOKEN_PATH ?? "./config/google_calendar_token.json"),
        calendarId: e.VENOM_CALENDAR_ID ?? "venom_work_calendar",
        calendarName: e.VENOM_CALENDAR_NAME ?? "Venom Work",
        ...(e.VENOM_GOOGLE_API_URL ? { rootUrl: e.VENOM_GOOGLE_API_URL.endsWith("/") ? e.VENOM_GOOGLE_API_URL : `${e.VENOM_GOOGLE_API_URL}/` } : {}),
      },
    },
    chat,
    traffic,
    sandbox: {
      mode: e.VENOM_SANDBOX ?? "auto",
      network: e.VENOM_SANDBOX_NETWORK === "allow",
      memoryBytes: e.VENOM_SANDBOX_MEMORY_MB * 1024 * 1024,
      processes: e.VENOM_SANDBOX_PROCESSES,
    },
    sensitivePaths: [
      dataDir,
      ...(e.PRIVATE_KEY_PATH ? [path.resolve(cwd, e.PRIVATE_KEY_PATH)] : []),
      path.resolve(cwd, e.GOOGLE_CALENDAR_CREDENTIALS_PATH ?? "./config/google_calendar_credentials.json"),
      path.resolve(cwd, e.GOOGLE_CALENDAR_TOKEN_PATH ?? "./config/google_calendar_token.json"),
      path.resolve(cwd, ".env"),
      cwd,
    ],
    secrets,
  };
}

function readPrivateKey(value: string | undefined, keyPath: string | undefined, cwd: string): string | undefined {
  if (!value && !keyPath) return undefined;
  if (keyPath && !value) {
    try {
      readFileSync(path.resolve(cwd, keyPath));
    } catch {
      throw new ConfigError(`PRIVATE_KEY_PATH points to "${keyPath}", which cannot be read; give the path of the App's .pem file.`);
    }
  }
  const env: Env = { PRIVATE_KEY: value, PRIVATE_KEY_PATH: keyPath ? path.resolve(cwd, keyPath) : undefined };
  let key: string | null;
  try {
    key = getPrivateKey({ env: env as NodeJS.ProcessEnv });
  } catch {
    throw new ConfigError("PRIVATE_KEY is not a PEM private key; paste the .pem contents (or base64 of them) or use PRIVATE_KEY_PATH.");
  }
  if (!key) return undefined;
  // getPrivateKey only looks for the PEM frame (and not at all in a file): parse the key now, so a broken
  // one stops start-up here rather than surfacing as "Invalid keyData" at the first GitHub request.
  const source = value ? "PRIVATE_KEY" : `PRIVATE_KEY_PATH "${keyPath}"`;
  let type: string | undefined;
  try {
    type = createPrivateKey(key).asymmetricKeyType;
  } catch {
    throw new ConfigError(`${source} does not hold a PEM private key; download a new key from the GitHub App's settings page and use its .pem contents.`);
  }
  if (type !== "rsa") {
    throw new ConfigError(`${source} holds a key of type ${type ?? "unknown"}, not the RSA key GitHub issues for an App; use the .pem file from the App's settings page.`);
  }
  return key;
}

function isUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

function passwordOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const parsed = new URL(value);
    return parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}

function modelPrices(text: string | undefined): ModelPrices | undefined {
  if (text === undefined) return undefined;
  try {
    return parseModelPrices(text);
  } catch (error) {
    throw new ConfigError(`VENOM_MODEL_PRICES ${(error as Error).message}; fix it in .env (see .env.example).`);
  }
}
