// POST /api/github/webhooks: verify the signature, put the delivery in the inbox, answer — nothing slow.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { pathOf, readBody, send, type RouteHandler } from "../http/respond.js";
import type { Delivery, DeliveryInbox } from "../queue/inbox.js";
import { isTriggerCandidate, slimPayload, type TriggerPayload } from "./decide.js";

/** GitHub caps payloads at 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

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
   * The webhook group's inbound limit. Signed deliveries over the limit are still accepted (GitHub does not
   * redeliver on its own); only unsigned or badly signed floods get 429.
   */
  limiter?: {
    check(request: IncomingMessage): { allowed: boolean; retryAfterSeconds: number };
    reject(response: ServerResponse, decision: { allowed: boolean; retryAfterSeconds: number }): void;
  };
  /** Counts what happened to each delivery (accepted, duplicate, refused, over_limit). */
  onOutcome?: (event: string, outcome: string) => void;
}

export function createWebhookEndpoint(options: WebhookEndpointOptions): RouteHandler {
  const { path, inbox, verify, dispatch, log, limiter } = options;
  const now = options.now ?? Date.now;
  const count = (event: string, outcome: string) => options.onOutcome?.(event, outcome);
  return async (request, response) => {
    if (pathOf(request) !== path) return false;
    const limit = limiter?.check(request);
    if (request.method !== "POST") {
      send(response, 405, { error: "method_not_allowed", message: "Webhooks are delivered with POST." }, { allow: "POST" });
      return true;
    }
    if (!verify) {
      send(response, 503, {
        error: "webhooks_not_configured",
        message: "WEBHOOK_SECRET is not set; set it to the secret in the GitHub App's settings.",
      });
      return true;
    }
    const name = header(request, "x-github-event");
    const id = header(request, "x-github-delivery");
    const signature = header(request, "x-hub-signature-256");
    let body: string;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      send(response, 413, { error: "payload_too_large", message: (error as Error).message });
      return true;
    }
    if (!name || !id) {
      send(response, 400, {
        error: "bad_request",
        message: "X-GitHub-Event and X-GitHub-Delivery headers are required.",
      });
      return true;
    }
    const signed = signature !== undefined && (await verify(body, signature).catch(() => false));
    if (!signed) {
      count(name, "refused");
      if (limiter && limit && !limit.allowed) {
        limiter.reject(response, limit);
        return true;
      }
      log.warn({ deliveryId: id, event: name }, "Webhook with a missing or bad signature refused; check WEBHOOK_SECRET");
      send(
        response,
        401,
        signature
          ? { error: "signature_mismatch", message: "Signature does not match; check WEBHOOK_SECRET." }
          : { error: "signature_missing", message: "X-Hub-Signature-256 is required." },
      );
      return true;
    }
    if (limit && !limit.allowed) {
      // Over the limit but genuinely from GitHub: accept and queue anyway — dropping it would lose the trigger.
      count(name, "over_limit");
      log.debug({ deliveryId: id }, "Signed delivery over the inbound limit accepted");
    }
    let payload: TriggerPayload;
    try {
      payload = JSON.parse(body) as TriggerPayload;
    } catch {
      send(response, 400, { error: "bad_payload", message: "The payload is not JSON." });
      return true;
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

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
