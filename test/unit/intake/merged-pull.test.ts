import { describe, expect, it } from "vitest";
import { decide, isTriggerCandidate, slimPayload, type TriggerPayload } from "../../../src/intake/decide.js";
import { example } from "../../fixtures/webhooks.js";

const settings = { triggerLabel: "venom", botLogin: "venom-integrator[bot]" };

function closed(changes: { merged?: boolean; ref?: string; opener?: string } = {}): TriggerPayload {
  const payload = example("pull_request", "closed") as unknown as TriggerPayload & { pull_request: Record<string, unknown> };
  payload.pull_request = {
    ...payload.pull_request,
    number: 12,
    merged: changes.merged ?? true,
    user: { login: changes.opener ?? "venom-integrator[bot]", type: "Bot" },
    head: { ref: changes.ref ?? "issue-5", sha: "abc" },
  };
  return payload;
}

describe("decide: pull_request.closed", () => {
  it("the merge of the app's PR from issue-N moves issue N's project item (stored slim, as the inbox keeps it)", () => {
    expect(isTriggerCandidate("pull_request", "closed")).toBe(true);
    const expected = { action: "merged", issue: 5, prNumber: 12, installationId: 1 };
    expect(decide("pull_request", closed(), settings)).toMatchObject(expected);
    expect(decide("pull_request", slimPayload(closed()), settings)).toMatchObject(expected);
  });

  it("ignores a PR closed without merging, someone else's PR, and other branches", () => {
    expect(decide("pull_request", closed({ merged: false }), settings)).toMatchObject({ action: "ignore", reason: expect.stringContaining("without merging") });
    expect(decide("pull_request", closed({ opener: "octocat" }), settings)).toMatchObject({ action: "ignore", reason: expect.stringContaining("not opened by the app") });
    expect(decide("pull_request", closed({ ref: "feature" }), settings)).toMatchObject({ action: "ignore", reason: expect.stringContaining("app's branches") });
    expect(decide("pull_request", { ...closed(), action: "opened" }, settings)).toMatchObject({ action: "ignore" });
  });

  it("reads the issue with the repository's own branch prefix", () => {
    expect(decide("pull_request", closed({ ref: "venom/5" }), { ...settings, branchPrefix: "venom/" })).toMatchObject({ action: "merged", issue: 5 });
  });
});
