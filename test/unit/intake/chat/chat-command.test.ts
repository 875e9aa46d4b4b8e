// Teams command text and Slack interactivity payloads → the command; unknown words, targets and buttons say why.
import { describe, expect, it } from "vitest";
import { parseChatCommand, parseTarget } from "../../../../src/intake/chat/chat-command.js";
import { githubLoginFor } from "../../../../src/intake/chat/chat-users.js";
import { parseSlackAction } from "../../../../src/intake/chat/slack-action-payload.js";

describe("parseChatCommand", () => {
  it("strips the mention and reads the command and its target", () => {
    expect(parseChatCommand("<at>Venom</at> retry octo/calc#3")).toEqual({ action: "retry", target: { repo: "octo/calc", issue: 3 } });
    expect(parseChatCommand("<at>Venom</at>&nbsp;Cancel lq2x9abc12ef\n")).toEqual({ action: "cancel", target: { jobId: "lq2x9abc12ef" } });
    expect(parseChatCommand("<p><at>Venom</at> approve octo/calc#12</p>")).toEqual({ action: "approve", target: { repo: "octo/calc", issue: 12 } });
  });

  it("says what to send for an unknown command or a missing target", () => {
    expect(parseChatCommand("<at>Venom</at> deploy prod")).toHaveProperty("error", expect.stringContaining("Unknown command"));
    expect(parseChatCommand("<at>Venom</at> retry")).toHaveProperty("error", expect.stringContaining("Which run?"));
    expect(parseChatCommand("retry octo/calc#3 now")).toHaveProperty("error");
    expect(parseChatCommand("retry octo/calc#0")).toHaveProperty("error");
  });

  it("stays linear on hostile text", () => {
    const started = Date.now();
    parseChatCommand(`${"<at>".repeat(20_000)}${"<".repeat(50_000)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe("parseTarget", () => {
  it("reads an issue ref or a job id, nothing else", () => {
    expect(parseTarget("octo/calc#3")).toEqual({ repo: "octo/calc", issue: 3 });
    expect(parseTarget("lq2x9abc12ef")).toEqual({ jobId: "lq2x9abc12ef" });
    expect(parseTarget("../etc/passwd")).toBeUndefined();
  });
});

describe("parseSlackAction", () => {
  const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const click = (actionId: string, value = "lq2x9abc12ef") => ({
    type: "block_actions",
    user: { id: "U012ABCDEF", username: "ana" },
    response_url: "https://hooks.slack.com/actions/T1/2/abc",
    actions: [{ action_id: actionId, block_id: "venom-run-lq2x9abc12ef", value, type: "button" }],
  });

  it("reads who clicked which of our buttons for which job", () => {
    expect(parseSlackAction(form(click("retry")))).toEqual({
      userId: "U012ABCDEF",
      command: { action: "retry", target: { jobId: "lq2x9abc12ef" } },
      responseUrl: "https://hooks.slack.com/actions/T1/2/abc",
    });
    expect(parseSlackAction(form(click("approve", "octo/calc#4")))).toMatchObject({ command: { action: "approve", target: { repo: "octo/calc", issue: 4 } } });
  });

  it("ignores the Open PR link button and other interaction types", () => {
    expect(parseSlackAction(form(click("open_pr")))).toHaveProperty("ignore");
    expect(parseSlackAction(form({ type: "view_submission", user: { id: "U1" } }))).toHaveProperty("ignore");
  });

  it("refuses malformed bodies", () => {
    expect(parseSlackAction("nothing=here")).toEqual({ error: "no payload field" });
    expect(parseSlackAction("payload=%7Bnot%20json")).toEqual({ error: "payload is not JSON" });
    expect(parseSlackAction(form({ ...click("retry"), user: {} }))).toEqual({ error: "payload names no user" });
    expect(parseSlackAction(form(click("retry", "")))).toEqual({ error: "the button carries no job id" });
  });
});

describe("githubLoginFor", () => {
  it("maps the first known id, and nothing for unknown ones or inherited keys", () => {
    const users = { "aad-1": "ana", U1: "bo" };
    expect(githubLoginFor(users, [undefined, "aad-1"])).toBe("ana");
    expect(githubLoginFor(users, ["U2"])).toBeUndefined();
    expect(githubLoginFor(users, ["constructor", "__proto__"])).toBeUndefined();
  });
});
