import pino from "pino";
import { describe, expect, it } from "vitest";
import { PermissionCache, type PermissionRequest } from "../../../src/github/permissions.js";
import { Intake } from "../../../src/intake/intake.js";
import { RepoLabelCache } from "../../../src/intake/repo-label.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import { example } from "../../fixtures/webhooks.js";

/** GitHub's answers for one repository whose venom.yml sets `branch_prefix: venom/`; PR #9's head is `venom/12`. */
function github(calls: string[]): PermissionRequest {
  const request = async (route: string, parameters: Record<string, unknown>) => {
    calls.push(route);
    if (route.includes("/permission")) return { data: { permission: parameters.username === "maintainer" ? "write" : "read" } };
    if (route.includes("/contents/")) return { data: { content: Buffer.from("branch_prefix: venom/\n").toString("base64") } };
    if (route.includes("/pulls/")) return { data: { head: { ref: "venom/12" } } };
    throw Object.assign(new Error("Not Found"), { status: 404 });
  };
  return request as unknown as PermissionRequest;
}

function prComment(body: string, login: string) {
  const payload = example("issue_comment", "created");
  payload.issue = { ...payload.issue, number: 9, state: "open", pull_request: { url: "x" } };
  payload.comment = { ...payload.comment!, body, user: { login, type: "User" } };
  payload.sender = { login, type: "User" };
  return payload;
}

describe("Intake: follow-ups on the app's pull requests", () => {
  it("reads the issue from the PR's head with the repository's branch_prefix, for writers only", async () => {
    const queue = new SqliteJobQueue(openDatabase(":memory:"));
    const intake = new Intake({
      queue,
      permissions: new PermissionCache(),
      repoLabels: new RepoLabelCache(),
      settings: () => ({ triggerLabel: "venom" }),
      log: pino({ level: "silent" }),
    });
    const calls: string[] = [];
    const request = github(calls);
    const outsider = await intake.handleEvent({ id: "d1", name: "issue_comment", payload: prComment("/venom do more", "stranger"), request });
    expect(outsider.kind).toBe("ignored");
    // An outsider's comment costs one permission lookup, never a read of the PR.
    expect(calls.some((route) => route.includes("/pulls/"))).toBe(false);

    const outcome = await intake.handleEvent({ id: "d2", name: "issue_comment", payload: prComment("/venom also update the docs", "maintainer"), request });
    expect(outcome).toMatchObject({ kind: "enqueued", job: { issue: 12, trigger: "review", actor: "maintainer" } });
    expect(outcome.kind === "enqueued" && outcome.job.data.followUp).toMatchObject([{ kind: "review", prNumber: 9, body: "also update the docs" }]);
    // The same comment redelivered under another id: acted on once.
    expect((await intake.handleEvent({ id: "d3", name: "issue_comment", payload: prComment("/venom also update the docs", "maintainer"), request })).kind).toBe("ignored");
  });
});
