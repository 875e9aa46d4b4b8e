// POST /venom/slack/actions: Slack's interactivity requests (the run message's buttons), authenticated by Slack's signature.
//
// Answers within Slack's 3 s: the action runs at once, and if it has not finished after ACK_WAIT_MS the request is
// acknowledged and the result goes to the clicker later through `response_url`. Responses:
//   401 {"error":"unauthorized"}   missing, wrong, stale (±5 min) or replayed signature
//   400 {"error":"bad_request"}    a signed body that is not an interactivity payload
//   200 {"response_type":"ephemeral","replace_original":false,"text":…}  everything else (unmapped user, no access, done)
import type { Logger } from "pino";
import { pathOf, send, type RouteHandler } from "../../http/respond.js";
import { settledWithin, type ChatActions } from "./chat-actions.js";
import { readSignedPost } from "./signed-post.js";
import { githubLoginFor } from "./chat-users.js";
import { parseSlackAction } from "./slack-action-payload.js";
import { SLACK_SIGNATURE_WINDOW_MS, verifySlackSignature } from "./slack-signature.js";

export const SLACK_ACTIONS_PATH = "/venom/slack/actions";
const MAX_BODY_BYTES = 64 * 1024;
/** How long the request waits for the action before acknowledging it (Slack gives up after 3 s). */
const ACK_WAIT_MS = 2_000;

export interface SlackActionsRouteOptions {
  signingSecret: string;
  /** VENOM_SLACK_USERS. */
  users: Readonly<Record<string, string>>;
  actions: ChatActions;
  /** The queue's durable one-time keys: a signature seen within the window is a replay, across restarts and processes. */
  rememberOnce: (key: string, ttlMs: number) => Promise<boolean>;
  /** Sends the clicker an ephemeral reply through the payload's `response_url`. */
  reply?: (responseUrl: string, text: string) => Promise<void>;
  log: Logger;
  now?: () => number;
}

export function createSlackActionsRoute(options: SlackActionsRouteOptions): RouteHandler {
  const now = options.now ?? Date.now;
  const { log } = options;
  return async (request, response) => {
    if (pathOf(request) !== SLACK_ACTIONS_PATH) return false;
    const body = await readSignedPost(request, response, SLACK_ACTIONS_PATH, MAX_BODY_BYTES);
    if (body === undefined) return true;
    const signature = header(request.headers["x-slack-signature"]);
    const check = verifySlackSignature({ timestamp: header(request.headers["x-slack-request-timestamp"]), signature, body }, options.signingSecret, now());
    if (!check.ok) return refuse(response, log, check.reason);
    // Both edges of the window: a signature is remembered as long as its timestamp could still pass.
    if (!(await options.rememberOnce(`slack-action:${signature ?? ""}`, 2 * SLACK_SIGNATURE_WINDOW_MS))) return refuse(response, log, "replayed request");

    const parsed = parseSlackAction(body);
    if ("error" in parsed) {
      send(response, 400, { error: "bad_request", message: `Not a Slack interactivity payload: ${parsed.error}.` });
      return true;
    }
    if ("ignore" in parsed) {
      log.debug({ reason: parsed.ignore }, "Slack interaction needs nothing");
      send(response, 200, {});
      return true;
    }
    const login = githubLoginFor(options.users, [parsed.userId]);
    const reply = (text: string) => {
      if (!parsed.responseUrl || !options.reply) return;
      options.reply(parsed.responseUrl, text).catch((error: unknown) => log.warn({ err: error }, "Slack reply not delivered"));
    };
    const acting = options.actions.act({ via: "slack", login, command: parsed.command }).catch((error: unknown) => {
      log.error({ err: error, action: parsed.command.action }, "Slack action failed");
      return { acted: false, text: "The action failed on Venom's side; see its log." };
    });
    const result = await settledWithin(acting, ACK_WAIT_MS);
    if (result) {
      reply(result.text);
      send(response, 200, ephemeral(result.text));
    } else {
      send(response, 200, ephemeral(`Working on ${parsed.command.action}…`));
      void acting.then((late) => reply(late.text));
    }
    return true;
  };
}

function ephemeral(text: string): Record<string, unknown> {
  return { response_type: "ephemeral", replace_original: false, text };
}

function refuse(response: Parameters<RouteHandler>[1], log: Logger, reason: string): true {
  log.warn({ reason }, "Slack action refused");
  send(response, 401, { error: "unauthorized", message: `Slack signature refused: ${reason}.` });
  return true;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
