// A repository's own trigger label (`label:` in .github/venom.yml, looked up only for labels that are not the
// global trigger label) and branch prefix (`branch_prefix:`, for follow-ups on its PRs), cached briefly per repository.
import { LRUCache } from "lru-cache";
import { REPO_CONFIG_PATH } from "../config/repo-config-path.js";
import { systemClock, type Clock } from "../shared/clock.js";

/** The one REST call this needs; an Octokit's `request` satisfies it. */
export type ContentRequest = (
  route: "GET /repos/{owner}/{repo}/contents/{path}",
  parameters: { owner: string; repo: string; path: string },
) => Promise<{ data: unknown }>;

export class RepoLabelCache {
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #entries = new LRUCache<string, { label: string | undefined; branchPrefix?: string | undefined; expires: number; version?: string | undefined }>({ max: 20_000 });

  constructor(options: { ttlMs?: number; clock?: Clock } = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The `label:` of the repository's venom.yml, or undefined (no file, no key, unreadable).
   * `version` (the poller passes the repository's `pushed_at`) replaces the time limit: the file is read again only
   * when it changed, since the default branch's file cannot change without a push.
   */
  async lookup(request: ContentRequest, fullName: string, options: { version?: string | undefined } = {}): Promise<string | undefined> {
    return (await this.#read(request, fullName, options)).label;
  }

  /** The `branch_prefix:` of the repository's venom.yml, or undefined (the default `issue-` then). */
  async branchPrefix(request: ContentRequest, fullName: string): Promise<string | undefined> {
    return (await this.#read(request, fullName, {})).branchPrefix;
  }

  async #read(
    request: ContentRequest,
    fullName: string,
    options: { version?: string | undefined },
  ): Promise<{ label: string | undefined; branchPrefix?: string | undefined }> {
    const now = this.#clock.now();
    const { version } = options;
    const cached = this.#entries.get(fullName);
    if (cached && (version !== undefined ? cached.version === version : cached.expires > now)) return cached;
    const [owner = "", repo = ""] = fullName.split("/");
    let data: unknown;
    let settled = true;
    try {
      ({ data } = await request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path: REPO_CONFIG_PATH }));
    } catch (error) {
      // 404: no file, only the global label triggers. Anything else may pass (network, 5xx, rate limit, no access
      // yet): it is not tied to the version, so the next poll asks again.
      settled = (error as { status?: unknown }).status === 404;
    }
    const fields = data === undefined ? { label: undefined } : await fieldsOf(data);
    const entry = { ...fields, expires: now + this.#ttlMs, ...(settled ? { version } : {}) };
    this.#entries.set(fullName, entry);
    return entry;
  }
}

async function fieldsOf(data: unknown): Promise<{ label: string | undefined; branchPrefix?: string }> {
  const content = (data as { content?: unknown }).content;
  if (typeof content !== "string") return { label: undefined };
  try {
    const { parse } = await import("yaml");
    const parsed = parse(Buffer.from(content, "base64").toString("utf8")) as { label?: unknown; branch_prefix?: unknown } | null;
    const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);
    const branchPrefix = text(parsed?.branch_prefix);
    return { label: text(parsed?.label), ...(branchPrefix !== undefined ? { branchPrefix } : {}) };
  } catch {
    // Bad YAML: only the global label triggers; the run reports config errors itself.
    return { label: undefined };
  }
}
