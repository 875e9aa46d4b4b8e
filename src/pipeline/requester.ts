// Who asked for the run — the person whose label, assignment or command started it — for the commit's co-author trailer.
import type { Octokit } from "../github/clients.js";
import type { Job } from "../queue/types.js";

export interface Requester {
  login: string;
  id: number;
}

/** Actors the queue records that are not people: the poller, the programmatic API, CI, an unknown sender. */
const NOT_A_PERSON = new Set(["poller", "unknown", "api", "ci", "dashboard", "loopback"]);

export interface RequesterLookup {
  octokit: Octokit;
  /** The labels and the assignee that start runs: a polled issue's requester is whoever applied one. */
  triggerLabels: readonly string[];
  assignee: string | undefined;
}

/**
 * The requester: from the event (saved at enqueue), else the users API for a known login, else — for a polled
 * issue — the latest person who applied the trigger label or made the trigger assignment, from the issue's events.
 * Undefined for bots and when nobody can be named; a lookup that fails names nobody rather than failing the run.
 */
export async function findRequester(job: Job, lookup: RequesterLookup): Promise<Requester | undefined> {
  const saved = asRequester(job.data.requester);
  if (saved) return isPerson(saved.login) ? saved : undefined;
  const [owner = "", repo = ""] = job.repo.split("/");
  const actor = job.actor;
  if (actor && !NOT_A_PERSON.has(actor) && isPerson(actor)) {
    const { data } = await lookup.octokit.rest.users.getByUsername({ username: actor });
    return { login: data.login, id: data.id };
  }
  const labels = new Set(lookup.triggerLabels.map((label) => label.toLowerCase()));
  const assignee = lookup.assignee?.toLowerCase();
  const events = await lookup.octokit.paginate(lookup.octokit.rest.issues.listEvents, { owner, repo, issue_number: job.issue, per_page: 100 });
  for (const event of [...events].reverse()) {
    const starts =
      (event.event === "labeled" && labels.has((event as { label?: { name?: string } }).label?.name?.toLowerCase() ?? "")) ||
      (event.event === "assigned" && assignee !== undefined && (event as { assignee?: { login?: string } }).assignee?.login?.toLowerCase() === assignee);
    if (!starts) continue;
    const person = event.actor;
    return person && isPerson(person.login) ? { login: person.login, id: person.id } : undefined;
  }
  return undefined;
}

/**
 * `Co-authored-by: login <id+login@users.noreply.github.com>`: GitHub links it to the account and shows both avatars.
 * The address is the same on GitHub Enterprise Server too (DESIGN's contract; a GHES user's commit email may differ).
 */
export function coAuthorTrailer(requester: Requester): string {
  return `Co-authored-by: ${requester.login} <${requester.id}+${requester.login}@users.noreply.github.com>`;
}

/** A GitHub user's login (never a bot's, never text that could break out of the trailer line). */
function isPerson(login: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login);
}

function asRequester(value: unknown): Requester | undefined {
  const candidate = value as Partial<Requester> | null | undefined;
  return typeof candidate?.login === "string" && typeof candidate.id === "number" ? { login: candidate.login, id: candidate.id } : undefined;
}
