// RepoLabelCache: the poller's `version` (pushed_at) decides when venom.yml is read again; passing failures are retried.
import { describe, expect, it } from "vitest";
import { RepoLabelCache, type ContentRequest } from "../../../src/intake/repo-label.js";

const file = (text: string) => ({ data: { content: Buffer.from(text).toString("base64") } });
const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

/** A content request answering from `answers` in turn (the last repeats), counting calls. */
function scripted(...answers: Array<() => { data: unknown }>): ContentRequest & { calls: number } {
  const request = Object.assign(
    async () => {
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      request.calls += 1;
      return (answer as () => { data: unknown })();
    },
    { calls: 0 },
  );
  return request;
}

describe("RepoLabelCache with a version", () => {
  it("reads again only when the version changes, whatever the time", async () => {
    let now = 0;
    const cache = new RepoLabelCache({ ttlMs: 1_000, clock: { now: () => now } });
    const request = scripted(
      () => file("label: fix-me\n"),
      () => file("label: later\n"),
    );
    expect(await cache.lookup(request, "o/r", { version: "2024-01-01T00:00:00Z" })).toBe("fix-me");
    now = 60_000;
    expect(await cache.lookup(request, "o/r", { version: "2024-01-01T00:00:00Z" })).toBe("fix-me");
    expect(request.calls).toBe(1);
    expect(await cache.lookup(request, "o/r", { version: "2024-01-02T00:00:00Z" })).toBe("later");
    expect(request.calls).toBe(2);
  });

  it("a missing file is settled for the version; a failure that may pass is asked again next time", async () => {
    const cache = new RepoLabelCache();
    const missing = scripted(() => {
      throw httpError(404);
    });
    expect(await cache.lookup(missing, "o/missing", { version: "v1" })).toBeUndefined();
    expect(await cache.lookup(missing, "o/missing", { version: "v1" })).toBeUndefined();
    expect(missing.calls).toBe(1);

    const flaky = scripted(
      () => {
        throw httpError(502);
      },
      () => file("label: fix-me\n"),
    );
    expect(await cache.lookup(flaky, "o/flaky", { version: "v1" })).toBeUndefined();
    expect(await cache.lookup(flaky, "o/flaky", { version: "v1" })).toBe("fix-me");
    expect(flaky.calls).toBe(2);
  });

  it("bad YAML means no label of its own, settled until the next push", async () => {
    const cache = new RepoLabelCache();
    const request = scripted(() => file("label: [unclosed\n"));
    expect(await cache.lookup(request, "o/r", { version: "v1" })).toBeUndefined();
    expect(await cache.lookup(request, "o/r", { version: "v1" })).toBeUndefined();
    expect(request.calls).toBe(1);
  });
});
