// The traffic layer's state as plain JSON: for /venom/api/traffic, the dashboard and /metrics.
import type { BucketLimit, TrafficSettings } from "../config/traffic-settings.js";
import type { BreakerState } from "./circuit-breaker.js";
import type { DegradedMode } from "./degraded-mode.js";
import type { GitHubQuota, GitHubQuotaBook } from "./github-quota.js";
import type { OutboundGate } from "./outbound-gate.js";
import { scopesOf, type ProviderRegistry } from "./provider-registry.js";
import type { ScopeCounters } from "./scope-counters.js";

export interface ScopeSnapshot extends ScopeCounters {
  provider: string;
  method: string;
  tokensAvailable: number;
  capacity: number;
  refillPerSecond: number;
  breaker: BreakerState;
}

export interface ProviderSnapshot {
  exempt: boolean;
  breaker: BreakerState;
  consecutiveFailures: number;
  /** ISO time an open breaker lets trial calls through. */
  breakerOpenUntil: string | null;
  /** ISO time until which the provider asked us to hold off (429 + Retry-After). */
  pausedUntil: string | null;
  limit: BucketLimit;
}

export interface TrafficSnapshot {
  at: string;
  degraded: boolean;
  degradedUntil: string | null;
  degradedReason: string | null;
  global: {
    requestsLastMinute: number;
    limitPerMinute: number;
    consecutiveFailures: number;
    degradeAfterFailures: number;
  };
  providers: Record<string, ProviderSnapshot>;
  /** Keyed `provider:method`. */
  scopes: Record<string, ScopeSnapshot>;
  /** Quota per installation (or `token`) and resource, from GitHub's `x-ratelimit-*` headers. */
  github: Record<string, Record<string, GitHubQuota>>;
}

export interface SnapshotSources {
  settings: TrafficSettings;
  registry: ProviderRegistry;
  gate: OutboundGate;
  degraded: DegradedMode;
  quotas: GitHubQuotaBook;
}

export function takeSnapshot(sources: SnapshotSources, now: number): TrafficSnapshot {
  const { settings, registry, gate, degraded } = sources;
  const until = degraded.until(now);
  const providers: Record<string, ProviderSnapshot> = {};
  const scopes: Record<string, ScopeSnapshot> = {};
  for (const owner of registry.providers()) {
    const openUntil = owner.breaker.openUntil(now);
    const breaker = owner.breaker.state(now);
    providers[owner.name] = {
      exempt: owner.exempt,
      breaker,
      consecutiveFailures: owner.breaker.consecutiveFailures,
      breakerOpenUntil: openUntil === undefined ? null : new Date(openUntil).toISOString(),
      pausedUntil: owner.pausedUntil > now ? new Date(owner.pausedUntil).toISOString() : null,
      limit: { ...owner.limit },
    };
    for (const target of scopesOf(owner)) {
      scopes[target.name] = {
        provider: owner.name,
        method: target.method,
        tokensAvailable: Math.floor(target.bucket.available(now) * 100) / 100,
        capacity: target.bucket.capacity,
        refillPerSecond: target.bucket.refillPerSecond,
        breaker,
        ...target.counters,
      };
    }
  }
  return {
    at: new Date(now).toISOString(),
    degraded: until !== undefined,
    degradedUntil: until === undefined ? null : new Date(until).toISOString(),
    degradedReason: degraded.reason(now) ?? null,
    global: {
      requestsLastMinute: gate.requestsLastMinute(now),
      limitPerMinute: settings.globalPerMinute,
      consecutiveFailures: gate.consecutiveFailures,
      degradeAfterFailures: settings.degradeAfterFailures,
    },
    providers,
    scopes,
    github: sources.quotas.snapshot(),
  };
}
