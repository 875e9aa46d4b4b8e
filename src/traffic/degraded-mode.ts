// Degraded mode: entered on a crossed cap or a run of failures, left by itself after a cooldown.

export interface DegradedChange {
  degraded: boolean;
  /** Epoch ms when it ends (set while degraded). */
  until?: number;
  /** Why it started (set while degraded). */
  reason?: string;
}

export type DegradedListener = (change: DegradedChange) => void;

export class DegradedMode {
  readonly cooldownMs: number;
  #until = 0;
  #reason: string | undefined;
  readonly #listeners = new Set<DegradedListener>();

  constructor(cooldownMs: number) {
    this.cooldownMs = cooldownMs;
  }

  /** Starts degraded mode, or extends it to a full cooldown from now; returns true when it was not degraded before. */
  enter(now: number, reason: string): boolean {
    const wasActive = this.active(now);
    this.#until = Math.max(this.#until, now + this.cooldownMs);
    if (wasActive) return false;
    this.#reason = reason;
    this.#emit({ degraded: true, until: this.#until, reason });
    return true;
  }

  /** Ends it when the cooldown is over (the exit event fires from here, on whichever call notices first). */
  active(now: number): boolean {
    if (this.#reason === undefined) return false;
    if (now < this.#until) return true;
    this.#reason = undefined;
    this.#emit({ degraded: false });
    return false;
  }

  until(now: number): number | undefined {
    return this.active(now) ? this.#until : undefined;
  }

  reason(now: number): string | undefined {
    return this.active(now) ? this.#reason : undefined;
  }

  onChange(listener: DegradedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: DegradedChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }
}
