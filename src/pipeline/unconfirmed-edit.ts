// Stops a run whose issue text changed after a maintainer asked for it, when the change cannot be a maintainer's.
import { VenomError } from "../errors.js";
import { issueTextFingerprint } from "../github/issue-fingerprint.js";

/**
 * GitHub lets only an issue's author and people with write access edit it, so when the text differs
 * from what the trigger carried and the author has no write access, the author may have rewritten it after a
 * maintainer labelled, assigned or commanded the run. Such a run does not start: a maintainer confirms the
 * current text with `/venom fix` (its payload carries that text). Without a fingerprint (polling, the API)
 * there is nothing to compare, and the run goes on.
 */
export function unconfirmedEditError(
  triggerFingerprint: string | undefined,
  issue: { title: string; body: string; author: string },
  authorCanWrite: boolean,
): VenomError | undefined {
  if (triggerFingerprint === undefined || authorCanWrite) return undefined;
  if (issueTextFingerprint(issue.title, issue.body) === triggerFingerprint) return undefined;
  return new VenomError(
    "user",
    `The issue was edited after the run was requested, and its author @${issue.author} has no write access; ` +
      "a maintainer can comment `/venom fix` to run on the current text.",
  );
}
