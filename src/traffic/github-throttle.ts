// GitHub through Octokit: throttling handlers that retry (secondary limits too), quota tracking, per-installation spacing.
import type { Octokit as OctokitCore, OctokitOptions } from "@octokit/core";
import type { ThrottlingOptions } from "@octokit/plugin-throttling";
import type { ProbotOctokit } from "probot";
import type { Logger } from "pino";
import type { HeaderSource } from "../shared/classify-failure.js";
import { realSleep, type Sleep } from "../shared/sleep.js";
import { errorOutcome, statusOutcome } from "./outcome.js";
import type { TrafficControl } from "./traffic-control.js";
import { TrafficRefusedError } from "./traffic-refused-error.js";

export interface GitHubThrottleOptions {
  log: Logger;
  /** Longest wait a request sits through before giving up so the job re-queues (default 30 s, as the traffic layer). */
  maxWaitSeconds?: number;
  /** Retries after a rate limit, primary or secondary (default 3). */
  maxRetries?: number;
  /** Wait after a secondary limit without `retry-after` (default 60 s, GitHub's advice). */
  fallbackSecondaryRetryAfterSeconds?: number;
  /** Books each throttled attempt under `github:<method>` (a 429 and a retry) in the traffic snapshot. */
  traffic?: TrafficControl;
}

type LimitOptions = { method: string; url: string };

/** Octokit's throttling handlers: `true` means "wait `retryAfter` seconds and try again". */
export type GitHubThrottle = Pick<ThrottlingOptions & { enabled?: true }, "onRateLimit" | "onSecondaryRateLimit" | "fallbackSecondaryRateRetryAfter"> & {
  /** Milliseconds per second of `retryAfter` (Octokit's default 1000; tests shrink it). */
  retryAfterBaseValue?: number;
};

/**
 * Options for `@octokit/plugin-throttling` (`throttle`): primary limits wait for the reset, secondary limits wait for
 * `retry-after` (fallback 60 s) — both up to `maxRetries` times and only while the wait is at most `maxWaitSeconds`.
 * A longer wait answers false: the 403/429 reaches the caller, whose error maps to a transient error with
 * `retryAfterSeconds`, so the job goes back to the queue instead of holding a worker.
 */
export function createGitHubThrottle(options: GitHubThrottleOptions): GitHubThrottle {
  const { log, traffic } = options;
  const maxWaitSeconds = options.maxWaitSeconds ?? (traffic ? traffic.settings.maxWaitMs / 1000 : 30);
  const maxRetries = options.maxRetries ?? 3;
  const fallback = options.fallbackSecondaryRetryAfterSeconds ?? 60;

  const handler =
    (kind: "primary" | "secondary") =>
    (retryAfter: number, request: LimitOptions, _octokit: unknown, retryCount: number): boolean => {
      const fields = { method: request.method, url: request.url, retryAfterSeconds: retryAfter, retryCount, kind };
      const wantRetry = retryCount < maxRetries && retryAfter <= maxWaitSeconds;
      if (wantRetry) {
        traffic?.recordRetry("github", request.method, { kind: "rate-limited", retryAfterMs: retryAfter * 1000 });
        log.warn(fields, `GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s`);
      } else {
        log.warn(
          fields,
          retryCount >= maxRetries
            ? `GitHub ${kind} rate limit on ${request.method} ${request.url} after ${retryCount} retries; giving up`
            : `GitHub ${kind} rate limit on ${request.method} ${request.url} asks for ${retryAfter} s; the job waits in the queue instead`,
        );
      }
      return wantRetry;
    };

  return {
    onRateLimit: handler("primary"),
    onSecondaryRateLimit: handler("secondary"),
    fallbackSecondaryRateRetryAfter: fallback,
  };
}

/** Where a request's quota is booked: the installation, else `token` (GITHUB_TOKEN) or `app` (JWT). */
export function installationKey(options: OctokitOptions): string {
  const auth = options.auth as { installationId?: unknown; token?: unknown } | undefined;
  if (auth && (typeof auth.installationId === "number" || typeof auth.installationId === "string")) return String(auth.installationId);
  if (auth && typeof auth.token === "string") return "token";
  return "app";
}

/**
 * Request options (`request: BACKGROUND_REQUEST`) for the poller's reads: mostly conditional GETs answered 304, which
 * cost no GitHub quota. They are booked and obey GitHub's own limits, but the pipeline's `github:<method>` bucket and
 * the global per-minute cap do not pace them, so a poll over many repositories neither waits on nor starves the runs.
 * The poller bounds them by its own concurrency.
 */
export const BACKGROUND_REQUEST = Object.freeze({ venomTraffic: "background" });

function isBackground(requestOptions: { request?: Record<string, unknown> }): boolean {
  return requestOptions.request?.venomTraffic === BACKGROUND_REQUEST.venomTraffic;
}

