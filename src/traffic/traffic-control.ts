// The one outbound gate: degraded → global cap → breaker → bucket, then retries with backoff and Retry-After.
import type { Logger } from "pino";
import { systemClock, type Clock } from "../queue/clock.js";
import type { WorkerGate } from "../queue/worker.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import { DegradedMode, type DegradedListener } from "./degraded-mode.js";
import {
  backoffDelay,
  errorOutcome,
  header,
  isFailure,
  isRetryable,
  statusOutcome,
  type HeaderSource,
  type Outcome,
} from "./outcome.js";
import { RunGuard, type RunDecision } from "./run-guard.js";
import { SlidingWindowCounter } from "./sliding-window.js";
import { realSleep, type Sleep } from "./sleep.js";
import { TokenBucket } from "./token-bucket.js";
import { TrafficRefusedError, type RefusalReason } from "./traffic-refused-error.js";
import { resolveTrafficSettings, type BucketLimit, type TrafficSettings, type TrafficSettingsOverrides } from "./traffic-settings.js";

export type { Outcome } from "./outcome.js";

export type Admission = { allowed: true } | { allowed: false; reason: RefusalReason; retryAfterMs: number };

export interface CallOptions {
  /** False for clients that retry on their own (the call still passes the limiter, breaker and counters). Default true. */
  retry?: boolean;
  /** Per attempt; a timed-out attempt counts as a timeout (retried, held against the breaker). */
  timeoutMs?: number;
  /** The caller's cancellation: never retried, never held against the provider. */
  signal?: AbortSignal;
  /** Reads a thrown error before the generic rules (undefined: use them), e.g. GitHub's 403 rate limits. */
  classifyError?: (error: unknown, now: number) => Outcome | undefined;
  /**
   * Whether a 429's Retry-After holds off every call to the provider (one account, one limit: the default), or only
   * this call's retries (limits per caller, e.g. GitHub's per installation, which the caller tracks itself).
   */
  pauseProvider?: boolean;
}

export interface AttemptContext {
  /** 1-based. */
  attempt: number;
  /** Aborts on the caller's signal or the attempt's timeout; pass it on to the client. */
  signal: AbortSignal | undefined;
}

export interface TrafficControlOptions {
  log: Logger;
  clock?: Clock;
  /** Overrides of DEFAULT_TRAFFIC_SETTINGS, e.g. `readTrafficEnv(process.env)`. */
  settings?: TrafficSettingsOverrides;
  /** Default attempt timeout per provider (none unless given: SDKs keep their own). */
  timeouts?: Record<string, number>;
  sleep?: Sleep;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** The fetch under the wrapper (default: the global one). */
  fetch?: typeof fetch;
}

export interface ScopeCounters {
  /** Attempts that went out. */
  requests: number;
  "2xx": number;
  "3xx": number;
  /** 4xx other than 429. */
  "4xx": number;
  "429": number;
  "5xx": number;
  timeouts: number;
  networkErrors: number;
  /** Other exceptions and the caller's own aborts. */
  otherErrors: number;
  retries: number;
  /** Admission decisions that said "not now" (a waiting caller asks again). */
  throttled: number;
  /** Calls given up with a TrafficRefusedError. */
  refused: number;
}

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

