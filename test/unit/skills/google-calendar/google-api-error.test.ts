import { describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import { googleApiError } from "../../../../src/skills/google-calendar/google-api-error.js";

const apiFailure = (status: number, message: string, reason = "x", headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), {
    status,
    response: { status, headers: new Headers(headers), data: { error: { code: status, message, errors: [{ reason }] } } },
  });

describe("googleApiError", () => {
  it.each([
    [apiFailure(401, "Invalid Credentials"), "user", /could not list: Google rejected the login \(401\): run `venom calendar login` again/],
    [apiFailure(403, "Request had insufficient authentication scopes."), "user", /Google refused \(403\).*allow both calendar permissions/],
    [apiFailure(403, "Rate Limit Exceeded", "rateLimitExceeded"), "transient", /answered 403/],
    [apiFailure(404, "Not Found"), "user", /not found \(404\)/],
    [apiFailure(429, "Too many"), "transient", /try again later/],
    [apiFailure(503, "Backend Error"), "transient", /answered 503 \(Backend Error\)/],
    [apiFailure(400, "Bad Request"), "permanent", /answered 400: Bad Request/],
    [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "transient", /cannot reach Google \(ECONNREFUSED\)/],
    [
      Object.assign(new Error("invalid_grant"), { response: { status: 400, data: { error: "invalid_grant", error_description: "Token has been expired or revoked." } } }),
      "user",
      /login has expired or was revoked/,
    ],
  ])("maps %s", (failure, kind, message) => {
    const error = googleApiError(failure, "list");
    expect(error).toBeInstanceOf(VenomError);
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.cause).toBe(failure);
  });

  it("carries Retry-After, at least 1 s", () => {
    expect(googleApiError(apiFailure(429, "slow down", "x", { "retry-after": "0.2" }), "list").retryAfterSeconds).toBe(1);
    expect(googleApiError(apiFailure(503, "busy", "x", { "retry-after": "30" }), "list").retryAfterSeconds).toBe(30);
  });

  it("passes VenomErrors through", () => {
    const original = new VenomError("user", "already clear");
    expect(googleApiError(original, "list")).toBe(original);
  });
});
