// What the dashboard needs of the issue poller: pause, resume and its state (intake's Poller; the dashboard may not import intake).

/** The poller as the dashboard drives it (intake's Poller; the dashboard may not import intake). */
export interface PollerControl {
  pause(): void;
  resume(): void;
  state(): PollerStateView;
}

/** Mirrors intake/poller.ts PollerState. */
export interface PollerStateView {
  enabled: boolean;
  paused: boolean;
  intervalMs: number | null;
  lastPollAt: string | null;
  lastError: string | null;
  lastReport: unknown;
  nextPollAt: string | null;
}