export interface GitHubQuota {
  limit: number | null;
  remaining: number | null;
  used: number | null;
  resetAt: string | null;
  updatedAt: string;
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

export interface TrafficControl extends WorkerGate {
  readonly settings: TrafficSettings;
  /** Drop-in `fetch` for `provider`: limiter, breaker, retries and counters around the real fetch. */
  fetch(provider: string, input: string | URL | Request, init?: RequestInit, options?: CallOptions): Promise<Response>;
  /** A `typeof fetch` bound to one provider, for SDKs that take a custom fetch. */
  fetchFor(provider: string, options?: CallOptions): typeof fetch;
  /** The same for clients that are not fetch-based: `fn` is one attempt; what it throws is classified like a response. */
  run<T>(provider: string, method: string, fn: (attempt: AttemptContext) => Promise<T>, options?: CallOptions): Promise<T>;
  /** One admission decision, without waiting; when allowed, report the outcome with `record`. */
  acquire(provider: string, method: string): Admission;
  record(provider: string, method: string, outcome: Outcome): void;
  /** An attempt a client's own retry logic is about to repeat (Octokit's throttling): counted; the breaker waits for the final answer. */
  recordRetry(provider: string, method: string, outcome: Outcome): void;
  /** Anti-loop: records a pipeline run of the issue, or refuses it (and enters degraded mode) over the hourly cap. */
  allowRun(repo: string, issue: number): RunDecision;
  /** WorkerGate: false while degraded, so jobs wait in the queue. */
  allowStart(): boolean;
  isDegraded(): boolean;
  /** Epoch ms when degraded mode ends; undefined when not degraded. */
  readonly degradedUntil: number | undefined;
  /** Enters (or extends) degraded mode by hand, e.g. from an operator command. */
  enterDegraded(reason: string): void;
  onDegradedChange(listener: DegradedListener): () => void;
  /** Records GitHub's `x-ratelimit-*` headers for an installation (`token` in token mode). */
  recordGitHubQuota(installation: string, headers: HeaderSource): void;
  snapshot(): TrafficSnapshot;
  /** Stops the cooldown timer. */
  close(): void;
}

interface Provider {
  name: string;
  exempt: boolean;
  limit: BucketLimit;
  breaker: CircuitBreaker;
  pausedUntil: number;
  timeoutMs: number | undefined;
  /** By method as given and lower-cased, so the hot path skips `toLowerCase`. */
  scopes: Map<string, Scope>;
}

interface Scope {
  name: string;
  method: string;
  provider: Provider;
  bucket: TokenBucket;
  counters: ScopeCounters;
}

const ALLOWED: Admission = Object.freeze({ allowed: true });
const MAX_INSTALLATIONS = 1_000;

export function createTrafficControl(options: TrafficControlOptions): TrafficControl {
  const settings = resolveTrafficSettings(options.settings);
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeouts = Object.fromEntries(Object.entries(options.timeouts ?? {}).map(([name, ms]) => [name.toLowerCase(), ms]));
  const exempt = new Set(settings.exempt);
  const providers = new Map<string, Provider>();
  const globalWindow = new SlidingWindowCounter(60_000);
  const degraded = new DegradedMode(settings.degradedCooldownMs);
  const runGuard = new RunGuard(settings.runsPerIssuePerHour);
  const quotas = new Map<string, Map<string, GitHubQuota>>();
  let consecutiveFailures = 0;
  let recoveryTimer: NodeJS.Timeout | undefined;

  degraded.onChange((change) => {
    if (change.degraded) {
      log.warn(
        { until: new Date(change.until ?? 0).toISOString(), reason: change.reason },
        `Degraded mode: ${change.reason}; no new runs start and only ${[...exempt].join(", ") || "no"} providers are served until it ends`,
      );
      scheduleRecovery(settings.degradedCooldownMs);
    } else {
      log.info("Degraded mode is over; runs start again");
    }
  });

  /** Ends degraded mode on time even when nothing calls in (the exit event fires); with a fake clock it is a no-op. */
  function scheduleRecovery(delayMs: number): void {
    clearTimeout(recoveryTimer);
    recoveryTimer = setTimeout(() => {
      const until = degraded.until(clock.now());
      // Extended meanwhile: look again when the new end comes.
      if (until !== undefined) scheduleRecovery(until - clock.now());
    }, delayMs + 10);
    recoveryTimer.unref();
  }

  function provider(name: string): Provider {
    let found = providers.get(name);
    if (found) return found;
    const key = name.toLowerCase();
    found = providers.get(key);
    if (!found) {
      const threshold = settings.breakerThresholds[key] ?? settings.breaker.failureThreshold;
      const created: Provider = {
        name: key,
        exempt: exempt.has(key),
        limit: settings.providers[key] ?? settings.defaultLimit,
        breaker: new CircuitBreaker({ ...settings.breaker, failureThreshold: threshold }, (state, previous) => {
          const level = state === "open" ? "warn" : "info";
          log[level]({ provider: key, state, previous }, `Circuit for ${key} is ${state}`);
        }),
        pausedUntil: 0,
        timeoutMs: timeouts[key],
        scopes: new Map(),
      };
      found = created;
      providers.set(key, created);
    }
    providers.set(name, found);
    return found;
  }

  function scope(providerName: string, method: string): Scope {
    const owner = provider(providerName);
    let found = owner.scopes.get(method);
    if (found) return found;
    const key = method.toLowerCase();
    found = owner.scopes.get(key);
    if (!found) {
      found = {
        name: `${owner.name}:${key}`,
        method: key,
        provider: owner,
        bucket: new TokenBucket(owner.limit.capacity, owner.limit.refillPerSecond, clock.now()),
        counters: emptyCounters(),
      };
      owner.scopes.set(key, found);
    }
    owner.scopes.set(method, found);
    return found;
  }

  function refuse(target: Scope, reason: RefusalReason, retryAfterMs: number): Admission {
    target.counters.throttled += 1;
    return { allowed: false, reason, retryAfterMs };
  }

  function admit(target: Scope): Admission {
    const now = clock.now();
    const owner = target.provider;
    if (!owner.exempt) {
      const until = degraded.until(now);
      if (until !== undefined) return refuse(target, "degraded", until - now);
      if (globalWindow.total(now) >= settings.globalPerMinute) {
        degraded.enter(now, `more than ${settings.globalPerMinute} outbound requests in a minute`);
        return refuse(target, "global-cap", settings.degradedCooldownMs);
      }
    }
    const breakerWait = owner.breaker.admit(now);
    if (breakerWait > 0) return refuse(target, "circuit-open", breakerWait);
    if (owner.pausedUntil > now) {
      owner.breaker.release();
      return refuse(target, "rate-limited", owner.pausedUntil - now);
    }
    const bucketWait = target.bucket.take(now);
    if (bucketWait > 0) {
      owner.breaker.release();
      return refuse(target, "rate-limited", bucketWait);
    }
    globalWindow.add(now);
    target.counters.requests += 1;
    return ALLOWED;
  }

  function recordOutcome(target: Scope, outcome: Outcome, pauseProvider = true): void {
    const now = clock.now();
    const owner = target.provider;
    countOutcome(target.counters, outcome);
    if (isFailure(outcome.kind)) {
      owner.breaker.onFailure(now);
      consecutiveFailures += 1;
      if (consecutiveFailures >= settings.degradeAfterFailures) {
        degraded.enter(now, `${consecutiveFailures} outbound requests failed in a row (last: ${target.name})`);
        consecutiveFailures = 0;
      }
    } else if (outcome.kind === "success" || outcome.kind === "client-error") {
      owner.breaker.onSuccess();
      consecutiveFailures = 0;
    } else {
      owner.breaker.onNeutral();
    }
    if (outcome.kind === "rate-limited" && pauseProvider) holdOff(target, outcome, now);
  }

  /** The provider said "slow down": all its scopes hold off for its Retry-After, or this scope's bucket refills. */
  function holdOff(target: Scope, outcome: Outcome, now: number): void {
    if (outcome.retryAfterMs !== undefined) {
      target.provider.pausedUntil = Math.max(target.provider.pausedUntil, now + outcome.retryAfterMs);
    } else {
      target.bucket.drain(now);
    }
  }

  function refusalMessage(target: Scope, reason: RefusalReason): string {
    const owner = target.provider;
    switch (reason) {
      case "degraded":
        return `Requests to ${owner.name} are paused: degraded mode (${degraded.reason(clock.now()) ?? "cooling down"})`;
      case "global-cap":
        return `More than ${settings.globalPerMinute} outbound requests in a minute: degraded mode, requests to ${owner.name} are paused`;
      case "circuit-open":
        return `${owner.name} keeps failing (circuit open after ${owner.breaker.settings.failureThreshold} failures in a row)`;
      case "rate-limited":
        return owner.pausedUntil > clock.now()
          ? `${owner.name} asked us to slow down (HTTP 429)`
          : `${target.name} is over its rate limit (${owner.limit.capacity} burst, ${owner.limit.refillPerSecond}/s)`;
      default:
        return `${owner.name} asked for a long wait`;
    }
  }

  /** Waits for admission when the wait is short; throws a TrafficRefusedError when it is long or degraded. */
  async function waitForAdmission(target: Scope, signal: AbortSignal | undefined): Promise<void> {
    let waited = 0;
    for (;;) {
      const decision = admit(target);
      if (decision.allowed) return;
      const { reason, retryAfterMs } = decision;
      if (reason === "degraded" || reason === "global-cap" || waited + retryAfterMs > settings.maxWaitMs) {
        target.counters.refused += 1;
        log.info({ scope: target.name, reason, retryAfterMs }, "Outbound request refused; the job can wait in the queue");
        throw new TrafficRefusedError(reason, target.name, retryAfterMs, refusalMessage(target, reason));
      }
      waited += retryAfterMs;
      await sleep(retryAfterMs, signal);
    }
  }

  async function execute<T>(
    target: Scope,
    attemptOnce: (context: AttemptContext) => Promise<T>,
    outcomeOf: (result: T, now: number) => Outcome,
    discard: (result: T) => Promise<void>,
    callOptions: CallOptions,
  ): Promise<T> {
    const { signal } = callOptions;
    const maxAttempts = callOptions.retry === false ? 1 : Math.max(1, settings.retry.maxAttempts);
    const timeoutMs = callOptions.timeoutMs ?? target.provider.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      await waitForAdmission(target, signal);
      const timeout = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
      const attemptSignal = timeout && signal ? AbortSignal.any([signal, timeout]) : (timeout ?? signal);
      let outcome: Outcome;
      let result: { value: T } | undefined;
      let failure: unknown;
      try {
        const value = await withTimeout(attemptOnce({ attempt, signal: attemptSignal }), timeout);
        result = { value };
        outcome = outcomeOf(value, clock.now());
      } catch (error) {
        failure = error;
        const now = clock.now();
        if (timeout?.aborted && !signal?.aborted) outcome = { kind: "timeout" };
        else if (signal?.aborted) outcome = { kind: "aborted" };
        else outcome = callOptions.classifyError?.(error, now) ?? errorOutcome(error, now);
      }
      recordOutcome(target, outcome, callOptions.pauseProvider);
      if (!isRetryable(outcome.kind) || attempt >= maxAttempts) {
        if (result) return result.value;
        throw failure;
      }
      const delayMs =
        outcome.retryAfterMs ?? backoffDelay(attempt - 1, settings.retry.baseDelayMs, settings.retry.maxDelayMs, settings.retry.jitter, random);
      const label = outcome.status !== undefined ? `HTTP ${outcome.status}` : outcome.kind;
      if (result) await discard(result.value);
      if (delayMs > settings.maxWaitMs) {
        target.counters.refused += 1;
        log.info({ scope: target.name, status: label, delayMs }, "Outbound request needs a long wait; handing it back to the job queue");
        throw new TrafficRefusedError("retry-after", target.name, delayMs, `${target.provider.name} answered ${label}; the next attempt is too far off to hold a worker`, failure);
      }
      target.counters.retries += 1;
      log.debug(
        { scope: target.name, status: label, attempt, delayMs: Math.round(delayMs), retryAfter: outcome.retryAfterMs !== undefined },
        "Outbound request failed; retrying",
      );
      await sleep(delayMs, signal);
    }
  }

