// The follow-up's words: the Coder's prompt, the answers in each thread, the status comment's round lines.
import { describe, expect, it } from "vitest";
import type { ReviewFeedback } from "../../../../src/pipeline/follow-up/feedback.js";
import { answerFeedback, roundLine } from "../../../../src/pipeline/follow-up/follow-up-answers.js";
import { commentNotes, followUpPrompt, planFromFeedback } from "../../../../src/pipeline/follow-up/follow-up-prompt.js";
import type { PullRequestThread } from "../../../../src/pipeline/follow-up/pull-request-thread.js";
import { nextRound, withRoundLine } from "../../../../src/pipeline/follow-up/round-lines.js";

const review: ReviewFeedback = {
  kind: "review",
  prNumber: 4,
  reviewId: 9,
  body: "Please fix these.",
  author: "alice",
  inlineComments: [
    { id: 101, path: "calc.js", line: 6, diffHunk: "@@ -5 +5 @@\n-  return x * 3;", body: "multiply by 2", author: "alice" },
    { id: 102, path: "calc.js", line: 2, diffHunk: "@@ -1 +1 @@", body: "rename?", author: "alice" },
  ],
};

function fakeThread(existing: number[] = []) {
  const posted: Array<{ kind: string; target: number; body: string }> = [];
  const thread = {
    reply: async (_pull: number, id: number, body: string) => void posted.push({ kind: "reply", target: id, body }),
    comment: async (pull: number, body: string) => void posted.push({ kind: "comment", target: pull, body }),
    repliedTo: async () => new Set(existing),
  } as unknown as PullRequestThread;
  return { thread, posted };
}

describe("followUpPrompt", () => {
  it("holds the review, each inline comment with its place and hunk, the diff, and how to answer", () => {
    const prompt = followUpPrompt([review], "@@ -1 +1 @@\n-a\n+b");
    expect(prompt).toContain("Please fix these.");
    expect(prompt).toContain("Inline comment #101 by @alice on calc.js:6");
    expect(prompt).toContain("return x * 3;");
    expect(prompt).toContain("+b");
    expect(prompt).toContain("ids: 101, 102");
    expect(planFromFeedback([review]).files).toEqual(["calc.js"]);
  });

  it("reads one note per comment id from the finish summary", () => {
    const notes = commentNotes("#101: now doubles\n- #102: not changed: the name is fine\nAll good.");
    expect([...notes.entries()]).toEqual([
      [101, "now doubles"],
      [102, "not changed: the name is fine"],
    ]);
  });
});

describe("answerFeedback", () => {
  it("replies in each thread with the sha or why not, saving each answer, and skips what is answered", async () => {
    const { thread, posted } = fakeThread();
    const saved: string[] = [];
    const checkpoint = { pushedSha: "abcdef1234567", summary: "#101: now doubles\n#102: not changed: fine as is", answered: ["inline:999"] };
    const count = await answerFeedback({ feedback: [review], checkpoint, thread, prNumber: 4, resumed: false, botLogin: "bot", onAnswered: async (key) => void saved.push(key) });
    expect(count).toBe(2);
    expect(posted).toEqual([
      { kind: "reply", target: 101, body: "Done in `abcdef1`: now doubles" },
      { kind: "reply", target: 102, body: "Not changed: fine as is" },
    ]);
    expect(saved).toEqual(["inline:101", "inline:102"]);
    expect(roundLine("review by @alice", checkpoint, count)).toBe("(review by @alice): pushed `abcdef1`, 2 replies");
  });

  it("on a resumed attempt never posts a second reply in a thread the app already answered", async () => {
    const { thread, posted } = fakeThread([101]);
    const checkpoint = { pushedSha: "abcdef1234567", summary: "done" };
    await answerFeedback({ feedback: [review], checkpoint, thread, prNumber: 4, resumed: true, botLogin: "bot", onAnswered: async () => undefined });
    expect(posted.map((item) => item.target)).toEqual([102]);
  });

  it("answers a review without inline comments with one PR comment, and says when nothing changed", async () => {
    const { thread, posted } = fakeThread();
    const checkpoint = { noChange: "The code already does this.", summary: "The code already does this." };
    await answerFeedback({ feedback: [{ ...review, inlineComments: [] }], checkpoint, thread, prNumber: 4, resumed: false, botLogin: "bot", onAnswered: async () => undefined });
    expect(posted).toEqual([{ kind: "comment", target: 4, body: "@alice Not changed: The code already does this." }]);
    expect(roundLine("review by @alice", checkpoint, 1)).toBe("(review by @alice): nothing to change: The code already does this., 1 reply");
  });
});

describe("round lines", () => {
  it("appends one line per round after the checklist and replaces a round's line in place", () => {
    const body = "<!-- venom:status -->\n### 🐍 Venom Integrator\n- [x] ✅ Pull request";
    expect(nextRound(body)).toBe(2);
    const working = withRoundLine(body, 2, "(review by @alice): working on it…");
    const done = withRoundLine(working, 2, "(review by @alice): pushed `abc1234`, 2 replies");
    expect(done.match(/- Round 2/g)).toHaveLength(1);
    expect(done).toContain("- Round 2 (review by @alice): pushed `abc1234`, 2 replies");
    expect(nextRound(done)).toBe(3);
    const third = withRoundLine(done, 3, "(CI failure on 1234567): pushed `def5678`");
    expect(third.indexOf("Round 2")).toBeLessThan(third.indexOf("Round 3"));
    expect(third.startsWith(body)).toBe(true);
  });
});
