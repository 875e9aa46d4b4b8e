import { describe, expect, it } from "vitest";
import { decide, needsPermission, parseRevision, parseSlashCommand, type Permission } from "../../../src/intake/decide.js";
import { example, examples, type Payload } from "../../fixtures/webhooks.js";

const settings = { triggerLabel: "venom", botLogin: "venom-integrator[bot]", assignee: "venom-helper" };

function labeled(label: string): Payload {
  const payload = example("issues", "labeled");
  payload.label = { ...payload.label, name: label };
  return payload;
}

function comment(body: string, sender = { login: "octocat", type: "User" }): Payload {
  const payload = example("issue_comment", "created");
  payload.comment = { ...payload.comment!, body, user: sender };
  payload.sender = sender;
  payload.issue = { ...payload.issue, state: "open" };
  delete payload.issue.pull_request;
  return payload;
}

describe("decide against the official examples", () => {
  const issueActions = [...new Set(examples("issues").map((payload) => payload.action))];

  it.each(issueActions)("issues.%s with the examples as sent starts nothing unless it is the trigger", (action) => {
    for (const payload of examples("issues", action)) {
      const decision = decide("issues", payload, settings);
      expect(decision.action).toBe("ignore");
    }
  });

  it.each(["created", "edited", "deleted"])("issue_comment.%s as sent starts nothing", (action) => {
    for (const payload of examples("issue_comment", action)) {
      for (const permission of ["admin", "read", undefined] as Array<Permission | undefined>) {
        expect(decide("issue_comment", payload, settings, permission).action).toBe("ignore");
      }
    }
  });

  it("the trigger label starts a run (case-insensitive), with repo, issue and installation", () => {
    const decision = decide("issues", labeled("Venom"), settings);
    expect(decision).toMatchObject({
      action: "enqueue",
      trigger: "label",
      command: "fix",
      repo: "Codertocat/Hello-World",
      issue: 1,
      installationId: 1,
      actor: "Codertocat",
    });
  });

  it("another label starts nothing", () => {
    expect(decide("issues", labeled("bug"), settings)).toMatchObject({ action: "ignore" });
  });

  it("a label on a closed issue or a pull request starts nothing", () => {
    const closed = labeled("venom");
    closed.issue = { ...closed.issue, state: "closed" };
    expect(decide("issues", closed, settings).action).toBe("ignore");
    const pull = labeled("venom");
    pull.issue = { ...pull.issue, pull_request: { url: "x" } };
    expect(decide("issues", pull, settings).action).toBe("ignore");
  });

  it("the official assigned examples start a run when their assignee is VENOM_ASSIGNEE (case-insensitive)", () => {
    for (const payload of examples("issues", "assigned")) {
      const assignee = payload.assignee?.login ?? "";
      expect(decide("issues", payload, { ...settings, assignee: assignee.toUpperCase() })).toMatchObject({
        action: "enqueue",
        trigger: "assign",
        command: "fix",
        repo: "Codertocat/Hello-World",
        installationId: 1,
      });
    }
  });

  it("assignment to anyone else, the App's own bot included, starts nothing; nor does any without VENOM_ASSIGNEE", () => {
    for (const payload of examples("issues", "assigned")) {
      payload.assignee = { ...payload.assignee!, login: "venom-integrator[bot]" };
      expect(decide("issues", payload, settings)).toMatchObject({ action: "ignore", reason: "assigned to venom-integrator[bot], not to venom-helper" });
      payload.assignee = { ...payload.assignee, login: "venom-helper" };
      const appMode = { triggerLabel: "venom", botLogin: "venom-integrator[bot]" };
      expect(decide("issues", payload, appMode)).toMatchObject({ action: "ignore", reason: expect.stringContaining("VENOM_ASSIGNEE") });
    }
  });

  it.each([
    ["/venom fix", "enqueue", "fix"],
    ["/venom", "enqueue", "fix"],
    ["  /venom plan please", "enqueue", "plan"],
    ["/VENOM FIX", "enqueue", "fix"],
  ])("%s from a writer starts a run", (body, action, command) => {
    for (const permission of ["admin", "maintain", "write"] as Permission[]) {
      expect(decide("issue_comment", comment(body), settings, permission)).toMatchObject({
        action,
        trigger: "comment",
        command,
      });
    }
  });

  it("/venom cancel and /venom retry from a writer", () => {
    expect(decide("issue_comment", comment("/venom cancel"), settings, "write").action).toBe("cancel");
    expect(decide("issue_comment", comment("/venom retry"), settings, "admin").action).toBe("retry");
  });

  it.each(["triage", "read", "none", undefined] as Array<Permission | undefined>)(
    "/venom fix from a user with %s permission starts nothing",
    (permission) => {
      expect(decide("issue_comment", comment("/venom fix"), settings, permission).action).toBe("ignore");
    },
  );

  it("comments from bots — the app itself above all — start nothing, even with permission", () => {
    const own = comment("/venom fix", { login: "venom-integrator[bot]", type: "Bot" });
    expect(decide("issue_comment", own, settings, "admin").action).toBe("ignore");
    const other = comment("/venom fix", { login: "dependabot[bot]", type: "Bot" });
    expect(decide("issue_comment", other, settings, "admin").action).toBe("ignore");
    expect(needsPermission("issue_comment", own)).toBe(false);
    const labelByBot = labeled("venom");
    labelByBot.sender = { login: "venom-integrator[bot]", type: "Bot" };
    expect(decide("issues", labelByBot, settings).action).toBe("ignore");
  });

  it("/venom revise <text> from a writer is a plan-only run carrying the text; without text, or from a reader, nothing", () => {
    expect(decide("issue_comment", comment("/venom revise use a different approach\nand keep add()"), settings, "write")).toMatchObject({
      action: "enqueue",
      trigger: "comment",
      command: "plan",
      revision: "use a different approach\nand keep add()",
    });
    expect(decide("issue_comment", comment("/venom revise   "), settings, "admin")).toMatchObject({ action: "ignore", reason: expect.stringContaining("needs the change") });
    expect(decide("issue_comment", comment("/venom revise do it"), settings, "read").action).toBe("ignore");
    expect(needsPermission("issue_comment", comment("/venom revise do it"))).toBe(true);
    expect(decide("issue_comment", comment("/venom fix"), settings, "write")).not.toHaveProperty("revision");
  });

  it("only /venom comments need a permission lookup", () => {
    expect(needsPermission("issue_comment", comment("/venom fix"))).toBe(true);
    expect(needsPermission("issue_comment", comment("thanks!"))).toBe(false);
    expect(needsPermission("issue_comment", comment("/venom dance"))).toBe(false);
    expect(needsPermission("issues", labeled("venom"))).toBe(false);
  });
});

