// Lines written into the issue's status comment outside a run (a merged PR's project move, `/venom run`): one per key.
import { GitHubIssue } from "../github-issue.js";
import { STATUS_MARKER } from "../status-comment.js";

const LINES_MARKER = "<!-- venom:lines -->";
const KEY_PATTERN = /^[a-z0-9:._-]{1,120}$/;

/** Sets the line keyed `key` in the body: replaced when it is there, appended to the block when not. */
export function withStatusLine(body: string, key: string, text: string): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`Bad status line key "${key}".`);
  const tag = `<!-- venom:line:${key} -->`;
  const line = `- ${oneLine(text)} ${tag}`;
  const start = body.indexOf(LINES_MARKER);
  if (start < 0) return `${body.trimEnd()}\n\n${LINES_MARKER}\n${line}`;
  const lines = body.slice(start).split("\n");
  const index = lines.findIndex((candidate) => candidate.endsWith(tag));
  if (index >= 0) lines[index] = line;
  else {
    let last = 0;
    lines.forEach((candidate, position) => {
      if (candidate.startsWith("- ") && candidate.includes("<!-- venom:line:")) last = position;
    });
    lines.splice(last + 1, 0, line);
  }
  return `${body.slice(0, start)}${lines.join("\n")}`;
}

/**
 * Writes one keyed line into the issue's status comment (the app's, found by its marker); an issue without one
 * gets a new status comment holding the line. Returns the comment's id.
 */
export async function writeStatusLine(
  issue: GitHubIssue,
  where: { botLogin: string | undefined; commentId?: number | undefined },
  key: string,
  text: string,
): Promise<number> {
  const comments = await issue.comments();
  const found = comments.find((comment) => comment.id === where.commentId) ?? GitHubIssue.findStatusComment(comments, where.botLogin);
  const body = found?.body ?? `${STATUS_MARKER}\n### 🐍 Venom Integrator`;
  return issue.upsertComment(found?.id, withStatusLine(body, key, text));
}

function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
