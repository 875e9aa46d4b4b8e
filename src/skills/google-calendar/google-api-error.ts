// Google API and OAuth failures (gaxios errors) as VenomErrors that say whose problem it is and what to do.
import { classifyFailure } from "../../shared/classify-failure.js";
import { VenomError } from "../../errors.js";

const LOGIN_AGAIN = "run `venom calendar login` again";
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

interface GaxiosLike {
  message: string;
  code?: unknown;
  status?: unknown;
  response?: { status?: number; headers?: unknown; data?: unknown };
}

/** `action` completes "Google Calendar could not …", e.g. "list your calendars". */
export function googleApiError(error: unknown, action: string): VenomError {
  if (error instanceof VenomError) return error;
  const failure = (error ?? {}) as GaxiosLike;
  const classified = classifyFailure(error);
  const { status } = classified;
  const data = failure.response?.data;
  const options = { cause: error };

  const oauthError = oauthErrorOf(data);
  if (oauthError === "invalid_grant") {
    return new VenomError("user", `Google Calendar login has expired or was revoked: ${LOGIN_AGAIN}.`, options);
  }
  if (oauthError === "invalid_client" || oauthError === "unauthorized_client") {
    return new VenomError(
      "user",
      `Google rejected the OAuth client (${oauthError}): check GOOGLE_CALENDAR_CREDENTIALS_PATH, then ${LOGIN_AGAIN}.`,
      options,
    );
  }

  const detail = apiMessage(data) ?? failure.message;
  const prefix = `Google Calendar could not ${action}`;
  if (status === undefined) {
    const code = typeof failure.code === "string" ? failure.code : undefined;
    return new VenomError("transient", `${prefix}: cannot reach Google (${code ?? detail}).`, options);
  }
  if (status === 401) return new VenomError("user", `${prefix}: Google rejected the login (401): ${LOGIN_AGAIN}.`, options);
  // Google names a 403 quota refusal in the body only (`errors[0].reason`), which classifyFailure does not read.
  if (classified.kind === "transient" || (status === 403 && RATE_LIMIT_REASONS.has(apiReason(data) ?? ""))) {
    const retryAfterSeconds = classified.retryAfterMs !== undefined ? Math.max(1, Math.ceil(classified.retryAfterMs / 1000)) : undefined;
    return new VenomError("transient", `${prefix}: Google answered ${status} (${detail}); try again later.`, {
      ...options,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  if (status === 403) {
    const scopeHint = /scope|permission/i.test(detail) ? `; ${LOGIN_AGAIN} and allow both calendar permissions` : "";
    return new VenomError("user", `${prefix}: Google refused (403): ${detail}${scopeHint}.`, options);
  }
  if (status === 404) return new VenomError("user", `${prefix}: not found (404): ${detail}.`, options);
  return new VenomError("permanent", `${prefix}: Google answered ${status}: ${detail}.`, options);
}

// Token endpoint errors are `{error: "invalid_grant", error_description}`; API errors are `{error: {code, message, errors}}`.
function oauthErrorOf(data: unknown): string | undefined {
  const error = (data as { error?: unknown } | undefined)?.error;
  return typeof error === "string" ? error : undefined;
}

function apiMessage(data: unknown): string | undefined {
  const error = (data as { error?: unknown; error_description?: unknown } | undefined)?.error;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  const description = (data as { error_description?: unknown } | undefined)?.error_description;
  return typeof description === "string" ? description : undefined;
}

function apiReason(data: unknown): string | undefined {
  const errors = ((data as { error?: { errors?: unknown } } | undefined)?.error as { errors?: unknown } | undefined)?.errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const reason = (first as { reason?: unknown } | undefined)?.reason;
  return typeof reason === "string" ? reason : undefined;
}