describe("parseSlashCommand", () => {
  it.each([
    ["/venom fix", "fix"],
    ["/venom", "fix"],
    ["/venom\nmore text", "fix"],
    ["/venom retry", "retry"],
    ["/venom cancel now", "cancel"],
    ["/venom dance", "unknown"],
    ["/venom revise smaller steps", "revise"],
    ["/venomous", undefined],
    ["please /venom fix", undefined],
    ["", undefined],
  ])("%j → %s", (body, expected) => {
    expect(parseSlashCommand(body)).toBe(expected);
  });
});

describe("parseRevision", () => {
  it.each([
    ["/venom revise use a different approach", "use a different approach"],
    ["  /VENOM Revise\n  split it in two  ", "split it in two"],
    ["/venom revise", ""],
    ["/venom revised plan", undefined],
    ["/venom fix", undefined],
    [undefined, undefined],
  ])("%j → %j", (body, expected) => {
    expect(parseRevision(body)).toBe(expected);
  });

  it("keeps at most 4000 characters and stays linear on a long hostile comment", () => {
    const started = performance.now();
    expect(parseRevision(`/venom revise ${"a ".repeat(100_000)}`)?.length).toBe(4_000);
    expect(parseRevision(`${" ".repeat(100_000)}/venom${"\t".repeat(100_000)}x`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
