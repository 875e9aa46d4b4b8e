// The traffic layer's public face: outbound gate, inbound limiter, degraded mode, metrics, GitHub throttling.
export { createTrafficControl } from "./traffic-control.js";
export type {
  Admission,
  AttemptContext,
  CallOptions,
  GitHubQuota,
  ProviderSnapshot,
  ScopeCounters,
  ScopeSnapshot,
  TrafficControl,
  TrafficControlOptions,
  TrafficSnapshot,
} from "./traffic-control.js";
export { TrafficRefusedError, trafficRefusalOf, type RefusalReason } from "./traffic-refused-error.js";
export { createInboundLimiter, DEFAULT_INBOUND_GROUPS, identity, sendRateLimited } from "./inbound-limiter.js";
export type { InboundDecision, InboundGroup, InboundLimiter, InboundLimiterOptions, InboundSnapshot } from "./inbound-limiter.js";
export { registerTrafficMetrics } from "./traffic-metrics.js";
export { createGitHubThrottle, trackRateLimit, withGitHubTraffic } from "./github-throttle.js";
export type { GitHubThrottle, GitHubThrottleOptions, GitHubTrafficOptions, TrackRateLimitOptions } from "./github-throttle.js";
export { errorOutcome, statusOutcome, type Outcome, type OutcomeKind } from "./outcome.js";
export type { BreakerState } from "./circuit-breaker.js";
export type { DegradedChange, DegradedListener } from "./degraded-mode.js";
