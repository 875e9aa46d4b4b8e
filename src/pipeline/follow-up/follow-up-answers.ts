// The round's answers: a reply in each inline comment's thread, one PR comment per review-level request, the status line.
import type { FollowUpFeedback } from "./feedback.js";
import type { FollowUpCheckpoint } from "./follow-up-checkpoint.js";
import { commentNotes } from "./follow-up-prompt.js";
import type { PullRequestThread } from "./pull-request-thread.js";

export interface AnswerInput {
  feedback: FollowUpFeedback[];
  checkpoint: FollowUpCheckpoint;
  thread: PullRequestThread;
  prNumber: number;
  /** A resumed attempt: GitHub is asked which threads already have the app's reply (a crash between posting and saving). */
  resumed: boolean;
  botLogin: string | undefined;
  /** Saves one answer as posted, before the next is made. */
  onAnswered: (key: string) => Promise<void>;
}

/** Posts every answer the checkpoint does not list yet; returns how many replies the round has in all. */
export async function answerFeedback(input: AnswerInput): Promise<number> {
  const { checkpoint, thread, prNumber } = input;
  const notes = commentNotes(checkpoint.summary ?? "");
  const fallback = firstLines(checkpoint.noChange ?? checkpoint.summary ?? "");
  const done = new Set(checkpoint.answered ?? []);
  const alreadyInThread = input.resumed ? await thread.repliedTo(prNumber, input.botLogin).catch(() => new Set<number>()) : new Set<number>();
  let replies = 0;
  for (const item of input.feedback) {
    if (item.kind !== "review") continue;
    for (const comment of item.inlineComments) {
      const key = `inline:${comment.id}`;
      replies += 1;
      if (done.has(key)) continue;
      if (!alreadyInThread.has(comment.id)) await thread.reply(prNumber, comment.id, answer(checkpoint, notes.get(comment.id) ?? fallback));
      await input.onAnswered(key);
      done.add(key);
    }
    if (item.inlineComments.length > 0) continue;
    // A request without inline comments (a review's text, a `/venom` PR comment): one comment on the PR.
    const key = item.commentId !== undefined ? `comment:${item.commentId}` : `review:${item.reviewId ?? item.author}`;
    replies += 1;
    if (done.has(key)) continue;
    await thread.comment(prNumber, `@${item.author} ${answer(checkpoint, fallback)}`);
    await input.onAnswered(key);
    done.add(key);
  }
  return replies;
}

/** "Done in `abc1234`: …", or why nothing changed (the Coder's note says "not changed: …", or no commit was made). */
function answer(checkpoint: FollowUpCheckpoint, note: string): string {
  const notChanged = /^not changed\s*:?\s*/i;
  if (checkpoint.pushedSha === undefined) return `Not changed: ${note.replace(notChanged, "") || "no change was needed."}`;
  if (notChanged.test(note)) return `Not changed: ${note.replace(notChanged, "")}`;
  return `Done in \`${checkpoint.pushedSha.slice(0, 7)}\`: ${note || "addressed."}`;
}

/** The status comment's line for a finished round. */
export function roundLine(who: string, checkpoint: FollowUpCheckpoint, replies: number): string {
  const answered = replies ? `, ${replies} ${replies === 1 ? "reply" : "replies"}` : "";
  if (checkpoint.pushedSha) return `(${who}): pushed \`${checkpoint.pushedSha.slice(0, 7)}\`${answered}`;
  return `(${who}): nothing to change: ${firstLines(checkpoint.noChange ?? "")}${answered}`;
}

/** The summary without its per-comment lines, in one short line. */
function firstLines(summary: string): string {
  const rest = summary
    .split("\n")
    .filter((line) => !/^[\s*-]*#\d/.test(line))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  return rest.length > 300 ? `${rest.slice(0, 299)}…` : rest;
}
