// Pure: the traffic variables of process.env in, settings overrides out; a bad value is one ConfigError line.
import { ConfigError } from "../errors.js";
import type { BucketLimit, TrafficSettingsOverrides } from "./traffic-settings.js";

type Env = Record<string, string | undefined>;

const PROVIDER = /^[a-z][a-z0-9_-]*$/;

/**
 * Reads
 * - `VENOM_RATE_LIMITS="github=60/1,openai=500/8.33,default=100/10"`: bucket capacity / refill per second per provider;
 * - `VENOM_TRAFFIC_EXEMPT="github,discord,slack,teams"` (or `none`): providers served while degraded;
 * - `VENOM_OUTBOUND_PER_MINUTE` (global cap, default 1000) and `VENOM_RUNS_PER_ISSUE_PER_HOUR` (default 5).
 */
export function readTrafficEnv(env: Env = process.env): TrafficSettingsOverrides {
  const overrides: TrafficSettingsOverrides = {};
  const limits = value(env, "VENOM_RATE_LIMITS");
  if (limits !== undefined) {
    const parsed = parseRateLimits(limits, "VENOM_RATE_LIMITS");
    const { default: defaultLimit, ...providers } = parsed;
    if (defaultLimit) overrides.defaultLimit = defaultLimit;
    overrides.providers = providers;
  }
  const exempt = value(env, "VENOM_TRAFFIC_EXEMPT");
  if (exempt !== undefined) overrides.exempt = parseProviderList(exempt, "VENOM_TRAFFIC_EXEMPT");
  const perMinute = value(env, "VENOM_OUTBOUND_PER_MINUTE");
  if (perMinute !== undefined) overrides.globalPerMinute = parseWhole(perMinute, "VENOM_OUTBOUND_PER_MINUTE", 1);
  const perIssue = value(env, "VENOM_RUNS_PER_ISSUE_PER_HOUR");
  if (perIssue !== undefined) overrides.runsPerIssuePerHour = parseWhole(perIssue, "VENOM_RUNS_PER_ISSUE_PER_HOUR", 1);
  return overrides;
}

/** `"github=60/1, openai=500/8.33"` → `{ github: {capacity: 60, refillPerSecond: 1}, … }`; `default` names the fallback. */
export function parseRateLimits(text: string, variable = "VENOM_RATE_LIMITS"): Record<string, BucketLimit> {
  const limits: Record<string, BucketLimit> = {};
  for (const rawEntry of text.split(",")) {
    const entry = rawEntry.trim();
    if (entry === "") continue;
    const match = /^([^=\s]+)\s*=\s*([^/\s]+)\s*\/\s*(\S+)$/.exec(entry);
    if (!match) fail(variable, `entry "${entry}" must look like provider=capacity/perSecond (e.g. github=60/1)`);
    const [, rawName = "", rawCapacity = "", rawRefill = ""] = match;
    const name = rawName.toLowerCase();
    if (!PROVIDER.test(name)) fail(variable, `provider "${rawName}" must be a lower-case name such as github or openai`);
    const capacity = Number(rawCapacity);
    if (!Number.isInteger(capacity) || capacity < 1) {
      fail(variable, `capacity for ${name} must be a whole number of at least 1, got "${rawCapacity}"`);
    }
    const refillPerSecond = Number(rawRefill);
    if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      fail(variable, `refill for ${name} must be a positive number of requests per second, got "${rawRefill}"`);
    }
    if (name in limits) fail(variable, `names ${name} twice`);
    limits[name] = { capacity, refillPerSecond };
  }
  if (Object.keys(limits).length === 0) fail(variable, "is empty; remove it or give provider=capacity/perSecond entries");
  return limits;
}

function parseProviderList(text: string, variable: string): string[] {
  if (text.toLowerCase() === "none") return [];
  const names = text
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  const bad = names.find((name) => !PROVIDER.test(name));
  if (bad !== undefined) fail(variable, `must be a comma-separated list of provider names (or none), got "${bad}"`);
  return names;
}

function parseWhole(text: string, variable: string, min: number): number {
  const parsed = Number(text);
  if (!Number.isInteger(parsed) || parsed < min) fail(variable, `must be a whole number of at least ${min}, got "${text}"`);
  return parsed;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

function fail(variable: string, detail: string): never {
  throw new ConfigError(`${variable} ${detail}; fix it in .env (see .env.example).`);
}
