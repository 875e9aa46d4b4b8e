import { describe, expect, it } from "vitest";
import { renderStatus, STATUS_MARKER } from "../../../src/pipeline/status-comment.js";
import { renderPullRequestBody } from "../../../src/pipeline/pull-request.js";

describe("renderStatus", () => {
  it("starts with the marker and shows each step's state", () => {
    const body = renderStatus({ steps: { queued: "done", planning: "running" }, jobId: "j1" });
    expect(body.startsWith(STATUS_MARKER)).toBe(true);
    expect(body).toContain("- [x] ✅ Queued");
    expect(body).toContain("- [ ] ⏳ Planning");
    expect(body).toContain("- [ ] ⬜ Pull request");
    expect(body).toContain("job `j1`");
  });

  it("ends with the PR link or the reason the run stopped", () => {
    const done = renderStatus({
      steps: { queued: "done", planning: "done", coding: "done", validating: "done", pull_request: "done" },
      prUrl: "https://github.com/o/r/pull/2",
      outcome: { kind: "success", message: "Opened pull request https://github.com/o/r/pull/2" },
    });
    expect(done).toContain("Pull request — https://github.com/o/r/pull/2");
    const failed = renderStatus({ steps: { coding: "failed" }, outcome: { kind: "failure", message: "Stopped: budget" } });
    expect(failed).toContain("❌ Coding");
    expect(failed).toContain("😕 Stopped: budget");
  });
});

describe("renderPullRequestBody", () => {
  it("carries the plan, the checks' result and Closes #N", () => {
    const body = renderPullRequestBody({
      issue: 12,
      result: {
        plan: { summary: "Use addition.", steps: ["Edit add()"], files: ["calc.js"] },
        coderSummary: "Changed - to +.",
        checks: "failed",
        checksSummary: "❌ npm test exited 1",
        checksOutput: "expected 5, got -1",
        promptTokens: 10,
        completionTokens: 5,
      },
      changedFiles: ["calc.js"],
      tokens: 15,
      jobId: "j1",
    });
    expect(body).toContain("Use addition.");
    expect(body).toContain("1. Edit add()");
    expect(body).toContain("Checks failed");
    expect(body).toContain("expected 5, got -1");
    expect(body.trim().endsWith("Closes #12")).toBe(true);
  });
});
