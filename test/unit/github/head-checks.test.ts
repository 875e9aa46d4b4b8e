import { describe, expect, it } from "vitest";
import type { GitHubRequest } from "../../../src/github/conditional-request.js";
import { CheckEvents, waitForHeadChecks } from "../../../src/github/head-checks.js";

const APP_ID = 7;

/** Answers each read with the next list of check runs (the last one repeated). */
function reads(...lists: unknown[][]): { request: GitHubRequest; count: () => number } {
  let index = 0;
  const request: GitHubRequest = async (route, parameters) => {
    expect(route).toBe("GET /repos/{owner}/{repo}/commits/{ref}/check-runs");
    expect(parameters).toMatchObject({ owner: "o", repo: "r", ref: "abc1234def" });
    const list = lists[Math.min(index, lists.length - 1)] ?? [];
    index += 1;
    return { status: 200, data: { total_count: list.length, check_runs: list }, headers: {} };
  };
  return { request, count: () => index };
}

const run = (name: string, status: string, conclusion: string | null, appId = 99) => ({ name, status, conclusion, app: { id: appId }, details_url: `https://ci/${name}`, output: { title: `${name} title`, summary: `${name} summary` } });
const options = { repo: "o/r", sha: "abc1234def", appId: APP_ID, timeoutMs: 60_000, delaysMs: [0] };

describe("waitForHeadChecks", () => {
  it("waits until every other app's run completed; the app's own Venom run never counts", async () => {
    const { request, count } = reads(
      [run("Venom", "in_progress", null, APP_ID)],
      [run("Venom", "in_progress", null, APP_ID), run("build", "in_progress", null)],
      [run("Venom", "in_progress", null, APP_ID), run("build", "completed", "success"), run("lint", "completed", "skipped")],
    );
    expect(await waitForHeadChecks(request, options)).toEqual({ result: "passed", summary: "CI passed: 2 check runs (build, lint)", output: "" });
    expect(count()).toBe(3);
  });

  it("fails when any run failed, naming it, with its output and link", async () => {
    const { request } = reads([run("build", "completed", "success"), run("test", "completed", "failure"), run("e2e", "completed", "timed_out")]);
    const result = await waitForHeadChecks(request, options);
    expect(result.result).toBe("failed");
    expect(result.summary).toBe("CI failed: test (failure), e2e (timed_out); 1 of 3 check runs passed");
    expect(result.output).toContain("test: failure\ntest title\ntest summary\nhttps://ci/test");
  });

  it("gives up at the timeout (failed) and says none when no CI run ever appears", async () => {
    const pending = reads([run("build", "in_progress", null)]);
    expect(await waitForHeadChecks(pending.request, { ...options, timeoutMs: 30, delaysMs: [10] })).toMatchObject({
      result: "failed",
      summary: "CI did not finish within 0 min (ci_timeout_minutes): still running build",
    });
    const nothing = reads([]);
    expect(await waitForHeadChecks(nothing.request, { ...options, noChecksAfterMs: 20, delaysMs: [10] })).toMatchObject({ result: "none" });
  });

  it("stops waiting when the run is cancelled", async () => {
    const controller = new AbortController();
    const { request } = reads([run("build", "in_progress", null)]);
    const waiting = waitForHeadChecks(request, { ...options, delaysMs: [60_000], signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled")), 20);
    await expect(waiting).rejects.toThrow("cancelled");
  });

  it("reads again as soon as a check event for the commit arrives, not at the next poll", async () => {
    const events = new CheckEvents();
    const { request, count } = reads([run("build", "in_progress", null)], [run("build", "completed", "success")]);
    const started = Date.now();
    const waiting = waitForHeadChecks(request, { ...options, delaysMs: [60_000], events });
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.notify("O/R", "other-sha");
    events.notify("o/r", "abc1234def");
    expect(await waiting).toMatchObject({ result: "passed" });
    expect(count()).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

