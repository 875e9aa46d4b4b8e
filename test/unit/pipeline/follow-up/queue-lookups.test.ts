// What a follow-up reads from the queue: feedback left pending, and the issue's last run's plan and pull request.
import { describe, expect, it } from "vitest";
import { pendingFeedbackFrom } from "../../../../src/pipeline/follow-up/pending-feedback.js";
import { previousRunFrom } from "../../../../src/pipeline/follow-up/previous-run.js";
import type { Job } from "../../../../src/queue/types.js";

function job(id: string, issue: number, data: Record<string, unknown>): Job {
  const at = "2026-11-29T00:00:00Z";
  return { id, repo: "o/r", issue, trigger: "label", state: "succeeded", step: "done", attempts: 1, createdAt: at, updatedAt: at, command: "fix", data };
}

describe("pendingFeedbackFrom", () => {
  it("keeps review and CI items and drops anything of another shape", async () => {
    const review = { kind: "review", prNumber: 3, body: "x", author: "a", inlineComments: [] };
    const ci = { kind: "ci", prNumber: 3, headSha: "abc", failures: [] };
    const take = pendingFeedbackFrom({ takePending: async () => [review, ci, { kind: "review", prNumber: "3" }, { something: true }] });
    expect(await take("o/r", 7)).toEqual([review, ci]);
  });
});

describe("previousRunFrom", () => {
  it("finds the newest plan, pull request and status comment of the issue, not of the current job or another issue", async () => {
    const plan = { summary: "Fix it.", steps: ["edit"], files: ["a.ts"] };
    const jobs = [
      job("current", 7, { prNumber: 99 }),
      job("other-issue", 8, { plan: { ...plan, summary: "other" }, prNumber: 5 }),
      job("review-round", 7, { followUpRound: { pushedSha: "abc" } }),
      job("first-run", 7, { plan, prNumber: 12, commentId: 400 }),
    ];
    const previous = previousRunFrom({ list: async () => jobs });
    expect(await previous("o/r", 7, "current")).toEqual({ plan, prNumber: 12, commentId: 400 });
    expect(await previous("o/r", 9, "current")).toBeUndefined();
  });
});
