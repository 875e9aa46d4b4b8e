import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createInboundLimiter } from "../../../src/traffic/inbound-limiter.js";
import { createTrafficControl } from "../../../src/traffic/traffic-control.js";
import { registerTrafficMetrics } from "../../../src/traffic/traffic-metrics.js";
import { FakeClock } from "./support.js";

describe("registerTrafficMetrics", () => {
  it("exposes the snapshot's numbers on the given registry", async () => {
    const clock = new FakeClock();
    const traffic = createTrafficControl({ log: pino({ level: "silent" }), clock });
    const inbound = createInboundLimiter({ clock });
    const registry = new Registry();
    registerTrafficMetrics(registry, traffic, inbound);

    traffic.acquire("openai", "post");
    traffic.record("openai", "post", { kind: "success", status: 200 });
    traffic.recordRetry("openai", "post", { kind: "rate-limited", status: 429 });
    for (let i = 0; i < 3; i++) {
      traffic.acquire("github", "get");
      traffic.record("github", "get", { kind: "server-error", status: 502 });
    }
    traffic.recordGitHubQuota("42", { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "17", "x-ratelimit-reset": "1900000000" });
    traffic.enterDegraded("test");

    const text = await registry.metrics();
    expect(text).toContain('venom_traffic_responses_total{scope="openai:post",provider="openai",outcome="2xx"} 1');
    expect(text).toContain('venom_traffic_responses_total{scope="openai:post",provider="openai",outcome="429"} 1');
    expect(text).toContain('venom_traffic_responses_total{scope="github:get",provider="github",outcome="5xx"} 3');
    expect(text).toContain('venom_traffic_retries_total{scope="openai:post"} 1');
    expect(text).toContain('venom_traffic_tokens_available{scope="openai:post"} 499');
    expect(text).toContain('venom_traffic_breaker_state{provider="github"} 2');
    expect(text).toContain('venom_traffic_breaker_state{provider="openai"} 0');
    expect(text).toContain("venom_traffic_requests_last_minute 4");
    expect(text).toContain("venom_traffic_requests_per_minute_limit 1000");
    expect(text).toContain("venom_traffic_degraded 1");
    expect(text).toContain(`venom_traffic_degraded_until_seconds ${(clock.now() + 60_000) / 1000}`);
    expect(text).toContain('venom_github_ratelimit_remaining{installation="42",resource="core"} 17');
    expect(text).toContain('venom_github_ratelimit_limit{installation="42",resource="core"} 5000');
    expect(text).toContain('venom_github_ratelimit_reset_seconds{installation="42",resource="core"} 1900000000');
    expect(text).toContain('venom_inbound_requests_total{group="webhook",decision="allowed"} 0');
    expect(text).toMatch(/# TYPE venom_traffic_responses_total counter/);
    traffic.close();
  });
});
