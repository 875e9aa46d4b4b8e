// A fingerprint of an issue's title and body as a trigger saw them, so a run can tell whether the text changed since.
import { createHash } from "node:crypto";

/** The issue fields a trigger payload carries: the full text in a webhook, or only its fingerprint once slimmed. */
export interface IssueTextFields {
  title?: string | null;
  body?: string | null;
  /** Set by `slimPayload`, which stores the fingerprint instead of the text. */
  text_sha256?: string;
}

/** sha256 of the title and body; line endings are normalised, as GitHub returns either. */
export function issueTextFingerprint(title: string | null | undefined, body: string | null | undefined): string {
  const normalise = (text: string | null | undefined) => (text ?? "").replace(/\r\n?/g, "\n").trim();
  return createHash("sha256").update(`${normalise(title)}\n\u0000\n${normalise(body)}`).digest("hex");
}

/** The fingerprint of the text a payload carried, or undefined when it carried neither title nor body. */
export function triggerTextFingerprint(issue: IssueTextFields | null | undefined): string | undefined {
  if (!issue) return undefined;
  if (typeof issue.text_sha256 === "string") return issue.text_sha256;
  if (issue.title === undefined && issue.body === undefined) return undefined;
  return issueTextFingerprint(issue.title, issue.body);
}
