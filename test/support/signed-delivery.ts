// Sends a webhook delivery signed like GitHub does (X-Hub-Signature-256) to a running app.
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

export interface DeliveryResult {
  status: number;
  body: string;
}

export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  options: { secret: string; id?: string; signature?: string | null },
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": options.id ?? randomUUID(),
    "user-agent": "GitHub-Hookshot/test",
  };
  const signature = options.signature === undefined ? await sign(options.secret, body) : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const response = await fetch(`${url}/api/github/webhooks`, { method: "POST", headers, body });
  return { status: response.status, body: await response.text() };
}
