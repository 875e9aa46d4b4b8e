// The poller's pause switch (the dashboard's): a paused poller starts no cycle, and its state says when it polls.
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import type { Intake } from "../../../src/intake/intake.js";
import { Poller } from "../../../src/intake/poller.js";

describe("Poller pause and resume", () => {
  it("skips cycles while paused, polls again once resumed, and reports its state", async () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    try {
      let cycles = 0;
      const poller = new Poller({
        targets: async () => {
          cycles += 1;
          return { targets: [], requests: 0, notModified: 0 };
        },
        intake: {} as Intake,
        settings: async () => ({ triggerLabel: "venom" }),
        log: pino({ level: "silent" }),
      });
      expect(poller.state()).toMatchObject({ enabled: false, paused: false, lastPollAt: null, nextPollAt: null });
      poller.start(60_000);
      await vi.advanceTimersByTimeAsync(10);
      expect(cycles).toBe(1);
      expect(poller.state()).toMatchObject({
        enabled: true,
        paused: false,
        intervalMs: 60_000,
        lastPollAt: "2026-01-01T00:00:00.000Z",
        lastError: null,
        nextPollAt: "2026-01-01T00:01:00.000Z",
      });
      poller.pause();
      expect(poller.state()).toMatchObject({ paused: true, nextPollAt: null });
      await vi.advanceTimersByTimeAsync(180_000);
      expect(cycles).toBe(1);
      poller.resume();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(cycles).toBe(2);
      expect(poller.state().paused).toBe(false);
      await poller.stop();
      expect(poller.state()).toMatchObject({ enabled: false, nextPollAt: null });
    } finally {
      vi.useRealTimers();
    }
  });
});
