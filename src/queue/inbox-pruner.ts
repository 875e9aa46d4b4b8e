// Keeps the delivery inbox bounded: forgets processed deliveries past their retention, at start and then hourly.
import type { Logger } from "pino";
import { DELIVERY_RETENTION_MS, PRUNE_BATCH, type DeliveryInbox } from "./inbox.js";

export interface InboxPrunerOptions {
  inbox: Pick<DeliveryInbox, "prune">;
  log: Logger;
  /** Processed deliveries received longer ago than this are forgotten (default DELIVERY_RETENTION_MS). */
  retentionMs?: number;
  /** Time between prunes (default one hour). */
  intervalMs?: number;
  /** Deliveries deleted per batch (default PRUNE_BATCH). */
  batchSize?: number;
}

export class InboxPruner {
  readonly #options: InboxPrunerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(options: InboxPrunerOptions) {
    this.#options = options;
  }

  /** Prunes once now and then every `intervalMs`; the timer never keeps the process alive. */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      this.pruneNow().catch((error: unknown) =>
        this.#options.log.warn({ err: error }, "Pruning old webhook deliveries failed; the next prune tries again"),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs ?? 3_600_000);
    this.#timer.unref();
  }

  /** One prune to the end, a batch per event-loop turn; concurrent calls share it. Resolves to how many went. */
  pruneNow(): Promise<number> {
    this.#running ??= this.#prune().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #prune(): Promise<number> {
    const { inbox, log, retentionMs = DELIVERY_RETENTION_MS, batchSize = PRUNE_BATCH } = this.#options;
    let total = 0;
    for (;;) {
      const deleted = inbox.prune(retentionMs, batchSize);
      total += deleted;
      if (deleted < batchSize) break;
      // Webhook requests waiting for the database go first: a backlog of old rows never delays an answer to GitHub.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (total > 0) log.info({ deleted: total, retentionDays: retentionMs / 86_400_000 }, "Forgot processed webhook deliveries past their retention");
    return total;
  }
}
