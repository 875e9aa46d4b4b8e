// A repository's own trigger label (`label:` in .github/venom.yml), looked up only for labels that are not the
// global trigger label, and cached briefly per repository.
import { REPO_CONFIG_PATH } from "../config/repo-config-path.js";
import { systemClock, type Clock } from "../queue/clock.js";

/** The one REST call this needs; an Octokit's `request` satisfies it. */
export type ContentRequest = (
  route: "GET /repos/{owner}/{repo}/contents/{path}",
  parameters: { owner: string; repo: string; path: string },
) => Promise<{ data: unknown }>;

export class RepoLabelCache {
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, { label: string | undefined; expires: number }>();

  constructor(options: { ttlMs?: number; clock?: Clock } = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The `label:` of the repository's venom.yml, or undefined (no file, no key, unreadable). */
  async lookup(request: ContentRequest, fullName: string): Promise<string | undefined> {
    const now = this.#clock.now();
    const cached = this.#entries.get(fullName);
    if (cached && cached.expires > now) return cached.label;
    const [owner = "", repo = ""] = fullName.split("/");
    let label: string | undefined;
    try {
      const { data } = await request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path: REPO_CONFIG_PATH });
      const content = (data as { content?: string }).content;
      if (typeof content === "string") {
        const { parse } = await import("yaml");
        const parsed: unknown = parse(Buffer.from(content, "base64").toString("utf8"));
        const value = (parsed as { label?: unknown } | null)?.label;
        if (typeof value === "string" && value.trim()) label = value.trim();
      }
    } catch {
      // No file, no access or bad YAML: only the global label triggers; the run reports config errors itself.
    }
    this.#entries.set(fullName, { label, expires: now + this.#ttlMs });
    if (this.#entries.size > 5_000) this.#entries.delete(this.#entries.keys().next().value as string);
    return label;
  }
}
