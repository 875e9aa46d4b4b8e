// Counts events over a sliding window in fixed slots (one second each for a minute): O(1) per event.

export class SlidingWindowCounter {
  readonly windowMs: number;
  readonly #slotMs: number;
  readonly #slots: Float64Array;
  #currentSlot = Number.NEGATIVE_INFINITY;
  #total = 0;

  constructor(windowMs: number, slotCount = 60) {
    this.windowMs = windowMs;
    this.#slotMs = windowMs / slotCount;
    this.#slots = new Float64Array(slotCount);
  }

  add(now: number, count = 1): void {
    this.#advance(now);
    const index = this.#currentSlot % this.#slots.length;
    this.#slots[index] = (this.#slots[index] ?? 0) + count;
    this.#total += count;
  }

  total(now: number): number {
    this.#advance(now);
    return this.#total;
  }

  #advance(now: number): void {
    const slot = Math.floor(now / this.#slotMs);
    if (slot <= this.#currentSlot) return;
    const length = this.#slots.length;
    if (slot - this.#currentSlot >= length) {
      this.#slots.fill(0);
      this.#total = 0;
    } else {
      for (let next = this.#currentSlot + 1; next <= slot; next++) {
        const index = next % length;
        this.#total -= this.#slots[index] ?? 0;
        this.#slots[index] = 0;
      }
    }
    this.#currentSlot = slot;
  }
}
