// The channel-neutral content of a notification: safe links and the facts every channel shows (the Notifier masks the text).
import type { NotificationEvent } from "./notifier.js";

export interface Link {
  text: string;
  url: string;
}

export interface Fact {
  label: "Repository" | "Issue" | "Pull request";
  text: string;
  url?: string;
}

export interface NotificationParts {
  title: string;
  message: string;
  status: NotificationEvent["status"];
  /** What the notification is about: `event.url`, else the PR, else the issue. */
  link?: Link;
  /** Every distinct link, the main one first (Teams shows each as a button). */
  links: Link[];
  facts: Fact[];
}

export function notificationParts(event: NotificationEvent): NotificationParts {
  const prUrl = safeUrl(event.prUrl);
  const issueUrl = safeUrl(event.issueUrl);
  const mainUrl = safeUrl(event.url) ?? prUrl ?? issueUrl;
  const linkText = (url: string) => (url === prUrl ? "Open pull request" : url === issueUrl ? "Open issue" : "Open link");
  const links: Link[] = [];
  for (const url of [mainUrl, prUrl, issueUrl]) {
    if (url && !links.some((link) => link.url === url)) links.push({ text: linkText(url), url });
  }

  const facts: Fact[] = [];
  if (event.repo) {
    const repoUrl = repositoryUrl(event.repo, prUrl ?? issueUrl ?? mainUrl);
    facts.push({ label: "Repository", text: event.repo, ...(repoUrl ? { url: repoUrl } : {}) });
  }
  const issueNumber = event.issue ?? numberIn(issueUrl, "issues");
  if (issueNumber !== undefined || issueUrl) {
    facts.push({ label: "Issue", text: issueNumber !== undefined ? `#${issueNumber}` : (issueUrl ?? ""), ...(issueUrl ? { url: issueUrl } : {}) });
  }
  if (prUrl) {
    const prNumber = numberIn(prUrl, "pull");
    facts.push({ label: "Pull request", text: prNumber !== undefined ? `#${prNumber}` : prUrl, url: prUrl });
  }

  return {
    title: event.title,
    message: event.message,
    status: event.status,
    ...(links[0] ? { link: links[0] } : {}),
    links,
    facts,
  };
}

/** Cuts `text` to `max` characters (the services reject longer fields). */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Only http(s) links, and never with credentials in them. */
function safeUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return undefined;
  }
}

/** `https://github.com/o/r/pull/7` → 7. */
function numberIn(url: string | undefined, kind: "issues" | "pull"): number | undefined {
  const match = url ? new RegExp(`/${kind}/(\\d+)(?:[/?#]|$)`).exec(new URL(url).pathname) : null;
  return match?.[1] !== undefined ? Number(match[1]) : undefined;
}

/** The repository's page on the same host as its issue or PR (GitHub or GitHub Enterprise). */
function repositoryUrl(repo: string, sibling: string | undefined): string | undefined {
  if (!sibling || !/^[\w.-]+\/[\w.-]+$/.test(repo)) return undefined;
  const url = new URL(sibling);
  return url.pathname.toLowerCase().startsWith(`/${repo.toLowerCase()}/`) ? `${url.origin}/${repo}` : undefined;
}