  function fetchWith(providerName: string, input: string | URL | Request, init: RequestInit | undefined, callOptions: CallOptions = {}): Promise<Response> {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const target = scope(providerName, method);
    const signal = callOptions.signal ?? init?.signal ?? undefined;
    // A streamed body can be sent once only; a Request is cloned per attempt.
    const replayable = !isStream(init?.body);
    return execute(
      target,
      ({ signal: attemptSignal }) =>
        baseFetch(input instanceof Request ? input.clone() : input, { ...init, ...(attemptSignal ? { signal: attemptSignal } : {}) }),
      (response, now) => statusOutcome(response.status, response.headers, now),
      async (response) => {
        await response.body?.cancel().catch(() => undefined);
      },
      { ...callOptions, ...(signal ? { signal } : {}), ...(replayable ? {} : { retry: false }) },
    );
  }

  const control: TrafficControl = {
    settings,
    fetch: fetchWith,
    fetchFor(providerName, callOptions) {
      return (input, init) => fetchWith(providerName, input, init, callOptions);
    },
    run(providerName, method, fn, callOptions = {}) {
      return execute(
        scope(providerName, method),
        fn,
        (value, now) => (isResponse(value) ? statusOutcome(value.status, value.headers, now) : { kind: "success" }),
        async () => undefined,
        callOptions,
      );
    },
    acquire(providerName, method) {
      return admit(scope(providerName, method));
    },
    record(providerName, method, outcome) {
      recordOutcome(scope(providerName, method), outcome);
    },
    recordRetry(providerName, method, outcome) {
      const target = scope(providerName, method);
      countOutcome(target.counters, outcome);
      target.counters.retries += 1;
    },
    allowRun(repo, issue) {
      const now = clock.now();
      const decision = runGuard.allow(repo, issue, now);
      if (!decision.allowed) {
        log.warn({ repo, issue, runs: decision.runsInWindow }, "Run refused: this issue hit its runs-per-hour cap (a loop?)");
        degraded.enter(now, `${repo}#${issue} asked for more than ${settings.runsPerIssuePerHour} runs in an hour`);
      }
      return decision;
    },
    allowStart() {
      return !degraded.active(clock.now());
    },
    isDegraded() {
      return degraded.active(clock.now());
    },
    get degradedUntil() {
      return degraded.until(clock.now());
    },
    enterDegraded(reason) {
      degraded.enter(clock.now(), reason);
    },
    onDegradedChange(listener) {
      return degraded.onChange(listener);
    },
    recordGitHubQuota(installation, headers) {
      const limit = numberHeader(headers, "x-ratelimit-limit");
      const remaining = numberHeader(headers, "x-ratelimit-remaining");
      if (limit === null && remaining === null) return;
      const resource = header(headers, "x-ratelimit-resource") ?? "core";
      const reset = numberHeader(headers, "x-ratelimit-reset");
      let perResource = quotas.get(installation);
      if (perResource) quotas.delete(installation);
      else perResource = new Map();
      quotas.set(installation, perResource);
      if (quotas.size > MAX_INSTALLATIONS) {
        const oldest = quotas.keys().next();
        if (!oldest.done) quotas.delete(oldest.value);
      }
      perResource.set(resource, {
        limit,
        remaining,
        used: numberHeader(headers, "x-ratelimit-used"),
        resetAt: reset === null ? null : new Date(reset * 1000).toISOString(),
        updatedAt: new Date(clock.now()).toISOString(),
      });
    },
    snapshot() {
      const now = clock.now();
      const until = degraded.until(now);
      const providerSnapshots: Record<string, ProviderSnapshot> = {};
      const scopes: Record<string, ScopeSnapshot> = {};
      for (const [key, owner] of providers) {
        if (key !== owner.name) continue;
        const openUntil = owner.breaker.openUntil(now);
        const breaker = owner.breaker.state(now);
        providerSnapshots[owner.name] = {
          exempt: owner.exempt,
          breaker,
          consecutiveFailures: owner.breaker.consecutiveFailures,
          breakerOpenUntil: openUntil === undefined ? null : new Date(openUntil).toISOString(),
          pausedUntil: owner.pausedUntil > now ? new Date(owner.pausedUntil).toISOString() : null,
          limit: { ...owner.limit },
        };
        for (const [method, target] of owner.scopes) {
          if (method !== target.method) continue;
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
      const github: TrafficSnapshot["github"] = {};
      for (const [installation, perResource] of quotas) github[installation] = Object.fromEntries(perResource);
      return {
        at: new Date(now).toISOString(),
        degraded: until !== undefined,
        degradedUntil: until === undefined ? null : new Date(until).toISOString(),
        degradedReason: degraded.reason(now) ?? null,
        global: {
          requestsLastMinute: globalWindow.total(now),
          limitPerMinute: settings.globalPerMinute,
          consecutiveFailures,
          degradeAfterFailures: settings.degradeAfterFailures,
        },
        providers: providerSnapshots,
        scopes,
        github,
      };
    },
    close() {
      clearTimeout(recoveryTimer);
    },
  };
  return control;
}

function countOutcome(counters: ScopeCounters, outcome: Outcome): void {
  switch (outcome.kind) {
    case "success":
      if ((outcome.status ?? 200) >= 300) counters["3xx"] += 1;
      else counters["2xx"] += 1;
      break;
    case "client-error":
      counters["4xx"] += 1;
      break;
    case "rate-limited":
      counters["429"] += 1;
      break;
    case "server-error":
      counters["5xx"] += 1;
      break;
    case "timeout":
      counters.timeouts += 1;
      break;
    case "network":
      counters.networkErrors += 1;
      break;
    default:
      counters.otherErrors += 1;
  }
}

function emptyCounters(): ScopeCounters {
  return {
    requests: 0,
    "2xx": 0,
    "3xx": 0,
    "4xx": 0,
    "429": 0,
    "5xx": 0,
    timeouts: 0,
    networkErrors: 0,
    otherErrors: 0,
    retries: 0,
    throttled: 0,
    refused: 0,
  };
}

/** Rejects with the timeout's reason even when the attempt ignores its signal. */
function withTimeout<T>(promise: Promise<T>, timeout: AbortSignal | undefined): Promise<T> {
  if (!timeout) return promise;
  return new Promise<T>((resolve, reject) => {
    const onTimeout = () => reject(timeout.reason);
    if (timeout.aborted) onTimeout();
    timeout.addEventListener("abort", onTimeout, { once: true });
    promise.then(
      (value) => {
        timeout.removeEventListener("abort", onTimeout);
        resolve(value);
      },
      (error: unknown) => {
        timeout.removeEventListener("abort", onTimeout);
        reject(error);
      },
    );
  });
}

function isStream(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    (body instanceof ReadableStream || (Symbol.asyncIterator in body && !(body instanceof Blob) && typeof body !== "string"))
  );
}

function isResponse(value: unknown): value is Response {
  return value instanceof Response;
}

function numberHeader(headers: HeaderSource, name: string): number | null {
  const raw = header(headers, name);
  if (raw === undefined || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
