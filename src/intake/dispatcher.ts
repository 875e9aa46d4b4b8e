// Hands accepted deliveries to Probot's event handlers and marks them processed; replays the rest after a crash.
import type { Logger } from "pino";
import type { Delivery, DeliveryInbox } from "../queue/inbox.js";

export interface ReceivedEvent {
  id: string;
  name: string;
  payload: unknown;
}

export interface DispatcherOptions {
  inbox: DeliveryInbox;
  /** Runs the app's handlers for one event (Probot's `receive`). */
  receive: (event: ReceivedEvent) => Promise<void>;
  log: Logger;
  /** Attempts before a delivery whose handlers keep failing is given up (and logged). */
  maxAttempts?: number;
  /** Deliveries processed per event-loop turn, so a burst never delays the answers to new deliveries. */
  chunkSize?: number;
  /** Deliveries waiting in memory at most; beyond it they wait on disk and the replay picks them up. */
  maxBacklog?: number;
}

export class DeliveryDispatcher {
  readonly #options: DispatcherOptions;
  readonly #outcomes = new Map<string, string>();
  readonly #attempts = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #backlog: Delivery[] = [];
  #draining = false;
  #overflowed = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /**
   * Queues an accepted delivery for processing. Processing yields to the event loop between small chunks:
   * answering GitHub comes first, and the work catches up as soon as the burst ends.
   */
  schedule(delivery: Delivery): void {
    if (this.#backlog.length < (this.#options.maxBacklog ?? 10_000)) this.#backlog.push(delivery);
    else this.#overflowed = true;
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    const chunk = this.#backlog.splice(0, this.#options.chunkSize ?? 8);
    await Promise.all(chunk.map((delivery) => this.dispatch(delivery)));
    if (this.#backlog.length > 0) {
      setImmediate(() => void this.#drain());
      return;
    }
    this.#draining = false;
    if (this.#overflowed) {
      this.#overflowed = false;
      await this.replayPending().catch((error: unknown) => this.#options.log.error({ err: error }, "Replaying deliveries failed"));
    }
  }

  /** Called by the app's handlers: what the event led to, stored with the delivery. */
  record(deliveryId: string, outcome: string): void {
    this.#outcomes.set(deliveryId, outcome);
  }

  dispatch(delivery: Delivery): Promise<void> {
    const existing = this.#inFlight.get(delivery.id);
    if (existing) return existing;
    const run = this.#process(delivery).finally(() => this.#inFlight.delete(delivery.id));
    this.#inFlight.set(delivery.id, run);
    return run;
  }

  /** Processes every delivery accepted but not processed (after a crash or a failed attempt). */
  async replayPending(): Promise<number> {
    // Skip what is already being processed or waiting in the in-memory backlog: each delivery is handled once.
    const waiting = new Set(this.#backlog.map((delivery) => delivery.id));
    const pending = this.#options.inbox
      .pending()
      .filter((delivery) => !this.#inFlight.has(delivery.id) && !waiting.has(delivery.id));
    for (const delivery of pending) await this.dispatch(delivery);
    return pending.length;
  }

  startReplay(intervalMs = 30_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.replayPending().catch((error: unknown) => this.#options.log.error({ err: error }, "Replaying deliveries failed"));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  async #process(delivery: Delivery): Promise<void> {
    const { inbox, receive, log, maxAttempts = 5 } = this.#options;
    let payload: unknown;
    try {
      payload = JSON.parse(delivery.payload);
    } catch {
      inbox.markProcessed(delivery.id, "refused: payload is not JSON");
      return;
    }
    try {
      await receive({ id: delivery.id, name: delivery.name, payload });
      inbox.markProcessed(delivery.id, this.#outcomes.get(delivery.id) ?? "no handler");
      this.#outcomes.delete(delivery.id);
      this.#attempts.delete(delivery.id);
    } catch (error) {
      const attempts = (this.#attempts.get(delivery.id) ?? 0) + 1;
      this.#attempts.set(delivery.id, attempts);
      if (attempts >= maxAttempts) {
        log.error({ err: error, deliveryId: delivery.id, attempts }, "Delivery failed too often; giving it up");
        inbox.markProcessed(delivery.id, `failed: ${(error as Error).message}`);
        this.#attempts.delete(delivery.id);
      } else {
        log.warn({ err: error, deliveryId: delivery.id, attempts }, "Delivery processing failed; it will be replayed");
      }
    }
  }
}
