import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { RunGuard } from "../../../src/pipeline/run-guard.js";
import { createTrafficControl } from "../../../src/traffic/traffic-control.js";
import { FakeClock } from "../traffic/support.js";

const log = pino({ level: "silent" });

function setup() {
  const clock = new FakeClock();
  const traffic = createTrafficControl({ log, clock });
  const runs = new RunGuard({ limit: traffic.settings.runsPerIssuePerHour, degraded: traffic, log, clock });
  return { clock, traffic, runs };
}

describe("anti-loop", () => {
  it("allows 5 runs per issue per sliding hour; the 6th is refused and enters degraded mode", () => {
    const { traffic, runs, clock } = setup();
    for (let i = 1; i <= 5; i++) {
      expect(runs.allowRun("Owner/Repo", 7)).toEqual({ allowed: true, runsInWindow: i, retryAfterSeconds: 0 });
      clock.advance(60_000);
    }
    expect(runs.allowRun("owner/repo", 8).allowed).toBe(true);
    expect(runs.allowRun("owner/repo", 7)).toEqual({ allowed: false, runsInWindow: 5, retryAfterSeconds: 3600 - 300 });
    expect(traffic.isDegraded()).toBe(true);
    clock.advance(3600_000 - 300_000);
    expect(runs.allowRun("owner/repo", 7)).toMatchObject({ allowed: true, runsInWindow: 5 });
    traffic.close();
  });
});
