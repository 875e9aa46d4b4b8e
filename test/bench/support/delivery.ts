// The signed `issues.labeled` delivery the ingest benchmark sends: GitHub's own example, labelled "venom".
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { WebhookDefinition } from "@octokit/webhooks-examples";

export interface SignedDelivery {
  /** The `X-GitHub-Event` header. */
  event: string;
  /** The exact bytes that were signed. */
  body: string;
  /** The `X-Hub-Signature-256` header, `sha256=<hex>`. */
  signature: string;
}

/** Takes the first `issues` example with action `labeled`, adds `installation: {id: 1}`, renames the label to `labelName`, signs it. */
export async function buildLabeledDelivery(secret: string, labelName = "venom"): Promise<SignedDelivery> {
  // The package's main entry is a JSON file: require() parses it without import attributes.
  const require = createRequire(import.meta.url);
  const definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];
  const issues = definitions.find((definition) => definition.name === "issues") as WebhookDefinition<"issues"> | undefined;
  const example = issues?.examples.find((candidate) => candidate.action === "labeled");
  if (example?.action !== "labeled" || !example.label) {
    throw new Error("@octokit/webhooks-examples has no issues.labeled example with a label");
  }
  const payload = { ...example, label: { ...example.label, name: labelName }, installation: { id: 1 } };
  const body = JSON.stringify(payload);
  return { event: "issues", body, signature: await sign(secret, body) };
}
