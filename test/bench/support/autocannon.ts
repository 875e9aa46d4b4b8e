// A typed door onto autocannon 8 (it ships no types): only the options and result fields the benchmarks use.
import { createRequire } from "node:module";

export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Called before each request is written; returns the request to send. */
  setupRequest?: (request: LoadRequest, context: Record<string, unknown>) => LoadRequest;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Seconds to wait for one response before counting a timeout. */
  timeout?: number;
  requests?: LoadRequest[];
}

/** autocannon's histogram summary: `average` and percentiles `p50`, `p99`… */
export interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface LoadResult {
  /** Seconds actually run. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats: Record<string, { count: number }>;
  /** Milliseconds per request. */
  latency: Histogram;
  /** Requests per second, sampled each second. */
  requests: Histogram & { sent: number };
}

interface Instance extends Promise<LoadResult> {
  stop(): void;
}

type Autocannon = (options: LoadOptions) => Instance;

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as Autocannon;

/** Runs one load test and resolves with autocannon's aggregated result. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return autocannon(options);
}
