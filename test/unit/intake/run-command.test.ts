import { describe, expect, it } from "vitest";
import { decide, parseSlashCommand, type TriggerPayload } from "../../../src/intake/decide.js";
import { parseRunCommand } from "../../../src/intake/run-command.js";
import { example } from "../../fixtures/webhooks.js";

describe("parseRunCommand", () => {
  it("reads the workflow and key=value inputs, quoted values included", () => {
    expect(parseRunCommand("/venom run ci.yml")).toEqual({ workflow: "ci.yml", inputs: {} });
    expect(parseRunCommand('/venom run deploy.yml target=prod note="two words" who=\'a b\' empty=')).toEqual({
      workflow: "deploy.yml",
      inputs: { target: "prod", note: "two words", who: "a b", empty: "" },
    });
    expect(parseRunCommand('  /VENOM   RUN  ci.yml  msg="say \\"hi\\"" path=a=b')).toEqual({ workflow: "ci.yml", inputs: { msg: 'say "hi"', path: "a=b" } });
  });

  it("reads the first line only", () => {
    expect(parseRunCommand("/venom run ci.yml a=1\nb=2 is prose")).toEqual({ workflow: "ci.yml", inputs: { a: "1" } });
  });

  it("says what is wrong with a /venom run it cannot read", () => {
    expect(parseRunCommand("/venom run")).toEqual({ error: expect.stringContaining("needs a workflow") });
    expect(parseRunCommand("/venom run ci.yml notapair")).toEqual({ error: '"notapair" is not key=value' });
    expect(parseRunCommand("/venom run ci.yml =x")).toEqual({ error: '"=x" is not key=value' });
    expect(parseRunCommand('/venom run ci.yml a="open')).toEqual({ error: 'unclosed " quote' });
    const many = Array.from({ length: 11 }, (_, index) => `k${index}=v`).join(" ");
    expect(parseRunCommand(`/venom run ci.yml ${many}`)).toEqual({ error: "at most 10 inputs" });
  });

  it("is not a /venom run for other comments", () => {
    expect(parseRunCommand("/venom fix")).toBeUndefined();
    expect(parseRunCommand("please /venom run ci.yml")).toBeUndefined();
    expect(parseRunCommand(undefined)).toBeUndefined();
  });

  it("stays linear on a long hostile line", () => {
    const started = Date.now();
    parseRunCommand(`/venom run ci.yml ${'a="'.repeat(50_000)}`);
    parseRunCommand(`/venom run ci.yml ${"x=".repeat(100_000)}`);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("decide: /venom run", () => {
  const comment = (body: string): TriggerPayload => {
    const payload = example("issue_comment", "created") as unknown as TriggerPayload;
    payload.comment = { ...payload.comment, body, user: { login: "maintainer", type: "User" } };
    payload.sender = { login: "maintainer", type: "User" };
    payload.issue = { ...payload.issue, number: 7, state: "open" };
    delete payload.issue.pull_request;
    return payload;
  };
  const settings = { triggerLabel: "venom" };

  it("is a slash command", () => {
    expect(parseSlashCommand("/venom run ci.yml")).toBe("run");
  });

  it("enqueues a run job with the workflow for writers", () => {
    const decision = decide("issue_comment", comment("/venom run ci.yml target=prod"), settings, "write");
    expect(decision).toMatchObject({ action: "enqueue", trigger: "comment", command: "run", issue: 7, workflowRun: { workflow: "ci.yml", inputs: { target: "prod" } } });
  });

  it("starts nothing for readers, or for a command it cannot read", () => {
    expect(decide("issue_comment", comment("/venom run ci.yml"), settings, "read")).toMatchObject({ action: "ignore" });
    expect(decide("issue_comment", comment("/venom run ci.yml oops"), settings, "admin")).toEqual({ action: "ignore", reason: '/venom run: "oops" is not key=value' });
  });
});
