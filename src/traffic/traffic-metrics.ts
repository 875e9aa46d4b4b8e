// The traffic snapshot as Prometheus metrics on the app's own registry, read at scrape time.
import { Counter, Gauge, type Registry } from "prom-client";
import type { BreakerState } from "./circuit-breaker.js";
import type { InboundLimiter } from "./inbound-limiter.js";
import type { GitHubQuota, ScopeCounters, ScopeSnapshot, TrafficControl } from "./traffic-control.js";

const OUTCOMES = ["2xx", "3xx", "4xx", "429", "5xx", "timeouts", "networkErrors", "otherErrors"] as const satisfies ReadonlyArray<keyof ScopeCounters>;
const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number], string> = {
  "2xx": "2xx",
  "3xx": "3xx",
  "4xx": "4xx",
  "429": "429",
  "5xx": "5xx",
  timeouts: "timeout",
  networkErrors: "network_error",
  otherErrors: "other_error",
};
const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };
/** One gauge per field of GitHub's quota, labelled by installation and resource. */
const GITHUB_QUOTA_GAUGES: ReadonlyArray<{ name: string; help: string; value: (quota: GitHubQuota) => number | null }> = [
  {
    name: "venom_github_ratelimit_remaining",
    help: "GitHub requests left per installation and resource, from x-ratelimit-remaining",
    value: (quota) => quota.remaining,
  },
  {
    name: "venom_github_ratelimit_limit",
    help: "GitHub request quota per installation and resource, from x-ratelimit-limit",
    value: (quota) => quota.limit,
  },
  {
    name: "venom_github_ratelimit_reset_seconds",
    help: "Unix time GitHub's quota resets per installation and resource, from x-ratelimit-reset",
    value: (quota) => (quota.resetAt === null ? null : Date.parse(quota.resetAt) / 1000),
  },
];

/** Registers `venom_traffic_*` (and `venom_inbound_*` when given the inbound limiter) on `registry`. */
export function registerTrafficMetrics(registry: Registry, traffic: TrafficControl, inbound?: InboundLimiter): void {
  const registers = [registry];
  // Several metrics read one snapshot per scrape.
  let cached: { at: number; snapshot: ReturnType<TrafficControl["snapshot"]> } | undefined;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 250) cached = { at: now, snapshot: traffic.snapshot() };
    return cached.snapshot;
  };

  new Counter({
    name: "venom_traffic_responses_total",
    help: "Outbound attempts by scope (provider:method) and outcome (2xx, 3xx, 4xx, 429, 5xx, timeout, network_error, other_error)",
    labelNames: ["scope", "provider", "outcome"] as const,
    registers,
    collect() {
      this.reset();
      for (const [name, scope] of Object.entries(snapshot().scopes)) {
        for (const key of OUTCOMES) this.inc({ scope: name, provider: scope.provider, outcome: OUTCOME_LABELS[key] }, scope[key]);
      }
    },
  });
  // One value per scope, read from the snapshot at scrape time (after reset, inc(value) is the value).
  const perScope = (Metric: typeof Counter<"scope"> | typeof Gauge<"scope">, name: string, help: string, pick: (scope: ScopeSnapshot) => number) =>
    new Metric({
      name,
      help,
      labelNames: ["scope"] as const,
      registers,
      collect(this: { reset(): void; inc(labels: { scope: string }, value: number): void }) {
        this.reset();
        for (const [scopeName, scope] of Object.entries(snapshot().scopes)) this.inc({ scope: scopeName }, pick(scope));
      },
    });
  perScope(Counter, "venom_traffic_retries_total", "Outbound retries by scope", (scope) => scope.retries);
  perScope(
    Counter,
    "venom_traffic_refused_total",
    "Outbound calls handed back to the job queue (degraded, global cap, open circuit, long waits) by scope",
    (scope) => scope.refused,
  );
  perScope(Gauge, "venom_traffic_tokens_available", "Tokens left in each scope's bucket", (scope) => scope.tokensAvailable);
  new Gauge({
    name: "venom_traffic_breaker_state",
    help: "Circuit breaker per provider: 0 closed, 1 half-open, 2 open",
    labelNames: ["provider"] as const,
    registers,
    collect() {
      this.reset();
      for (const [name, provider] of Object.entries(snapshot().providers)) this.set({ provider: name }, BREAKER_VALUES[provider.breaker]);
    },
  });
  new Gauge({
    name: "venom_traffic_requests_last_minute",
    help: "Outbound requests in the last sliding minute, all providers",
    registers,
    collect() {
      this.set(snapshot().global.requestsLastMinute);
    },
  });
  new Gauge({
    name: "venom_traffic_requests_per_minute_limit",
    help: "Global cap on outbound requests per minute; crossing it enters degraded mode",
    registers,
    collect() {
      this.set(snapshot().global.limitPerMinute);
    },
  });
  new Gauge({
    name: "venom_traffic_degraded",
    help: "1 while degraded mode holds new runs back, else 0",
    registers,
    collect() {
      this.set(snapshot().degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: "venom_traffic_degraded_until_seconds",
    help: "Unix time when degraded mode ends (0 when not degraded)",
    registers,
    collect() {
      const until = snapshot().degradedUntil;
      this.set(until ? Date.parse(until) / 1000 : 0);
    },
  });
  for (const { name, help, value } of GITHUB_QUOTA_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ["installation", "resource"] as const,
      registers,
      collect() {
        this.reset();
        for (const [installation, resources] of Object.entries(snapshot().github)) {
          for (const [resource, quota] of Object.entries(resources)) {
            const number = value(quota);
            if (number !== null) this.set({ installation, resource }, number);
          }
        }
      },
    });
  }
  if (!inbound) return;
  new Counter({
    name: "venom_inbound_requests_total",
    help: "Inbound requests counted by the limiter per group and decision (allowed, limited)",
    labelNames: ["group", "decision"] as const,
    registers,
    collect() {
      this.reset();
      for (const [group, counts] of Object.entries(inbound.snapshot().groups)) {
        this.inc({ group, decision: "allowed" }, counts.allowed);
        this.inc({ group, decision: "limited" }, counts.limited);
      }
    },
  });
}
