// How one call asks to be treated by the traffic layer, and what each of its attempts is handed.

export interface CallOptions {
  /** False for clients that retry on their own (the call still passes the limiter, breaker and counters). Default true. */
  retry?: boolean;
  /** Attempts in all for this call, the first included (default: the settings' `retry.maxAttempts`). */
  maxAttempts?: number;
  /**
   * When the last attempt still fails transiently, throw a TrafficRefusedError ("retries-exhausted") whose
   * retryAfterSeconds is the next backoff and whose cause is the last failure, so the job queue tries again then.
   * Default false: the last answer (or error) is handed back as it came.
   */
  handBack?: boolean;
  /** Per attempt; a timed-out attempt counts as a timeout (retried, held against the breaker). */
  timeoutMs?: number;
  /** The caller's cancellation: never retried, never held against the provider. */
  signal?: AbortSignal;
  /**
   * Whether a 429's Retry-After holds off every call to the provider (one account, one limit: the default), or only
   * this call's retries (limits per caller, e.g. GitHub's per installation, which the caller tracks itself).
   */
  pauseProvider?: boolean;
  /**
   * What the call is, for people (e.g. "LLM request"): each retry is then a warning such as
   * "LLM request failed (500): …; retrying", since the caller waits on it. Without it retries log at debug.
   */
  describe?: string;
}

export interface AttemptContext {
  /** 1-based. */
  attempt: number;
  /** Aborts on the caller's signal or the attempt's timeout; pass it on to the client. */
  signal: AbortSignal | undefined;
}
