import { describe, expect, it } from "vitest";
import { approvedPlanFrom } from "../../../src/pipeline/approved-plan.js";
import type { Job } from "../../../src/queue/types.js";

const plan = { summary: "Use addition.", steps: ["Edit add()"], files: ["calc.js"] };

function job(fields: Partial<Job>): Job {
  return {
    id: "j0",
    repo: "o/r",
    issue: 7,
    trigger: "comment",
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

describe("approvedPlanFrom", () => {
  it("finds the plan of the issue's last finished plan-only run, never the current job's", async () => {
    const jobs = [
      job({ id: "current", command: "fix", state: "running", data: { plan: { ...plan, summary: "mine" } } }),
      job({ id: "other-issue", issue: 8, command: "plan", data: { plan: { ...plan, summary: "other" } } }),
      job({ id: "failed", command: "plan", state: "failed", data: { plan: { ...plan, summary: "failed" } } }),
      job({ id: "approval", command: "fix", data: { plan, planOnly: true } }),
    ];
    const approvedPlan = approvedPlanFrom({ list: async () => jobs });
    expect(await approvedPlan("o/r", 7, "current")).toEqual(plan);
  });

  it("takes the newest plan-only run (the queue lists newest first), a /venom revise run included", async () => {
    const revised = { ...plan, summary: "Revised: use a helper." };
    const jobs = [
      job({ id: "revise", command: "plan", data: { plan: revised, planOnly: true, revision: "use a helper" } }),
      job({ id: "first", command: "plan", data: { plan, planOnly: true } }),
    ];
    expect(await approvedPlanFrom({ list: async () => jobs })("o/r", 7, "current")).toEqual(revised);
  });

  it("ignores a full run's plan and a plan of another shape", async () => {
    const full = approvedPlanFrom({ list: async () => [job({ data: { plan } })] });
    expect(await full("o/r", 7, "current")).toBeUndefined();
    const malformed = approvedPlanFrom({ list: async () => [job({ command: "plan", data: { plan: "x" } })] });
    expect(await malformed("o/r", 7, "current")).toBeUndefined();
  });
});
