import { describe, expect, it } from "vitest";
import { CHECK_OUTPUT_LIMIT } from "../../../src/github/venom-check-run.js";
import { checkConclusion, checkOutput } from "../../../src/pipeline/run-check.js";

const plan = { summary: "add() subtracted", steps: ["Use + in add"], files: ["calc.js"] };

describe("the Venom check run's verdict and output", () => {
  it("maps the checks' result to a conclusion: passed → success, failed → failure, none or not run → neutral", () => {
    expect(checkConclusion({ checks: "passed" })).toBe("success");
    expect(checkConclusion({ checks: "failed" })).toBe("failure");
    expect(checkConclusion({ checks: "none" })).toBe("neutral");
    expect(checkConclusion({ checks: "passed", checksNotRun: "no isolation" })).toBe("neutral");
    expect(checkConclusion({ checks: "passed", failure: "GitHub refused the PR" })).toBe("failure");
    expect(checkConclusion({ checks: "none", cancelled: true })).toBe("cancelled");
  });

  it("puts the plan and the checks in the summary, the output in a fence nothing in it can close", () => {
    const output = checkOutput({ plan, checks: "failed", checksSummary: "1 of 1 failed", checksOutput: "boom ```` not closed", pullRequestUrl: "https://x/pull/2" }, "failure");
    expect(output.title).toBe("Checks failed");
    expect(output.summary).toContain("**Plan:** add() subtracted\n\n1. Use + in add");
    expect(output.summary).toContain("**Checks:** 1 of 1 failed");
    expect(output.summary).toContain("Pull request: https://x/pull/2");
    expect(output.text).toBe("`````text\nboom ```` not closed\n`````");
  });

  it("leaves out an empty output and says why a run failed", () => {
    const output = checkOutput({ checks: "none", checksSummary: "not finished", failure: "Refused to push: a secret" }, "failure");
    expect(output.title).toBe("Run failed");
    expect(output.summary.startsWith("**The run failed:** Refused to push: a secret")).toBe(true);
    expect(output.text).toBeUndefined();
  });

  it("has a limit matching GitHub's 65,535 characters", () => {
    expect(CHECK_OUTPUT_LIMIT).toBe(65_535);
  });
});
