import { describe, expect, it } from "vitest";
import { decide, isTriggerCandidate, needsPermission, slimPayload, type TriggerPayload } from "../../../src/intake/decide.js";
import { issueOfBranch, venomRequest } from "../../../src/intake/follow-up-decision.js";
import { example, type Payload } from "../../fixtures/webhooks.js";

const APP_ID = 4242;
const settings = { triggerLabel: "venom", botLogin: "venom-integrator[bot]", appId: APP_ID };
const maintainer = { login: "octocat", type: "User" };

/** An official example moved onto the app's branch `issue-7` (the examples use the branch `changes`). */
function onOurBranch(payload: Payload): Payload & TriggerPayload {
  const copy = structuredClone(payload) as Payload & TriggerPayload;
  const retarget = (pull: { head?: { ref?: string } | null } | undefined) => {
    if (pull?.head) pull.head.ref = "issue-7";
  };
  retarget(copy.pull_request ?? undefined);
  for (const pull of copy.check_run?.pull_requests ?? []) retarget(pull);
  for (const pull of copy.check_suite?.pull_requests ?? []) retarget(pull);
  if (copy.check_run?.check_suite) copy.check_run.check_suite.head_branch = "issue-7";
  if (copy.check_suite) copy.check_suite.head_branch = "issue-7";
  if (copy.workflow_run) copy.workflow_run.head_branch = "issue-7";
  for (const branch of copy.branches ?? []) if (branch.commit?.sha === copy.sha) branch.name = "issue-7";
  return copy;
}

function review(state: string, body: string | null, sender = maintainer) {
  const payload = onOurBranch(example("pull_request_review", "submitted"));
  payload.review = { ...payload.review, state, body, user: sender };
  payload.sender = sender;
  return payload;
}

function reviewComment(body: string, sender = maintainer) {
  const payload = onOurBranch(example("pull_request_review_comment", "created"));
  payload.comment = { ...payload.comment, body, user: sender, line: 12 };
  payload.sender = sender;
  return payload;
}

/** Decides as intake does: through the slim copy the inbox stores. */
function decideStored(name: string, payload: TriggerPayload, permission?: Parameters<typeof decide>[3], pullHeadRef?: string) {
  return decide(name, slimPayload(payload), settings, permission, { pullHeadRef });
}

