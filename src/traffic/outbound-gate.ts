// Admission for one outbound attempt (degraded → global cap → breaker → provider's pause → bucket), and what its outcome does.
import type { Logger } from "pino";
import type { TrafficSettings } from "../config/traffic-settings.js";
import type { Clock } from "../shared/clock.js";
import type { Sleep } from "../shared/sleep.js";
import type { DegradedMode } from "./degraded-mode.js";
import { isFailure, type Outcome } from "./outcome.js";
import type { Scope } from "./provider-registry.js";
import { countOutcome } from "./scope-counters.js";
import { SlidingWindowCounter } from "./sliding-window.js";
import { TrafficRefusedError, type RefusalReason } from "./traffic-refused-error.js";

export type Admission = { allowed: true } | { allowed: false; reason: RefusalReason; retryAfterMs: number };

const ALLOWED: Admission = Object.freeze({ allowed: true });

export interface OutboundGateOptions {
  settings: TrafficSettings;
  degraded: DegradedMode;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
}

export class OutboundGate {
  readonly #settings: TrafficSettings;
  readonly #degraded: DegradedMode;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #log: Logger;
  readonly #globalWindow = new SlidingWindowCounter(60_000);
  #consecutiveFailures = 0;

  constructor(options: OutboundGateOptions) {
    this.#settings = options.settings;
    this.#degraded = options.degraded;
    this.#clock = options.clock;
    this.#sleep = options.sleep;
    this.#log = options.log;
  }

  /** Failures in a row across all providers (degraded mode starts at `degradeAfterFailures`). */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  requestsLastMinute(now: number): number {
    return this.#globalWindow.total(now);
  }

  /** One decision, without waiting; an allowed attempt is counted as sent. */
  admit(target: Scope): Admission {
    const now = this.#clock.now();
    const owner = target.provider;
    const settings = this.#settings;
    if (!owner.exempt) {
      const until = this.#degraded.until(now);
      if (until !== undefined) return refuse(target, "degraded", until - now);
      if (this.#globalWindow.total(now) >= settings.globalPerMinute) {
        this.#degraded.enter(now, `more than ${settings.globalPerMinute} outbound requests in a minute`);
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
    this.#globalWindow.add(now);
    target.counters.requests += 1;
    return ALLOWED;
  }

  /** Waits for admission when the wait is short; throws a TrafficRefusedError when it is long or degraded. */
  async waitForAdmission(target: Scope, signal: AbortSignal | undefined): Promise<void> {
    let waited = 0;
    for (;;) {
      const decision = this.admit(target);
      if (decision.allowed) return;
      const { reason, retryAfterMs } = decision;
      if (reason === "degraded" || reason === "global-cap" || waited + retryAfterMs > this.#settings.maxWaitMs) {
        target.counters.refused += 1;
        this.#log.info({ scope: target.name, reason, retryAfterMs }, "Outbound request refused; the job can wait in the queue");
        throw new TrafficRefusedError(reason, target.name, retryAfterMs, this.#refusalMessage(target, reason));
      }
      waited += retryAfterMs;
      await this.#sleep(retryAfterMs, signal);
    }
  }

  /** Counts the outcome and feeds the breaker, the failure streak and, for a 429, the provider's pause. */
  record(target: Scope, outcome: Outcome, pauseProvider = true): void {
    const now = this.#clock.now();
    const owner = target.provider;
    countOutcome(target.counters, outcome);
    if (isFailure(outcome.kind)) {
      owner.breaker.onFailure(now);
      this.#consecutiveFailures += 1;
      if (this.#consecutiveFailures >= this.#settings.degradeAfterFailures) {
        this.#degraded.enter(now, `${this.#consecutiveFailures} outbound requests failed in a row (last: ${target.name})`);
        this.#consecutiveFailures = 0;
      }
    } else if (outcome.kind === "success" || outcome.kind === "client-error") {
      owner.breaker.onSuccess();
      this.#consecutiveFailures = 0;
    } else {
      owner.breaker.onNeutral();
    }
    if (outcome.kind === "rate-limited" && pauseProvider) holdOff(target, outcome, now);
  }

  #refusalMessage(target: Scope, reason: RefusalReason): string {
    const owner = target.provider;
    switch (reason) {
      case "degraded":
        return `Requests to ${owner.name} are paused: degraded mode (${this.#degraded.reason(this.#clock.now()) ?? "cooling down"})`;
      case "global-cap":
        return `More than ${this.#settings.globalPerMinute} outbound requests in a minute: degraded mode, requests to ${owner.name} are paused`;
      case "circuit-open":
        return `${owner.name} keeps failing (circuit open after ${owner.breaker.settings.failureThreshold} failures in a row)`;
      case "rate-limited":
        return owner.pausedUntil > this.#clock.now()
          ? `${owner.name} asked us to slow down (HTTP 429)`
          : `${target.name} is over its rate limit (${owner.limit.capacity} burst, ${owner.limit.refillPerSecond}/s)`;
      default:
        return `${owner.name} asked for a long wait`;
    }
  }
}

function refuse(target: Scope, reason: RefusalReason, retryAfterMs: number): Admission {
  target.counters.throttled += 1;
  return { allowed: false, reason, retryAfterMs };
}

/** The provider said "slow down": all its scopes hold off for its Retry-After, or this scope's bucket refills. */
function holdOff(target: Scope, outcome: Outcome, now: number): void {
  if (outcome.retryAfterMs !== undefined) {
    target.provider.pausedUntil = Math.max(target.provider.pausedUntil, now + outcome.retryAfterMs);
  } else {
    target.bucket.drain(now);
  }
}
