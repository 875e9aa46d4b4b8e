// POST /venom/teams/actions: a Teams outgoing webhook (`@Venom retry octo/calc#3`), authenticated by its HMAC.
//
//   401 {"error":"unauthorized"}  missing or wrong `Authorization: HMAC …`, or a replayed activity
//   400 {"error":"bad_request"}   a signed body that is not JSON
//   200 {"type":"message","text":…}  what was done, or why not (unknown command, unmapped user, no write access)
import type { Logger } from "pino";
import { pathOf, send, type RouteHandler } from "../../http/respond.js";
import { settledWithin, type ChatActions } from "./chat-actions.js";
import { readSignedPost } from "./signed-post.js";
import { parseChatCommand } from "./chat-command.js";
import { githubLoginFor } from "./chat-users.js";
import { verifyTeamsSignature } from "./teams-signature.js";

export const TEAMS_ACTIONS_PATH = "/venom/teams/actions";
const MAX_BODY_BYTES = 256 * 1024;
/** Teams waits about 5 s for the answer; a slower action answers "working on it". */
const REPLY_WAIT_MS = 4_000;
/** A signed activity is acted on once: its id is remembered this long. */
const REPLAY_WINDOW_MS = 24 * 60 * 60_000;

export interface TeamsActionsRouteOptions {
  /** TEAMS_OUTGOING_SECRET (base64, as Teams shows it). */
  secret: string;
  /** VENOM_TEAMS_USERS. */
  users: Readonly<Record<string, string>>;
  actions: ChatActions;
  rememberOnce: (key: string, ttlMs: number) => Promise<boolean>;
  log: Logger;
}

interface TeamsActivity {
  id?: unknown;
  text?: unknown;
  from?: { id?: unknown; aadObjectId?: unknown };
}

export function createTeamsActionsRoute(options: TeamsActionsRouteOptions): RouteHandler {
  const { log } = options;
  return async (request, response) => {
    if (pathOf(request) !== TEAMS_ACTIONS_PATH) return false;
    const body = await readSignedPost(request, response, TEAMS_ACTIONS_PATH, MAX_BODY_BYTES);
    if (body === undefined) return true;
    const check = verifyTeamsSignature(header(request.headers.authorization), body, options.secret);
    if (!check.ok) return refuse(response, log, check.reason);
    let activity: TeamsActivity;
    try {
      activity = (JSON.parse(body) ?? {}) as TeamsActivity;
    } catch {
      send(response, 400, { error: "bad_request", message: "The body must be a Teams activity (JSON)." });
      return true;
    }
    if (typeof activity.id === "string" && activity.id && !(await options.rememberOnce(`teams-action:${activity.id}`, REPLAY_WINDOW_MS))) {
      return refuse(response, log, "replayed activity");
    }
    const command = parseChatCommand(typeof activity.text === "string" ? activity.text : "");
    if ("error" in command) return message(response, command.error);
    const ids = [activity.from?.aadObjectId, activity.from?.id].map((id) => (typeof id === "string" ? id : undefined));
    const acting = options.actions.act({ via: "teams", login: githubLoginFor(options.users, ids), command }).catch((error: unknown) => {
      log.error({ err: error, action: command.action }, "Teams action failed");
      return { acted: false, text: "The action failed on Venom's side; see its log." };
    });
    const result = await settledWithin(acting, REPLY_WAIT_MS);
    return message(response, result ? result.text : `Working on ${command.action}; the run's status shows the result.`);
  };
}

function message(response: Parameters<RouteHandler>[1], text: string): true {
  send(response, 200, { type: "message", text });
  return true;
}

function refuse(response: Parameters<RouteHandler>[1], log: Logger, reason: string): true {
  log.warn({ reason }, "Teams action refused");
  send(response, 401, { error: "unauthorized", message: `Teams signature refused: ${reason}.` });
  return true;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
