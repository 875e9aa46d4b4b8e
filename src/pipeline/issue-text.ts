// The issue as the models see it: its text and its people's comments, each marked trusted or not.
import type { IssueComment, IssueDetails } from "./github-issue.js";
import type { IssueText } from "./prompts.js";
import { unconfirmedEditError } from "./unconfirmed-edit.js";

export interface IssueTextInput {
  details: IssueDetails;
  comments: IssueComment[];
  /** The app's own login: its comments (the status comment) are not issue text. */
  botLogin: string | undefined;
  /** Whether a user may write to the repository (see writer-check.ts). */
  canWrite: (username: string) => Promise<boolean>;
  /** The issue's title and body as the trigger saw them; undefined when there is nothing to compare (retry, poll, API). */
  triggerFingerprint: string | undefined;
}

/** Throws a user error, before any model call, when an outsider changed the text after a maintainer asked for the run. */
export async function readIssueText(input: IssueTextInput): Promise<IssueText> {
  const { details } = input;
  const trusted = (author: string, association: string): Promise<boolean> => {
    if (association === "OWNER") return Promise.resolve(true);
    // Only members and collaborators can have write access: others need no lookup.
    if (association !== "MEMBER" && association !== "COLLABORATOR") return Promise.resolve(false);
    return input.canWrite(author);
  };
  const human = input.comments.filter((comment) => comment.authorType !== "Bot" && comment.author !== input.botLogin);
  const authorTrusted = await trusted(details.author, details.authorAssociation);
  const unconfirmed = unconfirmedEditError(input.triggerFingerprint, details, authorTrusted);
  if (unconfirmed) throw unconfirmed;
  return {
    number: details.number,
    title: details.title,
    body: details.body,
    author: details.author,
    trusted: authorTrusted,
    comments: await Promise.all(
      human.map(async (comment) => ({
        author: comment.author,
        body: comment.body,
        trusted: await trusted(comment.author, comment.authorAssociation),
      })),
    ),
  };
}
