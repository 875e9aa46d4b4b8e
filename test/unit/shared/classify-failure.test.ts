import { describe, expect, it } from "vitest";
import { CancelledError, ShutdownError, VenomError } from "../../../src/errors.js";
import { classifyFailure } from "../../../src/shared/classify-failure.js";

const now = Date.parse("2030-01-01T00:00:00Z");
const sdkError = (status: number, headers: Record<string, string> = {}, message = "x") => Object.assign(new Error(message), { status, response: { headers } });

describe("classifyFailure", () => {
  it("408, 429 and 5xx are transient; other 4xx are permanent", () => {
    for (const status of [408, 429, 500, 502, 503]) expect(classifyFailure({ status }, now).kind, String(status)).toBe("transient");
    for (const status of [400, 401, 403, 404, 422]) expect(classifyFailure({ status }, now).kind, String(status)).toBe("permanent");
  });

  it("reads a fetch Response, an SDK's statusCode and response.status alike", () => {
    expect(classifyFailure(new Response(null, { status: 503, headers: { "retry-after": "2" } }), now)).toEqual({ kind: "transient", cause: "server", status: 503, retryAfterMs: 2000 });
    expect(classifyFailure(Object.assign(new Error("hub"), { statusCode: 429 }), now)).toMatchObject({ kind: "transient", cause: "rate-limit", status: 429 });
    expect(classifyFailure({ response: { status: 404 } }, now)).toMatchObject({ kind: "permanent", cause: "request", status: 404 });
  });

  it("takes a 403 that says it is a rate limit as one, waiting for the reset when the quota is spent", () => {
    const reset = String(now / 1000 + 90);
    expect(classifyFailure(sdkError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }), now)).toMatchObject({ kind: "transient", cause: "rate-limit", retryAfterMs: 90_000 });
    expect(classifyFailure(sdkError(403, {}, "You have exceeded a secondary rate limit"), now)).toMatchObject({ kind: "transient", cause: "rate-limit" });
    expect(classifyFailure(sdkError(403, {}, "Resource not accessible by integration"), now)).toMatchObject({ kind: "permanent", cause: "request" });
  });

  it("walks the cause chain for timeouts, network errors and aborts", () => {
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    expect(classifyFailure(refused, now)).toEqual({ kind: "transient", cause: "network" });
    expect(classifyFailure(new DOMException("late", "TimeoutError"), now)).toEqual({ kind: "transient", cause: "timeout" });
    expect(classifyFailure(new DOMException("stop", "AbortError"), now)).toEqual({ kind: "permanent", cause: "aborted" });
    expect(classifyFailure(new Error("bug"), now)).toEqual({ kind: "permanent", cause: "error" });
  });

  it("keeps a VenomError's own kind and wait; a cancel or a shutdown is an abort", () => {
    expect(classifyFailure(new VenomError("user", "fix the config"), now)).toEqual({ kind: "user", cause: "error" });
    expect(classifyFailure(new VenomError("transient", "later", { retryAfterSeconds: 5 }), now)).toEqual({ kind: "transient", cause: "error", retryAfterMs: 5000 });
    expect(classifyFailure(new CancelledError(), now).cause).toBe("aborted");
    expect(classifyFailure(new ShutdownError(), now).cause).toBe("aborted");
  });
});
