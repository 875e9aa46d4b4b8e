import { describe, expect, it } from "vitest";
import type { AttemptProgress, RunCheckpoint } from "../../../src/pipeline/run-checkpoint.js";
import { renderStatus } from "../../../src/pipeline/status-comment.js";
import { statusView } from "../../../src/pipeline/status-view.js";

const plan = { summary: "Use addition.", steps: ["Edit add()"], files: ["calc.js"] };

function checkpoint(attempt: Partial<AttemptProgress>, saved: Omit<RunCheckpoint, "attempt"> = {}): RunCheckpoint {
  return { ...saved, attempt: { step: "intake", ...attempt } };
}

describe("statusView", () => {
  it("shows planning under way until there is a plan, then coding", () => {
    expect(statusView(checkpoint({}), "j1").steps).toEqual({
      queued: "done",
      planning: "running",
      coding: "pending",
      validating: "pending",
      pull_request: "pending",
    });
    const planned = statusView(checkpoint({ step: "plan" }, { plan }), "j1");
    expect(planned.steps).toMatchObject({ planning: "done", coding: "running" });
    expect(renderStatus(planned)).toContain("1. Edit add()");
  });

  it("a plan-only run waits for /venom fix with the other steps skipped", () => {
    const view = statusView(checkpoint({ stopAfterPlan: true, ending: { kind: "plan_ready" }, tokens: 40 }, { plan }), "j1");
    expect(view.steps).toMatchObject({ planning: "done", coding: "skipped", validating: "skipped", pull_request: "skipped" });
    expect(view.outcome).toEqual({ kind: "waiting", message: "Plan ready. Comment `/venom fix` to apply it." });
    expect(view.tokens).toBe(40);
  });

  it("a /venom revise run says its plan is the revised one", () => {
    const view = statusView(checkpoint({ stopAfterPlan: true, ending: { kind: "plan_ready" } }, { plan, revision: "smaller steps" }), "j1");
    expect(view.outcome?.message).toMatch(/^Revised plan ready\. Comment `\/venom fix` to apply it/);
  });

  it("ends with the pull request and the checks' result", () => {
    const view = statusView(
      checkpoint(
        {
          checks: { result: "failed", summary: "❌ npm test exited 1" },
          changedFiles: ["calc.js"],
          pullRequest: { number: 2, url: "https://github.com/o/r/pull/2", created: true, draft: true },
        },
        { plan, prNumber: 2 },
      ),
      "j1",
    );
    expect(view.steps).toMatchObject({ coding: "done", validating: "failed", pull_request: "done" });
    expect(view.prUrl).toBe("https://github.com/o/r/pull/2");
    expect(view.outcome?.message).toBe("Opened draft pull request https://github.com/o/r/pull/2 (checks failed).");
  });

  it("marks the step under way failed, or skipped when the run was called off", () => {
    const failed = statusView(checkpoint({ changedFiles: ["a"], checks: { result: "passed", summary: "ok" }, ending: { kind: "failed", message: "push refused", willRetry: false } }, { plan }), "j1");
    expect(failed.steps).toMatchObject({ coding: "done", validating: "done", pull_request: "failed" });
    expect(failed.outcome).toEqual({ kind: "failure", message: "Stopped: push refused" });

    const waiting = statusView(checkpoint({ ending: { kind: "failed", message: "GitHub is unavailable.", willRetry: true } }), "j1");
    expect(waiting.steps.planning).toBe("failed");
    expect(waiting.outcome?.message).toBe("Temporary problem: GitHub is unavailable. Venom will retry automatically.");

    const cancelled = statusView(checkpoint({ ending: { kind: "cancelled" } }, { plan }), "j1");
    expect(cancelled.steps).toMatchObject({ planning: "done", coding: "skipped" });
    expect(cancelled.outcome?.kind).toBe("cancelled");

    const stale = statusView(checkpoint({ ending: { kind: "stale", reason: "label venom removed" } }), "j1");
    expect(stale.steps.planning).toBe("skipped");
    expect(stale.outcome?.message).toBe("Stopped: the trigger no longer holds (label venom removed).");
  });
});
