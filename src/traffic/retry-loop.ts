// The one retry loop for outbound calls: admission, a timed attempt, its outcome, then backoff or Retry-After.
import type { Logger } from "pino";
import type { RetrySettings } from "../config/traffic-settings.js";
import type { Clock } from "../shared/clock.js";
import type { Sleep } from "../shared/sleep.js";
import type { AttemptContext, CallOptions } from "./call-options.js";
import type { OutboundGate } from "./outbound-gate.js";
import { errorOutcome, isRetryable, type Outcome } from "./outcome.js";
import type { Scope } from "./provider-registry.js";
import { TrafficRefusedError } from "./traffic-refused-error.js";

export interface RetryLoopDependencies {
  gate: OutboundGate;
  retry: RetrySettings;
  /** Longest wait between attempts; a longer one hands the call back to the job queue. */
  maxWaitMs: number;
  clock: Clock;
  sleep: Sleep;
  /** Jitter source in [0, 1). */
  random: () => number;
  log: Logger;
}

/** How one kind of call is attempted and read: a fetch returns a Response, an SDK call whatever it returns. */
export interface Attempts<T> {
  attemptOnce(context: AttemptContext): Promise<T>;
  outcomeOf(result: T, now: number): Outcome;
  /** Frees a result that will not be handed back (a retried response's body). */
  discard(result: T): Promise<void>;
}

export async function withRetries<T>(target: Scope, attempts: Attempts<T>, options: CallOptions, dependencies: RetryLoopDependencies): Promise<T> {
  const { gate, retry, clock, sleep, log } = dependencies;
  const { signal } = options;
  const maxAttempts = options.retry === false ? 1 : Math.max(1, options.maxAttempts ?? retry.maxAttempts);
  const timeoutMs = options.timeoutMs ?? target.provider.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    await gate.waitForAdmission(target, signal);
    const timeout = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
    const attemptSignal = timeout && signal ? AbortSignal.any([signal, timeout]) : (timeout ?? signal);
    let outcome: Outcome;
    let result: { value: T } | undefined;
    let failure: unknown;
    try {
      const value = await withTimeout(attempts.attemptOnce({ attempt, signal: attemptSignal }), timeout);
      result = { value };
      outcome = attempts.outcomeOf(value, clock.now());
    } catch (error) {
      failure = error;
      if (timeout?.aborted && !signal?.aborted) outcome = { kind: "timeout" };
      else if (signal?.aborted) outcome = { kind: "aborted" };
      else outcome = errorOutcome(error, clock.now());
    }
    gate.record(target, outcome, options.pauseProvider);
    const exhausted = attempt >= maxAttempts;
    if (!isRetryable(outcome.kind) || (exhausted && options.handBack !== true)) {
      if (result) return result.value;
      throw failure;
    }
    const delayMs = outcome.retryAfterMs ?? backoffDelay(attempt - 1, retry, dependencies.random);
    const label = outcome.status !== undefined ? `HTTP ${outcome.status}` : outcome.kind;
    if (result) await attempts.discard(result.value);
    if (exhausted) {
      target.counters.refused += 1;
      log.info({ scope: target.name, status: label, attempts: attempt, delayMs }, "Outbound request kept failing; handing it back to the job queue");
      throw new TrafficRefusedError("retries-exhausted", target.name, delayMs, `${target.provider.name} kept failing (${label})`, failure);
    }
    if (delayMs > dependencies.maxWaitMs) {
      target.counters.refused += 1;
      log.info({ scope: target.name, status: label, delayMs }, "Outbound request needs a long wait; handing it back to the job queue");
      throw new TrafficRefusedError("retry-after", target.name, delayMs, `${target.provider.name} answered ${label}; the next attempt is too far off to hold a worker`, failure);
    }
    target.counters.retries += 1;
    const details = { scope: target.name, status: label, attempt, delayMs: Math.round(delayMs), retryAfter: outcome.retryAfterMs !== undefined };
    if (options.describe) {
      const reason = failure instanceof Error ? failure.message.split("\n")[0] : label;
      log.warn(details, `${options.describe} failed (${outcome.status ?? outcome.kind}): ${reason}; retrying`);
    } else {
      log.debug(details, "Outbound request failed; retrying");
    }
    await sleep(delayMs, signal);
  }
}

/** min(max, base·2^retry) with ±jitter; `random` returns [0, 1). */
export function backoffDelay(retryIndex: number, retry: RetrySettings, random: () => number): number {
  const plain = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** retryIndex);
  return Math.min(retry.maxDelayMs, plain * (1 + (random() * 2 - 1) * retry.jitter));
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
