// What happened to the calls of one `provider:method` scope, counted for the snapshot and /metrics.
import type { Outcome } from "./outcome.js";

export interface ScopeCounters {
  /** Attempts that went out. */
  requests: number;
  "2xx": number;
  "3xx": number;
  /** 4xx other than 429. */
  "4xx": number;
  "429": number;
  "5xx": number;
  timeouts: number;
  networkErrors: number;
  /** Other exceptions and the caller's own aborts. */
  otherErrors: number;
  retries: number;
  /** Admission decisions that said "not now" (a waiting caller asks again). */
  throttled: number;
  /** Calls given up with a TrafficRefusedError. */
  refused: number;
}

export function emptyCounters(): ScopeCounters {
  return {
    requests: 0,
    "2xx": 0,
    "3xx": 0,
    "4xx": 0,
    "429": 0,
    "5xx": 0,
    timeouts: 0,
    networkErrors: 0,
    otherErrors: 0,
    retries: 0,
    throttled: 0,
    refused: 0,
  };
}

export function countOutcome(counters: ScopeCounters, outcome: Outcome): void {
  switch (outcome.kind) {
    case "success":
      if ((outcome.status ?? 200) >= 300) counters["3xx"] += 1;
      else counters["2xx"] += 1;
      break;
    case "client-error":
      counters["4xx"] += 1;
      break;
    case "rate-limited":
      counters["429"] += 1;
      break;
    case "server-error":
      counters["5xx"] += 1;
      break;
    case "timeout":
      counters.timeouts += 1;
      break;
    case "network":
      counters.networkErrors += 1;
      break;
    default:
      counters.otherErrors += 1;
  }
}