describe("follow-up decisions on the app's own pull request", () => {
  it("reads the issue number from the app's branch only", () => {
    expect(issueOfBranch("issue-12")).toBe(12);
    expect(issueOfBranch("venom/12", "venom/")).toBe(12);
    for (const branch of ["issue-", "issue-0", "issue-12a", "changes", "feature/issue-12", undefined]) expect(issueOfBranch(branch)).toBeUndefined();
  });

  it("takes /venom at the start only: a quote-reply of the app's comment is no command", () => {
    expect(venomRequest("/venom rename the helper")).toBe("rename the helper");
    expect(venomRequest("  /venom")).toBe("");
    expect(venomRequest("> /venom rename it\n\nwhy?")).toBeUndefined();
    expect(venomRequest("/venomous")).toBeUndefined();
  });

  it("a maintainer's changes_requested review starts a review round for the branch's issue", () => {
    const payload = review("changes_requested", "Please rename the helper.");
    expect(needsPermission("pull_request_review", payload)).toBe(true);
    expect(isTriggerCandidate("pull_request_review", "submitted")).toBe(true);
    expect(decideStored("pull_request_review", payload, "maintain")).toMatchObject({
      action: "follow-up",
      trigger: "review",
      repo: "Codertocat/Hello-World",
      issue: 7,
      actor: "octocat",
      installationId: 1,
      feedback: { kind: "review", prNumber: 2, reviewId: payload.review?.id, body: "Please rename the helper.", author: "octocat", inlineComments: [] },
    });
  });

  it("an approving or commenting review starts nothing unless it starts with /venom", () => {
    expect(decideStored("pull_request_review", example("pull_request_review", "submitted"), "admin").action).toBe("ignore");
    expect(decideStored("pull_request_review", review("commented", "Looks fine"), "admin").action).toBe("ignore");
    expect(decideStored("pull_request_review", review("commented", "/venom add a test"), "admin")).toMatchObject({
      action: "follow-up",
      feedback: { body: "add a test" },
    });
  });

  it("a review from a read-only user, a bot or the app itself starts nothing", () => {
    expect(decideStored("pull_request_review", review("changes_requested", "no"), "read")).toMatchObject({ action: "ignore" });
    expect(decideStored("pull_request_review", review("changes_requested", "no"), undefined).action).toBe("ignore");
    const app = { login: "venom-integrator[bot]", type: "Bot" };
    expect(needsPermission("pull_request_review", review("changes_requested", "no", app))).toBe(false);
    expect(decideStored("pull_request_review", review("changes_requested", "no", app), "admin").action).toBe("ignore");
    expect(decideStored("pull_request_review", review("changes_requested", "no", { login: "dependabot[bot]", type: "User" }), "admin").action).toBe("ignore");
  });

  it("a review on someone else's branch starts nothing", () => {
    const payload = review("changes_requested", "no");
    payload.pull_request!.head!.ref = "changes";
    expect(decideStored("pull_request_review", payload, "admin")).toMatchObject({ action: "ignore", reason: expect.stringContaining("not on one of the app's branches") });
  });

  it("a /venom review comment carries its path, line and diff hunk", () => {
    const payload = reviewComment("/venom use a constant here");
    const decision = decideStored("pull_request_review_comment", payload, "write");
    expect(decision).toMatchObject({
      action: "follow-up",
      trigger: "review",
      issue: 7,
      feedback: {
        kind: "review",
        prNumber: 2,
        inlineComments: [{ id: payload.comment?.id, path: "README.md", line: 12, diffHunk: payload.comment?.diff_hunk, body: "use a constant here", author: "octocat" }],
      },
    });
    expect(decideStored("pull_request_review_comment", reviewComment("> /venom use a constant here\nthanks"), "write").action).toBe("ignore");
    expect(decideStored("pull_request_review_comment", reviewComment("/venom use a constant"), "triage").action).toBe("ignore");
  });

  it("a /venom comment on the app's PR starts a review round (its head looked up by intake); cancel cancels", () => {
    const payload = example("issue_comment", "created");
    payload.issue = { ...payload.issue, number: 9, pull_request: { url: "x" } };
    payload.comment = { ...payload.comment!, body: "/venom also update the docs", user: maintainer };
    payload.sender = maintainer;
    expect(needsPermission("issue_comment", payload)).toBe(true);
    expect(decideStored("issue_comment", payload, "admin", "issue-7")).toMatchObject({
      action: "follow-up",
      trigger: "review",
      issue: 7,
      feedback: { kind: "review", prNumber: 9, body: "also update the docs", commentId: (payload.comment as { id?: number }).id, inlineComments: [] },
    });
    expect(decideStored("issue_comment", payload, "admin", "changes").action).toBe("ignore");
    expect(decideStored("issue_comment", payload, "read", "issue-7").action).toBe("ignore");
    payload.comment.body = "/venom cancel";
    expect(decideStored("issue_comment", payload, "admin", "issue-7")).toMatchObject({ action: "cancel", issue: 7 });
  });

  it("a failing check run, check suite, workflow run or status starts one CI round per head commit, whoever sent it", () => {
    const run = onOurBranch(example("check_run", "completed"));
    run.sender = { login: "venom-integrator[bot]", type: "Bot" };
    const sha = run.check_run?.head_sha ?? "";
    const ci = { action: "follow-up", trigger: "ci", issue: 7, onceKey: `ci:7:${sha}@Codertocat/Hello-World` };
    expect(decideStored("check_run", run)).toMatchObject({ ...ci, feedback: { kind: "ci", prNumber: 2, headSha: sha, failures: [] } });
    const suite = onOurBranch(example("check_suite", "completed"));
    suite.check_suite!.conclusion = "timed_out";
    suite.check_suite!.head_sha = sha;
    expect(decideStored("check_suite", suite)).toMatchObject(ci);
    const workflow = onOurBranch(example("workflow_run", "completed"));
    workflow.workflow_run!.conclusion = "failure";
    workflow.workflow_run!.head_sha = sha;
    expect(decideStored("workflow_run", workflow)).toMatchObject(ci);
    const status = example("status", undefined as unknown as string) as Payload & TriggerPayload;
    status.state = "error";
    status.sha = sha;
    for (const branch of status.branches ?? []) if (branch.commit) branch.commit.sha = branch.name === "changes" ? sha : "other";
    expect(decideStored("status", onOurBranch(status))).toMatchObject({ ...ci, feedback: { kind: "ci", prNumber: 0, headSha: sha } });
  });

  it("ignores green results, the app's own check runs and other branches; reports workflows awaiting approval", () => {
    expect(decideStored("check_run", example("check_run", "completed")).action).toBe("ignore");
    const own = onOurBranch(example("check_run", "completed"));
    own.check_run!.app = { id: APP_ID };
    expect(decideStored("check_run", own)).toMatchObject({ action: "ignore", reason: expect.stringContaining("app's own") });
    expect(decideStored("check_suite", onOurBranch(example("check_suite", "completed"))).action).toBe("ignore");
    const waiting = onOurBranch(example("workflow_run", "completed"));
    waiting.workflow_run!.conclusion = "action_required";
    // Awaiting approval is no failure: a job that only reports it (no Coder round), keyed apart from the failures.
    expect(decideStored("workflow_run", waiting)).toMatchObject({ action: "follow-up", trigger: "ci", feedback: { kind: "ci", failures: [], awaitingApproval: [expect.stringContaining("workflow run")] }, onceKey: expect.stringMatching(/^ci-approval:/) });
    const pending = example("status", undefined as unknown as string) as Payload & TriggerPayload;
    expect(decideStored("status", onOurBranch(pending)).action).toBe("ignore");
  });
});
