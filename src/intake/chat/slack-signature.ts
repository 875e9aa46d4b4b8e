// Slack's request signature: `x-slack-signature` = "v0=" + hex HMAC-SHA256 of "v0:<timestamp>:<raw body>", within 5 minutes.
import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a request's timestamp may be from now, either way (Slack's own advice: 5 minutes). */
export const SLACK_SIGNATURE_WINDOW_MS = 5 * 60_000;

export interface SlackSignedRequest {
  /** `x-slack-request-timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `x-slack-signature`. */
  signature: string | undefined;
  /** The body exactly as received. */
  body: string;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const SECONDS = /^\d{1,12}$/;

/** Checks the signature (constant time) and the timestamp's age; replays within the window are the caller's to refuse. */
export function verifySlackSignature(request: SlackSignedRequest, signingSecret: string, now = Date.now()): SignatureCheck {
  const { timestamp, signature, body } = request;
  if (!signature) return { ok: false, reason: "missing x-slack-signature" };
  if (!timestamp || !SECONDS.test(timestamp)) return { ok: false, reason: "missing or malformed x-slack-request-timestamp" };
  const age = now - Number(timestamp) * 1000;
  if (age > SLACK_SIGNATURE_WINDOW_MS) return { ok: false, reason: "timestamp older than 5 minutes" };
  if (age < -SLACK_SIGNATURE_WINDOW_MS) return { ok: false, reason: "timestamp more than 5 minutes in the future" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed x-slack-signature" };
  const expected = slackSignature(signingSecret, timestamp, body);
  return timingSafeEqual(Buffer.from(signature), Buffer.from(expected)) ? { ok: true } : { ok: false, reason: "signature does not match" };
}

/** The signature Slack sends for this body (exported for tests and local fakes). */
export function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}
