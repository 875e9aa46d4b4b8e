// The delivery inbox: every accepted webhook delivery is on disk before GitHub gets its answer.

/**
 * How long a processed delivery's id is kept to drop a repeated `X-GitHub-Delivery`: GitHub redelivers deliveries
 * of the past 3 days (by hand or through the API), so 7 days leaves a margin; anything older is forgotten.
 */
export const DELIVERY_RETENTION_MS = 7 * 86_400_000;
/** Deliveries deleted per prune batch: small enough that a batch never delays the ingest path noticeably. */
export const PRUNE_BATCH = 500;

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
  /**
   * Forgets at most `limit` (default PRUNE_BATCH) processed deliveries received more than `olderThanMs` ago;
   * answers how many went. Pending deliveries are never pruned.
   */
  prune(olderThanMs: number, limit?: number): number;
}
