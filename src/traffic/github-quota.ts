// GitHub's remaining quota per installation and resource, as its `x-ratelimit-*` headers last said.
import { LRUCache } from "lru-cache";
import { header, type HeaderSource } from "../shared/classify-failure.js";
import type { Clock } from "../shared/clock.js";

export interface GitHubQuota {
  limit: number | null;
  remaining: number | null;
  used: number | null;
  resetAt: string | null;
  updatedAt: string;
}

export class GitHubQuotaBook {
  readonly #clock: Clock;
  /** Per installation (or `token`), the least recently heard from forgotten first. */
  readonly #quotas: LRUCache<string, Map<string, GitHubQuota>>;

  constructor(clock: Clock, maxInstallations = 1_000) {
    this.#clock = clock;
    this.#quotas = new LRUCache({ max: maxInstallations });
  }

  record(installation: string, headers: HeaderSource): void {
    const limit = numberHeader(headers, "x-ratelimit-limit");
    const remaining = numberHeader(headers, "x-ratelimit-remaining");
    if (limit === null && remaining === null) return;
    const resource = header(headers, "x-ratelimit-resource") ?? "core";
    const reset = numberHeader(headers, "x-ratelimit-reset");
    let perResource = this.#quotas.get(installation);
    if (!perResource) {
      perResource = new Map();
      this.#quotas.set(installation, perResource);
    }
    perResource.set(resource, {
      limit,
      remaining,
      used: numberHeader(headers, "x-ratelimit-used"),
      resetAt: reset === null ? null : new Date(reset * 1000).toISOString(),
      updatedAt: new Date(this.#clock.now()).toISOString(),
    });
  }

  /** Oldest first, as the snapshot always listed them. */
  snapshot(): Record<string, Record<string, GitHubQuota>> {
    const quotas: Record<string, Record<string, GitHubQuota>> = {};
    for (const [installation, perResource] of [...this.#quotas.entries()].reverse()) quotas[installation] = Object.fromEntries(perResource);
    return quotas;
  }
}

function numberHeader(headers: HeaderSource, name: string): number | null {
  const raw = header(headers, name);
  if (raw === undefined || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
