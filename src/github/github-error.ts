// GitHub's failures in plain words for the status comment and the CLI; whether one is transient is classifyFailure's call.
import { classifyFailure } from "../shared/classify-failure.js";
import { permanentError, transientError, VenomError } from "../errors.js";

/** A secondary limit without Retry-After, or a spent quota without a reset time: GitHub's own advice. */
const RATE_LIMIT_WAIT_SECONDS = 60;

/** `action` completes "Could not …", e.g. "read the issue". */
export function gitHubError(action: string, error: unknown): VenomError {
  if (error instanceof VenomError) return error;
  const failure = classifyFailure(error);
  const { status } = failure;
  const message = error instanceof Error ? error.message : String(error);
  if (failure.cause === "rate-limit") {
    const retryAfterSeconds = failure.retryAfterMs !== undefined ? Math.max(1, Math.ceil(failure.retryAfterMs / 1000)) : RATE_LIMIT_WAIT_SECONDS;
    return transientError(`Could not ${action}: GitHub's rate limit is reached; retrying in ${retryAfterSeconds} s.`, { cause: error, retryAfterSeconds });
  }
  // Without a status the request never got an answer (network, DNS, TLS): worth another try.
  if (failure.kind === "transient" || status === undefined) {
    return transientError(`Could not ${action}: GitHub is unavailable (${status ?? message}); retrying.`, { cause: error });
  }
  if (status === 401) return permanentError(`Could not ${action}: GitHub answered 401 (token invalid or expired); check the App's key or GITHUB_TOKEN.`, { cause: error });
  if (status === 403) {
    return permanentError(`Could not ${action}: GitHub answered 403 (missing permission); give the App issues, pull requests and contents write access.`, { cause: error });
  }
  if (status === 404) return permanentError(`Could not ${action}: GitHub answered 404 (repository or issue missing, or no access); check the App is installed on it.`, { cause: error });
  if (status === 422) return permanentError(`Could not ${action}: GitHub refused it (422: ${message}).`, { cause: error });
  return permanentError(`Could not ${action}: GitHub answered ${status} (${message}).`, { cause: error });
}

