// The traffic layer's numbers in one place: per-provider buckets and breakers, retries, caps, degraded mode, runs per issue.

export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before letting trial calls through. */
  openMs: number;
  /** Calls let through while half-open. */
  halfOpenTrials: number;
  /** Successful trials that close it again. */
  successesToClose: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 60_000, halfOpenTrials: 3, successesToClose: 2 };

export interface RetrySettings {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** ±fraction applied to each backoff delay. */
  jitter: number;
}

export interface TrafficSettings {
  /** Bucket for any provider not named in `providers`. */
  defaultLimit: BucketLimit;
  /** Bucket per provider; every `provider:method` scope gets its own bucket of that size. */
  providers: Record<string, BucketLimit>;
  breaker: BreakerSettings;
  /** Consecutive failures that open a provider's breaker, where it differs from `breaker.failureThreshold`. */
  breakerThresholds: Record<string, number>;
  retry: RetrySettings;
  /** Outbound requests per sliding minute, all providers together; crossing it enters degraded mode. */
  globalPerMinute: number;
  /** Consecutive failures across all providers that enter degraded mode. */
  degradeAfterFailures: number;
  degradedCooldownMs: number;
  /** Providers still served (and still counted) while degraded or over the global cap. */
  exempt: string[];
  /** Longest wait (bucket, breaker, Retry-After, backoff) a call sits through; longer ones throw a transient error. */
  maxWaitMs: number;
  /** Pipeline runs per issue per hour; the next one is refused and enters degraded mode. */
  runsPerIssuePerHour: number;
}

/** The reference system's numbers (REFERENCE.md, "Traffic control"). */
export const DEFAULT_TRAFFIC_SETTINGS: TrafficSettings = {
  defaultLimit: { capacity: 100, refillPerSecond: 10 },
  providers: {
    github: { capacity: 60, refillPerSecond: 1 },
    openai: { capacity: 500, refillPerSecond: 8.33 },
  },
  breaker: DEFAULT_BREAKER,
  breakerThresholds: { github: 3 },
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.1 },
  globalPerMinute: 1_000,
  degradeAfterFailures: 10,
  degradedCooldownMs: 60_000,
  // Notifications carry the news of degraded mode itself, and GitHub carries status comments: both keep working.
  exempt: ["github", "discord", "slack", "teams"],
  maxWaitMs: 30_000,
  runsPerIssuePerHour: 5,
};

/** Overrides, one level deep: `providers` and `breakerThresholds` are merged by provider name. */
export interface TrafficSettingsOverrides extends Partial<Omit<TrafficSettings, "breaker" | "retry">> {
  breaker?: Partial<BreakerSettings>;
  retry?: Partial<RetrySettings>;
}

export function resolveTrafficSettings(overrides: TrafficSettingsOverrides = {}): TrafficSettings {
  const base = DEFAULT_TRAFFIC_SETTINGS;
  return {
    ...base,
    ...overrides,
    providers: { ...base.providers, ...normalizeKeys(overrides.providers) },
    breakerThresholds: { ...base.breakerThresholds, ...normalizeKeys(overrides.breakerThresholds) },
    breaker: { ...base.breaker, ...overrides.breaker },
    retry: { ...base.retry, ...overrides.retry },
    exempt: (overrides.exempt ?? base.exempt).map((name) => name.toLowerCase()),
  };
}

function normalizeKeys<T>(record: Record<string, T> | undefined): Record<string, T> {
  if (!record) return {};
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
