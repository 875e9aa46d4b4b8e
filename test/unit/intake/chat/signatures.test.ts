// Slack's v0 request signature and a Teams outgoing webhook's HMAC: what passes and what is refused.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackSignature } from "../../../../src/intake/chat/slack-signature.js";
import { teamsAuthorization, verifyTeamsSignature } from "../../../../src/intake/chat/teams-signature.js";

const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const body = "payload=%7B%22type%22%3A%22block_actions%22%7D";
const now = 1_700_000_000_000;
const timestamp = String(now / 1000);

describe("verifySlackSignature", () => {
  it("accepts Slack's documented example signature", () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const exampleBody =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const check = verifySlackSignature(
      { timestamp: "1531420618", signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", body: exampleBody },
      "8f742231b10e8888abcd99yyyzzz85a5",
      1_531_420_618_000 + 60_000,
    );
    expect(check).toEqual({ ok: true });
  });

  it("accepts a valid signature within the window", () => {
    expect(verifySlackSignature({ timestamp, signature: slackSignature(secret, timestamp, body), body }, secret, now + 299_000)).toEqual({ ok: true });
  });

  it("refuses a signature made with another secret", () => {
    const check = verifySlackSignature({ timestamp, signature: slackSignature("another-secret", timestamp, body), body }, secret, now);
    expect(check).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("refuses a tampered body", () => {
    const check = verifySlackSignature({ timestamp, signature: slackSignature(secret, timestamp, body), body: `${body}x` }, secret, now);
    expect(check.ok).toBe(false);
  });

  it("refuses a timestamp older than 5 minutes, even with a valid signature", () => {
    const check = verifySlackSignature({ timestamp, signature: slackSignature(secret, timestamp, body), body }, secret, now + 5 * 60_000 + 1_000);
    expect(check).toEqual({ ok: false, reason: "timestamp older than 5 minutes" });
  });

  it("refuses a timestamp more than 5 minutes in the future", () => {
    const check = verifySlackSignature({ timestamp, signature: slackSignature(secret, timestamp, body), body }, secret, now - 5 * 60_000 - 1_000);
    expect(check).toEqual({ ok: false, reason: "timestamp more than 5 minutes in the future" });
  });

  it("refuses missing headers and malformed values", () => {
    expect(verifySlackSignature({ timestamp, signature: undefined, body }, secret, now)).toEqual({ ok: false, reason: "missing x-slack-signature" });
    expect(verifySlackSignature({ timestamp: undefined, signature: slackSignature(secret, timestamp, body), body }, secret, now).ok).toBe(false);
    expect(verifySlackSignature({ timestamp: "soon", signature: slackSignature(secret, timestamp, body), body }, secret, now).ok).toBe(false);
    expect(verifySlackSignature({ timestamp, signature: "v0=abc", body }, secret, now)).toEqual({ ok: false, reason: "malformed x-slack-signature" });
  });
});

describe("verifyTeamsSignature", () => {
  const teamsSecret = Buffer.from("a shared secret of 32 bytes....!").toString("base64");
  const activity = JSON.stringify({ type: "message", text: "<at>Venom</at> retry octo/calc#3" });

  it("accepts the base64 HMAC-SHA256 of the body keyed with the decoded secret", () => {
    const expected = createHmac("sha256", Buffer.from(teamsSecret, "base64")).update(activity).digest("base64");
    expect(teamsAuthorization(teamsSecret, activity)).toBe(`HMAC ${expected}`);
    expect(verifyTeamsSignature(`HMAC ${expected}`, activity, teamsSecret)).toEqual({ ok: true });
  });

  it("refuses a wrong signature, the secret used undecoded, and a tampered body", () => {
    const undecoded = createHmac("sha256", teamsSecret).update(activity).digest("base64");
    expect(verifyTeamsSignature(`HMAC ${undecoded}`, activity, teamsSecret)).toEqual({ ok: false, reason: "signature does not match" });
    expect(verifyTeamsSignature(teamsAuthorization(teamsSecret, activity), `${activity} `, teamsSecret).ok).toBe(false);
    const other = Buffer.from("another secret").toString("base64");
    expect(verifyTeamsSignature(teamsAuthorization(other, activity), activity, teamsSecret).ok).toBe(false);
  });

  it("refuses a missing header", () => {
    expect(verifyTeamsSignature(undefined, activity, teamsSecret)).toEqual({ ok: false, reason: "missing Authorization" });
  });

  it("refuses a header that is not HMAC <base64>", () => {
    expect(verifyTeamsSignature("HMAC not*base64!", activity, teamsSecret).ok).toBe(false);
    expect(verifyTeamsSignature("Bearer abc", activity, teamsSecret).ok).toBe(false);
    // Valid base64 of the wrong length: refused without comparing.
    expect(verifyTeamsSignature("HMAC YWJj", activity, teamsSecret)).toEqual({ ok: false, reason: "signature does not match" });
  });
});
