// What `POST /venom/api/jobs` accepts as an issue: {"repo":"o/r","issue":N}, {"url":"https://…/o/r/issues/N"},
// {"ref":"o/r#N"}, or the JSON string "o/r#N" (or the URL) itself. Patterns are anchored and linear: the body is hostile.

export interface IssueRef {
  repo: string;
  issue: number;
}

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const SHORT_REF = /^([A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100})#(\d{1,9})$/;
const ISSUE_PATH = /^\/([A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100})\/(?:issues|pull)\/(\d{1,9})\/?$/;

/** The issue the body names, or a message saying what to send. */
export function parseIssueRef(body: unknown): IssueRef | { error: string } {
  if (typeof body === "string") return fromText(body.trim());
  if (!body || typeof body !== "object" || Array.isArray(body)) return { error: USAGE };
  const fields = body as Record<string, unknown>;
  if (typeof fields.url === "string") return fromUrl(fields.url.trim());
  if (typeof fields.ref === "string") return fromText(fields.ref.trim());
  if (fields.repo !== undefined || fields.issue !== undefined) {
    const issue = typeof fields.issue === "string" && /^\d{1,9}$/.test(fields.issue) ? Number(fields.issue) : fields.issue;
    if (typeof fields.repo !== "string" || !REPO.test(fields.repo) || fields.repo.endsWith(".git")) {
      return { error: 'repo must be "owner/name".' };
    }
    if (typeof issue !== "number" || !Number.isInteger(issue) || issue < 1 || issue > 999_999_999) {
      return { error: "issue must be a positive issue number." };
    }
    return { repo: fields.repo, issue };
  }
  return { error: USAGE };
}

const USAGE = 'Send {"repo":"owner/name","issue":N}, {"url":"https://github.com/owner/name/issues/N"} or "owner/name#N".';

function fromText(text: string): IssueRef | { error: string } {
  if (/^https?:\/\//i.test(text)) return fromUrl(text);
  const match = SHORT_REF.exec(text);
  return match?.[1] && match[2] && Number(match[2]) > 0 ? { repo: match[1], issue: Number(match[2]) } : { error: USAGE };
}

function fromUrl(text: string): IssueRef | { error: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `Not a URL: ${text.slice(0, 100)}` };
  }
  const match = ISSUE_PATH.exec(url.pathname);
  if ((url.protocol !== "https:" && url.protocol !== "http:") || !match?.[1] || !match[2] || Number(match[2]) < 1) {
    return { error: "The URL must be an issue's: https://github.com/owner/name/issues/N." };
  }
  return { repo: match[1], issue: Number(match[2]) };
}
