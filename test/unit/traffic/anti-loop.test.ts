// The two guards against the app feeding itself: its own events start nothing, and a looping issue hits a cap.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/intake/decide.js";
import { RunGuard } from "../../../src/pipeline/run-guard.js";
import { createTrafficControl } from "../../../src/traffic/traffic-control.js";
import { example } from "../../fixtures/webhooks.js";
import { FakeClock } from "./support.js";

const settings = { triggerLabel: "venom", botLogin: "venom-integrator[bot]" };
const app = { login: "venom-integrator[bot]", type: "Bot" };

describe("anti-loop", () => {
  it("events the app caused itself (its label, its /venom comment) never start a run, even by a differently cased login", () => {
    const labeled = example("issues", "labeled");
    labeled.label = { ...labeled.label, name: "venom" };
    labeled.sender = app;
    expect(decide("issues", labeled, settings).action).toBe("ignore");

    const commented = example("issue_comment", "created");
    commented.comment = { ...commented.comment!, body: "/venom retry", user: app };
    commented.sender = { login: "Venom-Integrator[bot]", type: "Bot" };
    expect(decide("issue_comment", commented, settings, "admin").action).toBe("ignore");
  });

  it("a loop that gets past intake anyway is stopped by the per-issue cap, which also holds new runs back", () => {
    const clock = new FakeClock();
    const log = pino({ level: "silent" });
    const traffic = createTrafficControl({ log, clock });
    const runs = new RunGuard({ limit: traffic.settings.runsPerIssuePerHour, degraded: traffic, log, clock });
    const decisions = Array.from({ length: 8 }, () => {
      clock.advance(1_000);
      return runs.allowRun("octo/repo", 1).allowed;
    });
    expect(decisions).toEqual([true, true, true, true, true, false, false, false]);
    expect(traffic.allowStart()).toBe(false);
    traffic.close();
  });
});
