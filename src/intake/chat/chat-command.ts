// What a chat action asks for: approve, retry or cancel, of a job (by id) or an issue (owner/repo#N). Patterns are linear.

export type ChatAction = "approve" | "retry" | "cancel";
export const CHAT_ACTIONS: readonly ChatAction[] = ["approve", "retry", "cancel"];

export type ChatTarget = { jobId: string } | { repo: string; issue: number };

export interface ChatCommand {
  action: ChatAction;
  target: ChatTarget;
}

const ISSUE_REF = /^([A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100})#(\d{1,9})$/;
const JOB_ID = /^[A-Za-z0-9_-]{4,64}$/;
const MENTION = /<at>[^<]{0,200}<\/at>/gi;
const TAG = /<[^<>]{0,200}>/g;

export const COMMAND_USAGE = "Send `retry <job id|owner/repo#N>`, `cancel <job id|owner/repo#N>` or `approve <job id|owner/repo#N>`.";

/** `octo/calc#3` → the issue; `lq2x9abc12ef` → the job; anything else → undefined. */
export function parseTarget(text: string): ChatTarget | undefined {
  const trimmed = text.trim();
  const ref = ISSUE_REF.exec(trimmed);
  if (ref?.[1] && ref[2] && Number(ref[2]) > 0) return { repo: ref[1], issue: Number(ref[2]) };
  return JOB_ID.test(trimmed) ? { jobId: trimmed } : undefined;
}

/** A Teams message's text (`<at>Venom</at> retry octo/calc#3`, maybe wrapped in HTML) → the command. */
export function parseChatCommand(text: string): ChatCommand | { error: string } {
  const plain = text
    .slice(0, 2_000)
    .replace(MENTION, " ")
    .replace(TAG, " ")
    .replace(/&nbsp;/gi, " ")
    .trim();
  const [word = "", target = "", ...rest] = plain.split(/\s+/);
  const action = word.toLowerCase() as ChatAction;
  if (!CHAT_ACTIONS.includes(action)) return { error: `Unknown command "${word.slice(0, 40)}". ${COMMAND_USAGE}` };
  const parsed = rest.length === 0 ? parseTarget(target) : undefined;
  return parsed ? { action, target: parsed } : { error: `Which run? ${COMMAND_USAGE}` };
}

export function describeTarget(target: ChatTarget): string {
  return "jobId" in target ? `job ${target.jobId}` : `${target.repo}#${target.issue}`;
}
