// The delivery inbox: every accepted webhook delivery is on disk before GitHub gets its answer.

export interface Delivery {
  id: string;
  name: string;
  payload: string;
  receivedAt: number;
}

export interface DeliveryInbox {
  /**
   * Stores a delivery durably; resolves false when this `X-GitHub-Delivery` id was seen before (a redelivery).
   * `processed` records a delivery that needs no processing (not a trigger) — kept only for deduplication.
   */
  accept(delivery: Delivery, options?: { processed?: string }): Promise<boolean>;
  /** Deliveries accepted but not yet processed (after a crash, replayed on start). */
  pending(limit?: number): Delivery[];
  /** Marks a delivery processed and drops its payload (the id stays for deduplication). */
  markProcessed(id: string, outcome: string): void;
  /** Forgets processed deliveries older than `olderThanMs` (GitHub redelivers for at most a few days). */
  prune(olderThanMs: number): number;
}
