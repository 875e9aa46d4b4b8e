// A token bucket: `capacity` tokens at most, refilled continuously at `refillPerSecond`.

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, refillPerSecond: number, now: number) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Takes `count` tokens and returns 0, or takes nothing and returns the milliseconds until they would be there. */
  take(now: number, count = 1): number {
    this.#refill(now);
    if (this.#tokens >= count) {
      this.#tokens -= count;
      return 0;
    }
    if (count > this.capacity || this.#refillPerMs <= 0) return Number.POSITIVE_INFINITY;
    return Math.ceil((count - this.#tokens) / this.#refillPerMs);
  }

  /** Gives back tokens taken for a call that did not go out after all. */
  giveBack(count = 1): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + count);
  }

  /** Empties the bucket, e.g. when the provider itself said "slow down". */
  drain(now: number): void {
    this.#refill(now);
    this.#tokens = 0;
  }

  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    if (this.#tokens < this.capacity) this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.#refillPerMs);
  }
}
