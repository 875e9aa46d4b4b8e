// The one outbound gate: every fetch and SDK call passes admission, the retry loop and the counters; degraded mode closes it.
import type { Logger } from "pino";
import type { HeaderSource } from "../shared/classify-failure.js";
import { resolveTrafficSettings, type TrafficSettings, type TrafficSettingsOverrides } from "../config/traffic-settings.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { realSleep, type Sleep } from "../shared/sleep.js";
import type { WorkerGate } from "../shared/worker-gate.js";
import type { AttemptContext, CallOptions } from "./call-options.js";
import { DegradedMode, type DegradedListener } from "./degraded-mode.js";
import { GitHubQuotaBook } from "./github-quota.js";
import { OutboundGate, type Admission } from "./outbound-gate.js";
import { statusOutcome, type Outcome } from "./outcome.js";
import { ProviderRegistry } from "./provider-registry.js";
import { withRetries, type Attempts } from "./retry-loop.js";
import { countOutcome } from "./scope-counters.js";
import { takeSnapshot, type TrafficSnapshot } from "./traffic-snapshot.js";

export type { Admission } from "./outbound-gate.js";
export type { AttemptContext, CallOptions } from "./call-options.js";
export type { Outcome } from "./outcome.js";
export type { GitHubQuota } from "./github-quota.js";
export type { ScopeCounters } from "./scope-counters.js";
export type { ProviderSnapshot, ScopeSnapshot, TrafficSnapshot } from "./traffic-snapshot.js";

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
  /** WorkerGate: false while degraded, so jobs wait in the queue. */
  allowStart(): boolean;
  isDegraded(): boolean;
  /** Epoch ms when degraded mode ends; undefined when not degraded. */
  readonly degradedUntil: number | undefined;
  /** Enters (or extends) degraded mode, e.g. from an operator command or the pipeline's run guard. */
  enterDegraded(reason: string): void;
  onDegradedChange(listener: DegradedListener): () => void;
  /** Records GitHub's `x-ratelimit-*` headers for an installation (`token` in token mode). */
  recordGitHubQuota(installation: string, headers: HeaderSource): void;
  snapshot(): TrafficSnapshot;
  /** Stops the cooldown timer. */
  close(): void;
}

export function createTrafficControl(options: TrafficControlOptions): TrafficControl {
  const settings = resolveTrafficSettings(options.settings);
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const registry = new ProviderRegistry(settings, { clock, log, ...(options.timeouts ? { timeouts: options.timeouts } : {}) });
  const degraded = new DegradedMode(settings.degradedCooldownMs);
  const gate = new OutboundGate({ settings, degraded, clock, sleep, log });
  const quotas = new GitHubQuotaBook(clock);
  const loop = { gate, retry: settings.retry, maxWaitMs: settings.maxWaitMs, clock, sleep, random: options.random ?? Math.random, log };
  let recoveryTimer: NodeJS.Timeout | undefined;

  degraded.onChange((change) => {
    if (change.degraded) {
      log.warn(
        { until: new Date(change.until ?? 0).toISOString(), reason: change.reason },
        `Degraded mode: ${change.reason}; no new runs start and only ${registry.exemptNames.join(", ") || "no"} providers are served until it ends`,
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

  function fetchWith(providerName: string, input: string | URL | Request, init: RequestInit | undefined, callOptions: CallOptions = {}): Promise<Response> {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const signal = callOptions.signal ?? init?.signal ?? undefined;
    // A streamed body can be sent once only; a Request is cloned per attempt.
    const replayable = !isStream(init?.body);
    const attempts: Attempts<Response> = {
      attemptOnce: ({ signal: attemptSignal }) =>
        baseFetch(input instanceof Request ? input.clone() : input, { ...init, ...(attemptSignal ? { signal: attemptSignal } : {}) }),
      outcomeOf: (response, now) => statusOutcome(response.status, response.headers, now),
      discard: async (response) => {
        await response.body?.cancel().catch(() => undefined);
      },
    };
    return withRetries(registry.scope(providerName, method), attempts, { ...callOptions, ...(signal ? { signal } : {}), ...(replayable ? {} : { retry: false }) }, loop);
  }

  function runWith<T>(providerName: string, method: string, fn: (attempt: AttemptContext) => Promise<T>, callOptions: CallOptions = {}): Promise<T> {
    const attempts: Attempts<T> = {
      attemptOnce: fn,
      outcomeOf: (value, now) => (value instanceof Response ? statusOutcome(value.status, value.headers, now) : { kind: "success" }),
      discard: async () => undefined,
    };
    return withRetries(registry.scope(providerName, method), attempts, callOptions, loop);
  }

  return {
    settings,
    fetch: fetchWith,
    fetchFor(providerName, callOptions) {
      return (input, init) => fetchWith(providerName, input, init, callOptions);
    },
    run: runWith,
    acquire(providerName, method) {
      return gate.admit(registry.scope(providerName, method));
    },
    record(providerName, method, outcome) {
      gate.record(registry.scope(providerName, method), outcome);
    },
    recordRetry(providerName, method, outcome) {
      const target = registry.scope(providerName, method);
      countOutcome(target.counters, outcome);
      target.counters.retries += 1;
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
      quotas.record(installation, headers);
    },
    snapshot() {
      return takeSnapshot({ settings, registry, gate, degraded, quotas }, clock.now());
    },
    close() {
      clearTimeout(recoveryTimer);
    },
  };
}

function isStream(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    (body instanceof ReadableStream || (Symbol.asyncIterator in body && !(body instanceof Blob) && typeof body !== "string"))
  );
}
