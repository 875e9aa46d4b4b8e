// A Teams outgoing webhook's signature: `Authorization: HMAC <base64 HMAC-SHA256 of the raw body>`, keyed by the decoded secret.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { SignatureCheck } from "./slack-signature.js";

const HEADER = /^HMAC ([A-Za-z0-9+/]{1,200}={0,2})$/;

/** `secret` is the security token as Teams shows it (base64); Teams signs with its decoded bytes. */
export function verifyTeamsSignature(authorization: string | undefined, body: string, secret: string): SignatureCheck {
  if (!authorization) return { ok: false, reason: "missing Authorization" };
  const given = HEADER.exec(authorization.trim())?.[1];
  if (!given) return { ok: false, reason: 'Authorization is not "HMAC <base64>"' };
  const givenBytes = Buffer.from(given, "base64");
  const expected = createHmac("sha256", Buffer.from(secret, "base64")).update(body, "utf8").digest();
  // A SHA-256 digest is 32 bytes: another length cannot match, and timingSafeEqual needs equal lengths.
  if (givenBytes.length !== expected.length) return { ok: false, reason: "signature does not match" };
  return timingSafeEqual(givenBytes, expected) ? { ok: true } : { ok: false, reason: "signature does not match" };
}

/** The Authorization value Teams sends for this body (for tests and local fakes). */
export function teamsAuthorization(secret: string, body: string): string {
  return `HMAC ${createHmac("sha256", Buffer.from(secret, "base64")).update(body, "utf8").digest("base64")}`;
}
