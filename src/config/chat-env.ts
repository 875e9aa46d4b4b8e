// Pure: the Slack app and Teams outgoing-webhook variables of process.env in, their settings out; a bad value is one ConfigError line.
import { ConfigError } from "../errors.js";

type Env = Record<string, string | undefined>;

/** Slack app mode (beside, not instead of, SLACK_WEBHOOK_URL): messages with buttons, updated in place. */
export interface SlackAppConfig {
  /** SLACK_BOT_TOKEN (xoxb-…): posts and updates messages; with SLACK_CHANNEL, turns run messages on. */
  botToken?: string;
  /** SLACK_SIGNING_SECRET: turns `POST /venom/slack/actions` on. */
  signingSecret?: string;
  /** SLACK_CHANNEL: a channel id (C…) or name the bot was invited to. */
  channel?: string;
  /** SLACK_API_URL: Web API base without a trailing slash (default https://slack.com/api; tests point it at a fake). */
  apiUrl: string;
  /** VENOM_SLACK_USERS: Slack user id → GitHub login. */
  users: Record<string, string>;
}

/** Teams outgoing webhook: `POST /venom/teams/actions`. */
export interface TeamsActionsConfig {
  /** TEAMS_OUTGOING_SECRET as Teams shows it (base64); the HMAC key is its decoded bytes. */
  outgoingSecret?: string;
  /** VENOM_TEAMS_USERS: Teams user (AAD object id, or the channel account id) → GitHub login. */
  users: Record<string, string>;
}

export interface ChatConfig {
  slack: SlackAppConfig;
  teams: TeamsActionsConfig;
}

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function readChatEnv(env: Env = process.env): ChatConfig {
  const botToken = value(env, "SLACK_BOT_TOKEN");
  const signingSecret = value(env, "SLACK_SIGNING_SECRET");
  const channel = value(env, "SLACK_CHANNEL");
  if (botToken && !channel) {
    throw new ConfigError("SLACK_CHANNEL is missing while SLACK_BOT_TOKEN is set; set it to the channel id (C…) the bot posts run messages in.");
  }
  if (channel && !botToken) {
    throw new ConfigError("SLACK_BOT_TOKEN is missing while SLACK_CHANNEL is set; set it to the Slack app's Bot User OAuth Token (xoxb-…).");
  }
  const apiUrl = value(env, "SLACK_API_URL") ?? "https://slack.com/api";
  if (!isHttpUrl(apiUrl)) throw new ConfigError(`SLACK_API_URL must be an absolute http(s) URL (Slack's Web API base), got "${apiUrl}"; fix it in .env (see .env.example).`);
  const outgoingSecret = value(env, "TEAMS_OUTGOING_SECRET");
  if (outgoingSecret !== undefined && (!BASE64.test(outgoingSecret) || Buffer.from(outgoingSecret, "base64").length === 0)) {
    throw new ConfigError("TEAMS_OUTGOING_SECRET must be the base64 security token Teams shows when the outgoing webhook is created; fix it in .env (see .env.example).");
  }
  return {
    slack: {
      ...(botToken ? { botToken } : {}),
      ...(signingSecret ? { signingSecret } : {}),
      ...(channel ? { channel } : {}),
      apiUrl: apiUrl.replace(/\/+$/, ""),
      users: userMap(env, "VENOM_SLACK_USERS", '{"U012ABCDEF":"octocat"}'),
    },
    teams: {
      ...(outgoingSecret ? { outgoingSecret } : {}),
      users: userMap(env, "VENOM_TEAMS_USERS", '{"<AAD object id>":"octocat"}'),
    },
  };
}

/** The secrets among these variables, for the log masker. */
export function chatSecrets(chat: ChatConfig): string[] {
  return [chat.slack.botToken, chat.slack.signingSecret, chat.teams.outgoingSecret].filter((item): item is string => item !== undefined);
}

function userMap(env: Env, variable: string, example: string): Record<string, string> {
  const text = value(env, variable);
  if (text === undefined) return {};
  const fail = (why: string): never => {
    throw new ConfigError(`${variable} ${why}; it must be JSON like ${example} (chat user id → GitHub login); fix it in .env (see .env.example).`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail("is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail("is not a JSON object");
  const users: Record<string, string> = {};
  for (const [id, login] of Object.entries(parsed as Record<string, unknown>)) {
    if (!id.trim()) fail("has an empty user id");
    if (typeof login !== "string" || !GITHUB_LOGIN.test(login)) fail(`maps "${id.slice(0, 60)}" to something that is not a GitHub login`);
    users[id.trim()] = login as string;
  }
  return users;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
