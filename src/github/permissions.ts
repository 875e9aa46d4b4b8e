// Looks up a user's permission on a repository through the API, cached briefly per (repo, user).
import { LRUCache } from "lru-cache";
import { systemClock, type Clock } from "../shared/clock.js";

/** The one REST call this needs; an Octokit's `request` satisfies it. */
export type PermissionRequest = (
  route: "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
  parameters: { owner: string; repo: string; username: string },
) => Promise<{ data: { permission?: string; role_name?: string } }>;

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
const WRITERS: readonly Permission[] = ["admin", "maintain", "write"];

/** Write, maintain or admin: who may start, retry or cancel runs and confirm an outsider's text. */
export function isWriter(permission: Permission | undefined): boolean {
  return permission !== undefined && WRITERS.includes(permission);
}

const KNOWN: readonly Permission[] = ["admin", "maintain", "write", "triage", "read", "none"];

export class PermissionCache {
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #entries = new LRUCache<string, { permission: Permission; expires: number }>({ max: 5_000 });

  constructor(options: { ttlMs?: number; clock?: Clock } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  async lookup(request: PermissionRequest, repo: string, username: string): Promise<Permission> {
    const key = `${repo}#${username.toLowerCase()}`;
    const now = this.#clock.now();
    const cached = this.#entries.get(key);
    if (cached && cached.expires > now) return cached.permission;
    const [owner, name] = repo.split("/") as [string, string];
    let permission: Permission;
    try {
      const { data } = await request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        owner,
        repo: name,
        username,
      });
      permission = normalize(data.role_name, data.permission);
    } catch (error) {
      // 404: not a collaborator (or the repo is gone) — no write access.
      if ((error as { status?: number }).status === 404) permission = "none";
      else throw error;
    }
    this.#entries.set(key, { permission, expires: now + this.#ttlMs });
    return permission;
  }
}

/** `role_name` knows "maintain" and "triage"; `permission` folds them into write/read. */
function normalize(roleName: string | undefined, permission: string | undefined): Permission {
  if (roleName && KNOWN.includes(roleName as Permission)) return roleName as Permission;
  if (permission && KNOWN.includes(permission as Permission)) return permission as Permission;
  return "none";
}
