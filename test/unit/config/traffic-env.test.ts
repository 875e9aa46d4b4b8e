import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { parseRateLimits, readTrafficEnv } from "../../../src/config/traffic-env.js";
import { DEFAULT_TRAFFIC_SETTINGS, resolveTrafficSettings } from "../../../src/config/traffic-settings.js";

describe("readTrafficEnv", () => {
  it("keeps the reference numbers when nothing is set", () => {
    expect(readTrafficEnv({})).toEqual({});
    const settings = resolveTrafficSettings(readTrafficEnv({}));
    expect(settings).toEqual(DEFAULT_TRAFFIC_SETTINGS);
    expect(settings).toMatchObject({
      defaultLimit: { capacity: 100, refillPerSecond: 10 },
      providers: { github: { capacity: 60, refillPerSecond: 1 }, openai: { capacity: 500, refillPerSecond: 8.33 } },
      breaker: { failureThreshold: 5, openMs: 60_000, halfOpenTrials: 3, successesToClose: 2 },
      breakerThresholds: { github: 3 },
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.1 },
      globalPerMinute: 1000,
      degradeAfterFailures: 10,
      degradedCooldownMs: 60_000,
      maxWaitMs: 30_000,
      runsPerIssuePerHour: 5,
    });
  });

  it("reads VENOM_RATE_LIMITS, VENOM_TRAFFIC_EXEMPT and the caps", () => {
    const overrides = readTrafficEnv({
      VENOM_RATE_LIMITS: " GitHub=30/0.5 , tavily=10/1,default=50/5 ",
      VENOM_TRAFFIC_EXEMPT: "discord, Slack",
      VENOM_OUTBOUND_PER_MINUTE: "300",
      VENOM_RUNS_PER_ISSUE_PER_HOUR: "2",
    });
    const settings = resolveTrafficSettings(overrides);
    expect(settings.providers).toEqual({
      github: { capacity: 30, refillPerSecond: 0.5 },
      openai: { capacity: 500, refillPerSecond: 8.33 },
      tavily: { capacity: 10, refillPerSecond: 1 },
    });
    expect(settings.defaultLimit).toEqual({ capacity: 50, refillPerSecond: 5 });
    expect(settings.exempt).toEqual(["discord", "slack"]);
    expect(settings.globalPerMinute).toBe(300);
    expect(settings.runsPerIssuePerHour).toBe(2);
    expect(resolveTrafficSettings(readTrafficEnv({ VENOM_TRAFFIC_EXEMPT: "none" })).exempt).toEqual([]);
  });

  it.each([
    ["VENOM_RATE_LIMITS", "github:60/1", 'VENOM_RATE_LIMITS entry "github:60/1" must look like provider=capacity/perSecond (e.g. github=60/1)'],
    ["VENOM_RATE_LIMITS", "github=0/1", 'VENOM_RATE_LIMITS capacity for github must be a whole number of at least 1, got "0"'],
    ["VENOM_RATE_LIMITS", "github=60/-1", 'VENOM_RATE_LIMITS refill for github must be a positive number of requests per second, got "-1"'],
    ["VENOM_RATE_LIMITS", "github=60/x", 'VENOM_RATE_LIMITS refill for github must be a positive number of requests per second, got "x"'],
    ["VENOM_RATE_LIMITS", "git hub=60/1", 'VENOM_RATE_LIMITS entry "git hub=60/1" must look like provider=capacity/perSecond (e.g. github=60/1)'],
    ["VENOM_RATE_LIMITS", "a=1/1,a=2/2", "VENOM_RATE_LIMITS names a twice"],
    ["VENOM_RATE_LIMITS", ",", "VENOM_RATE_LIMITS is empty; remove it or give provider=capacity/perSecond entries"],
    ["VENOM_TRAFFIC_EXEMPT", "slack,*", 'VENOM_TRAFFIC_EXEMPT must be a comma-separated list of provider names (or none), got "*"'],
    ["VENOM_OUTBOUND_PER_MINUTE", "1.5", 'VENOM_OUTBOUND_PER_MINUTE must be a whole number of at least 1, got "1.5"'],
    ["VENOM_RUNS_PER_ISSUE_PER_HOUR", "0", 'VENOM_RUNS_PER_ISSUE_PER_HOUR must be a whole number of at least 1, got "0"'],
  ])("%s=%s is one line naming the variable", (variable, value, message) => {
    let caught: unknown;
    try {
      readTrafficEnv({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toBe(`${message}; fix it in .env (see .env.example).`);
    expect((caught as Error).message).not.toContain("\n");
  });

  it("parses a bare list", () => {
    expect(parseRateLimits("openai=500/8.33")).toEqual({ openai: { capacity: 500, refillPerSecond: 8.33 } });
  });
});
