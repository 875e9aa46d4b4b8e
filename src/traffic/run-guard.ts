// Anti-loop: at most N pipeline runs per issue in a sliding hour.

export interface RunDecision {
  allowed: boolean;
  /** Runs counted in the window, this one included when allowed. */
  runsInWindow: number;
  /** When refused: whole seconds (≥ 1) until the oldest run leaves the window. */
  retryAfterSeconds: number;
}

export class RunGuard {
  readonly limit: number;
  readonly windowMs: number;
  readonly #maxKeys: number;
  /** Run start times per `repo#issue`, oldest first; insertion order doubles as the eviction order. */
  readonly #runs = new Map<string, number[]>();

  constructor(limit: number, windowMs = 3_600_000, maxKeys = 10_000) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Records the run when allowed. */
  allow(repo: string, issue: number, now: number): RunDecision {
    const key = `${repo.toLowerCase()}#${issue}`;
    const runs = (this.#runs.get(key) ?? []).filter((time) => now - time < this.windowMs);
    if (runs.length >= this.limit) {
      this.#store(key, runs);
      const oldest = runs[0] ?? now;
      return { allowed: false, runsInWindow: runs.length, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    runs.push(now);
    this.#store(key, runs);
    return { allowed: true, runsInWindow: runs.length, retryAfterSeconds: 0 };
  }

  #store(key: string, runs: number[]): void {
    this.#runs.delete(key);
    this.#runs.set(key, runs);
    if (this.#runs.size > this.#maxKeys) {
      const oldest = this.#runs.keys().next();
      if (!oldest.done) this.#runs.delete(oldest.value);
    }
  }
}
