// A circuit breaker per provider: closed → open after N consecutive failures → half-open trials → closed.
import type { BreakerSettings } from "../config/traffic-settings.js";

export type BreakerState = "closed" | "open" | "half-open";

/** How long a caller waits when every half-open trial is already in flight. */
const TRIALS_BUSY_MS = 1_000;

export type BreakerListener = (state: BreakerState, previous: BreakerState) => void;

export class CircuitBreaker {
  readonly settings: BreakerSettings;
  #state: BreakerState = "closed";
  #consecutiveFailures = 0;
  #openUntil = 0;
  #trialsLeft = 0;
  #trialsInFlight = 0;
  #trialSuccesses = 0;
  readonly #onChange: BreakerListener | undefined;

  constructor(settings: BreakerSettings, onChange?: BreakerListener) {
    this.settings = settings;
    this.#onChange = onChange;
  }

  /** 0 when a call may go now (taking a trial slot when half-open), else the milliseconds to wait. */
  admit(now: number): number {
    if (this.#state === "closed") return 0;
    if (this.#state === "open") {
      if (now < this.#openUntil) return this.#openUntil - now;
      this.#halfOpen();
    }
    if (this.#trialsLeft > 0) {
      this.#trialsLeft -= 1;
      this.#trialsInFlight += 1;
      return 0;
    }
    return TRIALS_BUSY_MS;
  }

  /** Undoes an `admit` whose call did not go out (e.g. the token bucket said wait). */
  release(): void {
    if (this.#state === "half-open" && this.#trialsInFlight > 0) {
      this.#trialsInFlight -= 1;
      this.#trialsLeft += 1;
    }
  }

  onSuccess(): void {
    this.#consecutiveFailures = 0;
    if (this.#state !== "half-open" || this.#trialsInFlight === 0) return;
    this.#trialsInFlight -= 1;
    this.#trialSuccesses += 1;
    if (this.#trialSuccesses >= this.settings.successesToClose) this.#set("closed");
  }

  onFailure(now: number): void {
    this.#consecutiveFailures += 1;
    if (this.#state === "half-open") {
      // A failed trial sends it straight back to open; a late answer from before it opened changes nothing.
      if (this.#trialsInFlight > 0) this.#open(now);
      return;
    }
    if (this.#state === "closed" && this.#consecutiveFailures >= this.settings.failureThreshold) this.#open(now);
  }

  /** An answer that says nothing about health (429): frees the trial slot for another call. */
  onNeutral(): void {
    this.release();
  }

  state(now: number): BreakerState {
    if (this.#state === "open" && now >= this.#openUntil) this.#halfOpen();
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** When an open breaker lets trial calls through; undefined unless open. */
  openUntil(now: number): number | undefined {
    return this.state(now) === "open" ? this.#openUntil : undefined;
  }

  #open(now: number): void {
    this.#openUntil = now + this.settings.openMs;
    this.#trialsInFlight = 0;
    this.#trialsLeft = 0;
    this.#set("open");
  }

  #halfOpen(): void {
    this.#trialsLeft = this.settings.halfOpenTrials;
    this.#trialsInFlight = 0;
    this.#trialSuccesses = 0;
    this.#set("half-open");
  }

  #set(state: BreakerState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    if (state === "closed") this.#consecutiveFailures = 0;
    this.#onChange?.(state, previous);
  }
}
