import { describe, expect, it } from "vitest";
import type { CiState } from "../../../src/github/ci-failures.js";
import type { CiFeedback, ReviewFeedback } from "../../../src/pipeline/follow-up/feedback.js";
import { ciLimitLine, ciRoundFrom, ciRoundsDone, prepareCiRound } from "../../../src/pipeline/follow-up/ci-round.js";
import type { Job } from "../../../src/queue/types.js";

const sha = "d6fde92930d4715a2b49857d24b940956b26d2d3";
const ci: CiFeedback = { kind: "ci", prNumber: 12, headSha: sha, failures: [] };
const review: ReviewFeedback = { kind: "review", prNumber: 12, body: "rename it", author: "maintainer", inlineComments: [] };
const request = async () => {
  throw new Error("the collector is passed in");
};

function job(id: string, fields: Partial<Job> = {}): Job {
  return {
    id,
    repo: "o/r",
    issue: 7,
    trigger: "ci",
    state: "succeeded",
    step: "done",
    attempts: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    command: "fix",
    data: {},
    ...fields,
  };
}

/** A follow-up job whose round ran the Coder (pushed) on this feedback. */
function round(id: string, feedback: Array<CiFeedback | ReviewFeedback>, fields: Partial<Job> = {}): Job {
  return job(id, { data: { followUp: feedback, followUpRound: { prNumber: 12, feedback, pushedSha: "abc1234" } }, ...fields });
}

const failing: CiState = { failures: [{ name: "test", summary: "exit code 1", log: "##[error]boom" }], awaitingApproval: [], pending: false };

describe("ciRoundsDone", () => {
  it("counts the issue's rounds that ran on CI feedback for the PR — a review round alone neither counts nor resets", async () => {
    const jobs = [
      job("current"),
      round("review-2", [review], { trigger: "review" }),
      round("ci-2", [ci], { state: "failed" }),
      round("review-with-ci", [review, ci], { trigger: "review" }),
      round("other-pr", [{ ...ci, prNumber: 99 }]),
      round("other-issue", [ci], { issue: 8 }),
      round("status-event", [{ ...ci, prNumber: 0 }]),
      job("stopped-at-limit", { data: { followUp: [ci], followUpRound: { prNumber: 12 } } }),
      job("first-run", { trigger: "label", data: { plan: { summary: "x", steps: ["y"], files: [] }, prNumber: 12 } }),
    ];
    expect(await ciRoundsDone({ list: async () => jobs }, jobs[0]!, 12)).toBe(3);
  });

  it("does not count a review round whose CI items all dropped out before the Coder (awaiting approval, nothing failed)", async () => {
    const dropped = job("review-ci-dropped", { trigger: "review", data: { followUp: [review, ci], followUpRound: { prNumber: 12, feedback: [review, ci], pushedSha: "abc1234", ciRound: false } } });
    const kept = job("review-ci-kept", { trigger: "review", data: { followUp: [review, ci], followUpRound: { prNumber: 12, feedback: [review, ci], pushedSha: "abc1234", ciRound: true } } });
    const jobs = [job("current"), dropped, kept];
    expect(await ciRoundsDone({ list: async () => jobs }, jobs[0]!, 12)).toBe(1);
  });
});

describe("prepareCiRound", () => {
  const base = { request, job: job("current"), feedback: ci };

  it("proceeds with the failures filled in, numbering the round", async () => {
    const decision = await prepareCiRound({
      ...base,
      queue: { list: async () => [round("ci-2", [ci])] },
      repoConfig: { maxCiRounds: 2 },
      collect: async (_request, repo, headSha, options) => {
        expect({ repo, headSha, options }).toEqual({ repo: "o/r", headSha: sha, options: { appId: 5 } });
        return { ...failing, awaitingApproval: ["deploy"] };
      },
      collector: { appId: 5 },
    });
    expect(decision).toEqual({ proceed: true, feedback: { ...ci, failures: failing.failures }, ciRound: 2, awaitingApproval: ["deploy"] });
  });

  it("stops at max_ci_rounds with the status line, without reading CI", async () => {
    const decision = await prepareCiRound({
      ...base,
      queue: { list: async () => [round("a", [ci]), round("b", [ci])] },
      repoConfig: { maxCiRounds: 2 },
      collect: async () => {
        throw new Error("not read at the limit");
      },
    });
    expect(decision).toMatchObject({
      proceed: false,
      statusLine: "CI still failing after 2 rounds (max_ci_rounds); stopping here — a maintainer can push a fix or comment /venom fix",
    });
    const off = await prepareCiRound({ ...base, queue: { list: async () => [] }, repoConfig: { maxCiRounds: 0 }, collect: async () => failing });
    expect(off).toMatchObject({ proceed: false, statusLine: expect.stringContaining("max_ci_rounds: 0") });
  });

  it("a workflow awaiting approval gets a line, not a round; no failure at all gets neither", async () => {
    const awaiting = await prepareCiRound({
      ...base,
      queue: { list: async () => [] },
      repoConfig: { maxCiRounds: 2 },
      collect: async () => ({ failures: [], awaitingApproval: ["deploy-preview"], pending: false }),
    });
    expect(awaiting).toMatchObject({ proceed: false, statusLine: expect.stringMatching(/^CI on `d6fde92` is waiting for a maintainer's approval \(deploy-preview\)/) });
    const green = await prepareCiRound({
      ...base,
      queue: { list: async () => [] },
      repoConfig: { maxCiRounds: 2 },
      collect: async () => ({ failures: [], awaitingApproval: [], pending: true }),
    });
    expect(green).toEqual({ proceed: false, reason: "no failed check yet; some still run" });
  });
});

describe("ciRoundFrom", () => {
  it("binds the queue, the installation's request and the collector's options", async () => {
    const asked: Array<number | undefined> = [];
    const check = ciRoundFrom({
      queue: { list: async () => [round("a", [ci]), round("b", [ci])] },
      request: async (installationId) => {
        asked.push(installationId);
        return request;
      },
      collector: { appId: 5 },
    });
    expect(await check({ job: job("current"), feedback: ci, repoConfig: { maxCiRounds: 2 }, installationId: 9 })).toMatchObject({ proceed: false });
    expect(asked).toEqual([9]);
  });
});

describe("ciLimitLine", () => {
  it("names the rounds and the setting", () => {
    expect(ciLimitLine(1, 1)).toBe("CI still failing after 1 round (max_ci_rounds); stopping here — a maintainer can push a fix or comment /venom fix");
  });
});
