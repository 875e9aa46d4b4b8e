// POST /api/github/webhooks: verify the signature, put the delivery in the inbox, answer — nothing slow.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { createReadGate } from "../http/read-gate.js";
import { BodyReadError, pathOf, readBody, send, type RouteHandler } from "../http/respond.js";
import { excerpt } from "../log.js";
import type { Delivery, DeliveryInbox } from "../queue/inbox.js";
import { isTriggerCandidate, slimPayload, type TriggerPayload } from "./decide.js";

/** GitHub caps payloads at 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;
/** Bodies read at once before their signature is checked: each may be up to 25 MB, so memory stays bounded. */
export const DEFAULT_MAX_UNVERIFIED_READS = 16;
/** GitHub gives up on a delivery after 10 s; a body still arriving after that is a slow client holding a read slot. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

interface LimitDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface WebhookEndpointOptions {
  path: string;
  inbox: DeliveryInbox;
  /** Checks `X-Hub-Signature-256` against the webhook secret; undefined when no secret is configured. */
  verify: ((body: string, signature: string) => Promise<boolean>) | undefined;
  /** Processes an accepted delivery after the answer is sent. */
  dispatch: (delivery: Delivery) => void;
  log: Logger;
  now?: () => number;
  /**
   * The webhook group's inbound limit. Anything refused (no or a bad signature, a bad request) spends its address's
   * budget, and an address past it is refused before its body is read. Signed deliveries count against their
   * installation and are accepted even over the limit (GitHub does not redeliver on its own).
   */
  limiter?: {
    check(request: IncomingMessage, authenticated?: string): LimitDecision;
    peek(request: IncomingMessage): LimitDecision;
    reject(response: ServerResponse, decision: LimitDecision): void;
  };
  /** Counts what happened to each delivery (accepted, duplicate, refused, over_limit, too_large, unread, busy). */
  onOutcome?: (event: string, outcome: string) => void;
  /** Bodies read at once before verification (default {@link DEFAULT_MAX_UNVERIFIED_READS}); beyond it, 503. */
  maxUnverifiedReads?: number;
  /** Default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  bodyTimeoutMs?: number;
}

export function createWebhookEndpoint(options: WebhookEndpointOptions): RouteHandler {
  const { path, inbox, verify, dispatch, log, limiter } = options;
  const now = options.now ?? Date.now;
  const reads = createReadGate(options.maxUnverifiedReads ?? DEFAULT_MAX_UNVERIFIED_READS);
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const count = (event: string, outcome: string) => options.onOutcome?.(event, outcome);
  return async (request, response) => {
    if (pathOf(request) !== path) return false;
    // Answers sent before the body is read close the connection, so the unread body is never received.
    const unread = () => response.setHeader("connection", "close");
    // An address that spent its budget on refused requests is refused before anything else is looked at.
    const budget = limiter?.peek(request);
    if (limiter && budget && !budget.allowed) {
      unread();
      limiter.reject(response, budget);
      return true;
    }
    /** A refusal proves nothing about the sender: it spends the address's budget, and past the budget it is a 429. */
    const refuse = (status: number, body: { error: string; message: string }, headers: Record<string, string> = {}) => {
      const decision = limiter?.check(request);
      if (limiter && decision && !decision.allowed) limiter.reject(response, decision);
      else send(response, status, body, headers);
      return true;
    };
    if (request.method !== "POST") {
      unread();
      return refuse(405, { error: "method_not_allowed", message: "Webhooks are delivered with POST." }, { allow: "POST" });
    }
    if (!verify) {
      unread();
      send(response, 503, {
        error: "webhooks_not_configured",
        message: "WEBHOOK_SECRET is not set; set it to the secret in the GitHub App's settings.",
      });
      return true;
    }
    const declaredLength = Number(header(request, "content-length") ?? 0);
    if (declaredLength > MAX_BODY_BYTES) {
      unread();
      return refuse(413, {
        error: "payload_too_large",
        message: `Body of ${declaredLength} bytes refused: GitHub sends at most ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
      });
    }
    const name = header(request, "x-github-event");
    const id = header(request, "x-github-delivery");
    const signature = header(request, "x-hub-signature-256");
    if (!name || !id) {
      unread();
      return refuse(400, { error: "bad_request", message: "X-GitHub-Event and X-GitHub-Delivery headers are required." });
    }
    if (!signature) {
      count(name, "refused");
      log.warn({ deliveryId: excerpt(id), event: excerpt(name) }, "Webhook without a signature refused; check WEBHOOK_SECRET");
      unread();
      return refuse(401, { error: "signature_missing", message: "X-Hub-Signature-256 is required; set the webhook secret in the GitHub App's settings." });
    }
    const release = reads.enter();
    if (!release) {
      count(name, "busy");
      unread();
      send(
        response,
        503,
        { error: "busy", message: "Too many webhook bodies are being read at once; retry in 1 s." },
        { "retry-after": "1" },
      );
      return true;
    }
    let body: string;
    try {
      body = await readBody(request, MAX_BODY_BYTES, { timeoutMs: bodyTimeoutMs });
    } catch (error) {
      const reason = error instanceof BodyReadError ? error.reason : "closed";
      count(name, reason === "too_large" ? "too_large" : "unread");
      // A late, oversized or cut-off body ends with the connection destroyed: nobody is left to answer.
      if (!request.destroyed) send(response, 413, { error: "payload_too_large", message: (error as Error).message });
      return true;
    } finally {
      release();
    }
    const signed = await verify(body, signature).catch(() => false);
    if (!signed) {
      count(name, "refused");
      log.warn({ deliveryId: excerpt(id), event: excerpt(name) }, "Webhook with a bad signature refused; check WEBHOOK_SECRET");
      return refuse(401, { error: "signature_mismatch", message: "Signature does not match; check WEBHOOK_SECRET." });
    }
    let payload: TriggerPayload;
    try {
      payload = JSON.parse(body) as TriggerPayload;
    } catch {
      send(response, 400, { error: "bad_payload", message: "The payload is not JSON." });
      return true;
    }
    const limit = limiter?.check(request, verifiedIdentity(payload));
    if (limit && !limit.allowed) {
      // Over the limit but genuinely from GitHub: accept and queue anyway — dropping it would lose the trigger.
      count(name, "over_limit");
      log.debug({ deliveryId: id }, "Signed delivery over the inbound limit accepted");
    }
    const candidate = isTriggerCandidate(name, payload.action);
    const delivery: Delivery = {
      id,
      name,
      payload: candidate ? JSON.stringify(slimPayload(payload)) : "",
      receivedAt: now(),
    };
    const fresh = await inbox.accept(delivery, candidate ? {} : { processed: "not a trigger" });
    if (!fresh) {
      count(name, "duplicate");
      log.info({ deliveryId: id, event: name }, "Redelivery dropped: this delivery was already accepted");
      send(response, 200, { status: "duplicate", deliveryId: id });
      return true;
    }
    send(response, 202, { status: "accepted", deliveryId: id });
    count(name, "accepted");
    if (!candidate) return true;
    dispatch(delivery);
    return true;
  };
}

/** Whom a verified delivery counts against: its installation (App mode), else the sender, else the one secret. */
function verifiedIdentity(payload: TriggerPayload): string {
  const installation = payload.installation?.id;
  if (typeof installation === "number") return `installation:${installation}`;
  const sender = payload.sender?.login;
  return sender ? `sender:${sender}` : "webhook-secret";
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
