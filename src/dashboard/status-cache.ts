// The dashboard's integration status: the last known answer at once, fresh probes in the background, one batch at a time.
import type { Logger } from "pino";
import type { IntegrationStatus } from "../skills/integration.js";

export interface StatusSnapshot {
  integrations: IntegrationStatus[];
  /** A probe is running: what is shown is the last known status (before the first: what the config says). */
  checking: boolean;
  /** When the statuses shown were probed; null before the first probe ended. */
  checkedAt: string | null;
  ageSeconds: number | null;
}

export interface StatusCacheOptions {
  /** Every integration's live status; each probe bounded by its own timeout. */
  probe: () => Promise<IntegrationStatus[]>;
  /** What is known without a request, shown until the first probe ends. */
  initial: () => IntegrationStatus[];
  /** A result older than this is probed again on the next read; default 30 s. */
  maxAgeMs?: number;
  /** One integration's live status, masked (the dashboard's "test" button); undefined for an unknown name. */
  probeOne?: (name: string) => Promise<IntegrationStatus | undefined>;
  now?: () => number;
  log?: Logger;
}

const DEFAULT_MAX_AGE_MS = 30_000;

export class StatusCache {
  readonly #options: StatusCacheOptions;
  #last: { integrations: IntegrationStatus[]; checkedAt: number } | undefined;
  #running: Promise<void> | undefined;

  constructor(options: StatusCacheOptions) {
    this.#options = options;
  }

  /** Answers at once; starts a probe when the last result is missing or stale and none is running. */
  snapshot(): StatusSnapshot {
    const now = (this.#options.now ?? Date.now)();
    const maxAgeMs = this.#options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (!this.#running && (!this.#last || now - this.#last.checkedAt >= maxAgeMs)) {
      // Cleared in a later tick, so a probe that fails at once cannot leave a finished promise marked as running.
      const running: Promise<void> = this.#refresh().finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
      this.#running = running;
    }
    const last = this.#last;
    return {
      integrations: last?.integrations ?? this.#options.initial(),
      checking: this.#running !== undefined,
      checkedAt: last ? new Date(last.checkedAt).toISOString() : null,
      ageSeconds: last ? Math.max(0, Math.floor((now - last.checkedAt) / 1000)) : null,
    };
  }

  /**
   * Probes one integration now and keeps its answer in the last known status (the others stay as they were);
   * undefined when no integration has that name.
   */
  async check(name: string): Promise<IntegrationStatus | undefined> {
    const status = await this.#options.probeOne?.(name);
    if (!status) return undefined;
    const last = this.#last;
    if (last) {
      const integrations = last.integrations.map((item) => (item.name === status.name ? status : item));
      this.#last = { integrations, checkedAt: last.checkedAt };
    }
    return status;
  }

  async #refresh(): Promise<void> {
    try {
      const integrations = await this.#options.probe();
      this.#last = { integrations, checkedAt: (this.#options.now ?? Date.now)() };
    } catch (error) {
      // Each probe reports its own failure; this is a bug in the wiring. The last known status stays.
      this.#options.log?.warn({ err: error }, "Integration status probe failed; showing the last known status");
    }
  }
}
