// What the Coder is told in a follow-up round: the reviewers' requests, CI's failures and the PR's current diff.
import type { Plan } from "../agents.js";
import { fence } from "../prompts.js";
import type { FollowUpFeedback, InlineComment } from "./feedback.js";

/** The PR's diff shown to the Coder is cut here: the inline comments' hunks point at what matters. */
const MAX_DIFF_CHARS = 12_000;

/** Fenced like user text: intake only accepts requests from writers, but their text is still data, not instructions to the tools. */
export function followUpPrompt(feedback: FollowUpFeedback[], pullDiff: string): string {
  const parts = ["This is a follow-up round on your pull request: the plan above is already done and pushed. Address the feedback below with the smallest change."];
  for (const item of feedback) {
    if (item.kind === "review") {
      if (item.body.trim()) parts.push(fence(`Review by @${item.author}`, item.body, true, 4_000));
      for (const comment of item.inlineComments) parts.push(inlineCommentText(comment));
    } else {
      for (const failure of item.failures) {
        const text = [failure.summary, failure.log ? `Log (failing part):\n${failure.log}` : ""].filter(Boolean).join("\n\n");
        parts.push(fence(`CI check "${failure.name}" failed on ${item.headSha.slice(0, 7)}`, text, true, 6_000));
      }
      if (item.failures.length === 0) parts.push(`CI failed on ${item.headSha.slice(0, 7)}, but no failure output could be read.`);
    }
  }
  const diff = pullDiff.length > MAX_DIFF_CHARS ? `${pullDiff.slice(0, MAX_DIFF_CHARS)}\n[… ${pullDiff.length - MAX_DIFF_CHARS} characters cut]` : pullDiff;
  parts.push(`The pull request's current diff against its base:\n\`\`\`diff\n${diff.replace(/`{3,}/g, "``") || "(empty)"}\n\`\`\``);
  const ids = feedback.flatMap((item) => (item.kind === "review" ? item.inlineComments.map((comment) => comment.id) : []));
  parts.push(
    ids.length
      ? `When done, call finish with one line per inline comment, "#<id>: <what you changed>" or "#<id>: not changed: <why>" (ids: ${ids.join(", ")}), then a line on anything else.`
      : "When done, call finish with a short summary of what you changed, or why nothing needed changing.",
  );
  return parts.join("\n\n");
}

function inlineCommentText(comment: InlineComment): string {
  const where = `${comment.path}${comment.line !== undefined ? `:${comment.line}` : ""}`;
  const hunk = `Diff hunk the reviewer saw:\n${comment.diffHunk}`;
  return fence(`Inline comment #${comment.id} by @${comment.author} on ${where}`, `${comment.body}\n\n${hunk}`, true, 4_000);
}

/** When the issue's run left no plan behind, the round's own plan: address the feedback. */
export function planFromFeedback(feedback: FollowUpFeedback[]): Plan {
  const files = [...new Set(feedback.flatMap((item) => (item.kind === "review" ? item.inlineComments.map((comment) => comment.path) : [])))];
  const kinds = feedback.some((item) => item.kind === "ci") ? "the failing CI checks" : "the review";
  return { summary: `Address ${kinds} on the pull request.`, steps: [`Address ${kinds}`], files };
}

/** One note per inline comment id from the Coder's finish summary ("#123: …"); the whole summary is the fallback. */
export function commentNotes(summary: string): Map<number, string> {
  const notes = new Map<number, string>();
  for (const line of summary.split("\n")) {
    const match = /^[\s*-]*#(\d{1,20}) ?: *(.+)$/.exec(line);
    if (match?.[1] && match[2]) notes.set(Number(match[1]), match[2].trim());
  }
  return notes;
}
