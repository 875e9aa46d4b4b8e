import { describe, expect, it } from "vitest";
import { gitHubError } from "../../../src/github/github-error.js";

const httpError = (status: number, headers: Record<string, string> = {}, message = "x") =>
  Object.assign(new Error(message), { status, response: { headers } });

describe("gitHubError", () => {
  it("401 → token invalid or expired, permanent", () => {
    const error = gitHubError("read the issue", httpError(401));
    expect(error.kind).toBe("permanent");
    expect(error.message).toMatch(/401 \(token invalid or expired\)/);
  });

  it("403 with the rate limit spent → transient with the wait; 403 otherwise → missing permission", () => {
    const limited = gitHubError("read the issue", httpError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 120) }));
    expect(limited.kind).toBe("transient");
    expect(limited.message).toMatch(/rate limit/);
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(60);
    const secondary = gitHubError("open the pull request", httpError(403, { "retry-after": "30" }, "You have exceeded a secondary rate limit"));
    expect(secondary).toMatchObject({ kind: "transient", retryAfterSeconds: 30 });
    const forbidden = gitHubError("open the pull request", httpError(403, {}, "Resource not accessible by integration"));
    expect(forbidden.kind).toBe("permanent");
    expect(forbidden.message).toMatch(/missing permission/);
  });

  it("404 → repository or issue missing, or no access; 5xx and network → transient", () => {
    expect(gitHubError("read the issue", httpError(404)).message).toMatch(/404 \(repository or issue missing, or no access\)/);
    expect(gitHubError("read the issue", httpError(502)).kind).toBe("transient");
    expect(gitHubError("read the issue", new Error("ECONNRESET")).kind).toBe("transient");
  });
});