export interface TrackRateLimitOptions {
  /** Pass each request through the `github:<method>` bucket, GitHub's breaker and the global cap (default true). */
  admit?: boolean;
  sleep?: Sleep;
  now?: () => number;
}

/**
 * An Octokit plugin: books every request under `github:<method>` in the traffic snapshot and records
 * `x-ratelimit-limit/remaining/used/reset` per installation. Added last, it wraps the throttling and retry plugins,
 * so it sees one logical request (their retries are counted through `createGitHubThrottle({ traffic })`).
 * When GitHub's last word was "wait N s" (a rate limit the throttling handlers gave up on), the installation's other
 * requests wait too — or, past the traffic layer's threshold, fail at once with a TrafficRefusedError.
 */
export function trackRateLimit(traffic: TrafficControl, options: TrackRateLimitOptions = {}) {
  const admit = options.admit ?? true;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  // GitHub's limits are per installation: one installation's wait must not stall the others.
  const pausedUntil = new Map<string, number>();

  return (octokit: OctokitCore, octokitOptions: OctokitOptions): void => {
    const installation = installationKey(octokitOptions);
    octokit.hook.wrap("request", async (request, requestOptions) => {
      const method = requestOptions.method;
      const wait = (pausedUntil.get(installation) ?? 0) - now();
      if (wait > 0) {
        if (wait > traffic.settings.maxWaitMs) {
          throw new TrafficRefusedError("retry-after", `github:${method.toLowerCase()}`, wait, `GitHub asked installation ${installation} to wait`);
        }
        await sleep(wait);
      } else if (pausedUntil.has(installation)) {
        pausedUntil.delete(installation);
      }
      const send = async () => {
        try {
          const response = await request(requestOptions);
          traffic.recordGitHubQuota(installation, response.headers as HeaderSource);
          return response;
        } catch (error) {
          const headers = (error as { response?: { headers?: HeaderSource } }).response?.headers;
          if (headers) traffic.recordGitHubQuota(installation, headers);
          const outcome = errorOutcome(error, now());
          if (outcome?.kind === "rate-limited" && outcome.retryAfterMs !== undefined) {
            pausedUntil.set(installation, Math.max(pausedUntil.get(installation) ?? 0, now() + outcome.retryAfterMs));
          }
          throw error;
        }
      };
      if (!admit || isBackground(requestOptions)) {
        // Book the outcome only; the throttling plugin alone decides when to send.
        try {
          const response = await send();
          traffic.record("github", method, statusOutcome(response.status, undefined, now()));
          return response;
        } catch (error) {
          traffic.record("github", method, errorOutcome(error, now()));
          throw error;
        }
      }
      // Octokit's own plugins retry; ours must not multiply their attempts.
      return traffic.run("github", method, send, { retry: false, pauseProvider: false });
    });
  };
}

export interface GitHubTrafficOptions {
  throttle: GitHubThrottle;
  /** Adds `trackRateLimit(traffic)` when given. */
  traffic?: TrafficControl;
  trackRateLimit?: TrackRateLimitOptions;
}

/** Statuses Octokit's retry plugin leaves alone: the usual ones plus 429, which the throttling handlers own. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/**
 * The Octokit class to give Probot (`new Probot({ Octokit: withGitHubTraffic(ProbotOctokit, …) })`).
 *
 * A plain `ProbotOctokit.defaults({ throttle })` is not enough: Probot passes its own throttle options (secondary
 * limits only logged) as instance options, which win over object defaults. A function default runs on every
 * construction and puts ours on top, keeping Probot's Redis `connection`/`Bottleneck` when clustering. It also gives
 * every installation its own throttle `id`, so the throttling plugin's `write` group (one mutating request at a time,
 * 1 s apart, per id) spaces writes per installation — event Octokits included, which Probot leaves on one shared id.
 */
export function withGitHubTraffic(Octokit: typeof ProbotOctokit, options: GitHubTrafficOptions): typeof ProbotOctokit {
  const Base = options.traffic ? Octokit.plugin(trackRateLimit(options.traffic, options.trackRateLimit)) : Octokit;
  return Base.defaults((instance: OctokitOptions = {}): OctokitOptions => {
    const throttle = instance.throttle as (Partial<ThrottlingOptions> & { enabled?: boolean }) | undefined;
    const retry = instance.retry as { doNotRetry?: number[] } | undefined;
    return {
      ...instance,
      throttle:
        throttle?.enabled === false
          ? (throttle as ThrottlingOptions)
          : ({ ...throttle, ...options.throttle, id: throttle?.id ?? installationKey(instance) } as ThrottlingOptions),
      retry: { ...retry, doNotRetry: [...new Set([...(retry?.doNotRetry ?? []), ...DO_NOT_RETRY])] },
    };
  });
}
