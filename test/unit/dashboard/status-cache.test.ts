// The status cache answers at once with the last known status and probes behind it, one batch at a time.
import { describe, expect, it } from "vitest";
import type { IntegrationStatus } from "../../../src/skills/integration.js";
import { StatusCache } from "../../../src/dashboard/status-cache.js";

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

const initial: IntegrationStatus[] = [{ name: "github", configured: true, detail: "checking…" }];
const probed: IntegrationStatus[] = [{ name: "github", configured: true, connected: true, detail: "token mode as me" }];

describe("StatusCache", () => {
  it("serves the config's view while the first probe blocks, then the result with its age, and probes again when stale", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const probes: Array<ReturnType<typeof deferred<IntegrationStatus[]>>> = [];
    const cache = new StatusCache({
      probe: () => {
        probes.push(deferred<IntegrationStatus[]>());
        return (probes.at(-1) as ReturnType<typeof deferred<IntegrationStatus[]>>).promise;
      },
      initial: () => initial,
      maxAgeMs: 30_000,
      now: () => now,
    });
    expect(cache.snapshot()).toEqual({ integrations: initial, checking: true, checkedAt: null, ageSeconds: null });
    expect(cache.snapshot().checking).toBe(true);
    expect(probes).toHaveLength(1);

    probes[0]?.resolve(probed);
    await new Promise((resolve) => setImmediate(resolve));
    now += 12_000;
    expect(cache.snapshot()).toEqual({ integrations: probed, checking: false, checkedAt: "2026-01-01T00:00:00.000Z", ageSeconds: 12 });
    expect(probes).toHaveLength(1);

    now += 30_000;
    expect(cache.snapshot()).toMatchObject({ integrations: probed, checking: true, ageSeconds: 42 });
    expect(probes).toHaveLength(2);
  });

  it("keeps the config's view when a probe fails outright, and tries again on the next read", async () => {
    let probes = 0;
    const cache = new StatusCache({
      probe: () => {
        probes += 1;
        throw new Error("wiring bug");
      },
      initial: () => initial,
    });
    expect(cache.snapshot().checking).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.snapshot()).toMatchObject({ integrations: initial, checkedAt: null });
    expect(probes).toBe(2);
  });

  it("re-probes one integration now and keeps its answer beside the others' last status", async () => {
    const both: IntegrationStatus[] = [...probed, { name: "slack", configured: true, connected: true, detail: "ok" }];
    const cache = new StatusCache({
      probe: async () => both,
      initial: () => initial,
      probeOne: async (name) => (name === "slack" ? { name, configured: true, connected: false, detail: "HTTP 404" } : undefined),
    });
    cache.snapshot();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.check("nope")).toBeUndefined();
    expect(await cache.check("slack")).toEqual({ name: "slack", configured: true, connected: false, detail: "HTTP 404" });
    expect(cache.snapshot().integrations).toEqual([probed[0], { name: "slack", configured: true, connected: false, detail: "HTTP 404" }]);
  });
});
