// POST /api/github/webhooks: verify the signature, put the delivery in the inbox, answer — nothing slow.
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { pathOf, send, type RouteHandler } from "../http/respond.js";
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
}

export function createWebhookEndpoint(options: WebhookEndpointOptions): RouteHandler {
  const { path, inbox, verify, dispatch, log } = options;
  const now = options.now ?? Date.now;
  return async (request, response) => {
    if (pathOf(request) !== path) return false;
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
      body = await readBody(request);
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
    if (!signature) {
      log.warn({ deliveryId: id }, "Webhook without X-Hub-Signature-256 refused");
      send(response, 401, { error: "signature_missing", message: "X-Hub-Signature-256 is required." });
      return true;
    }
    if (!(await verify(body, signature).catch(() => false))) {
      log.warn({ deliveryId: id, event: name }, "Webhook with a bad signature refused; check WEBHOOK_SECRET");
      send(response, 401, { error: "signature_mismatch", message: "Signature does not match; check WEBHOOK_SECRET." });
      return true;
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
      log.info({ deliveryId: id, event: name }, "Redelivery dropped: this delivery was already accepted");
      send(response, 200, { status: "duplicate", deliveryId: id });
      return true;
    }
    send(response, 202, { status: "accepted", deliveryId: id });
    if (!candidate) return true;
    setImmediate(() => dispatch(delivery));
    return true;
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("Payload larger than 25 MB refused."));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
