// Slack's interactivity request (`application/x-www-form-urlencoded`, `payload=<json>`) → who clicked which button for which run.
import { CHAT_ACTIONS, parseTarget, type ChatAction, type ChatCommand } from "./chat-command.js";

export interface SlackActionRequest {
  /** The Slack user who clicked (`payload.user.id`). */
  userId: string;
  command: ChatCommand;
  /** Where Slack takes a reply to the clicker (`payload.response_url`). */
  responseUrl?: string;
}

/**
 * The first button of a `block_actions` payload. `ignore`: a well-formed request that asks nothing of us (the "Open PR"
 * link button reports its click too; other interaction types); `error`: a malformed one.
 */
export function parseSlackAction(formBody: string): SlackActionRequest | { ignore: string } | { error: string } {
  const raw = new URLSearchParams(formBody).get("payload");
  if (raw === null) return { error: "no payload field" };
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return { error: "payload is not JSON" };
  }
  const fields = (payload ?? {}) as {
    type?: unknown;
    user?: { id?: unknown };
    actions?: Array<{ action_id?: unknown; value?: unknown }>;
    response_url?: unknown;
  };
  if (fields.type !== "block_actions") return { ignore: `payload type ${String(fields.type).slice(0, 40)} is not handled` };
  const userId = fields.user?.id;
  if (typeof userId !== "string" || !userId) return { error: "payload names no user" };
  const action = Array.isArray(fields.actions) ? fields.actions[0] : undefined;
  const name = typeof action?.action_id === "string" ? action.action_id : "";
  if (!CHAT_ACTIONS.includes(name as ChatAction)) return { ignore: `action ${name.slice(0, 40) || "(none)"} asks nothing of Venom` };
  const target = typeof action?.value === "string" ? parseTarget(action.value) : undefined;
  if (!target) return { error: "the button carries no job id" };
  return {
    userId,
    command: { action: name as ChatAction, target },
    ...(typeof fields.response_url === "string" ? { responseUrl: fields.response_url } : {}),
  };
}
