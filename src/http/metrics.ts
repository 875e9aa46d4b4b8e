// GET /metrics: Prometheus text from a registry owned by this app (never prom-client's global one).
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { JobQueue, JobState } from "../queue/types.js";
import { pathOf, type RouteHandler } from "./respond.js";

export interface Metrics {
  registry: Registry;
  deliveries: Counter<"event" | "outcome">;
  jobsFinished: Counter<"state">;
}

export function createMetrics(queue: JobQueue): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "venom_process_" });
  const deliveries = new Counter({
    name: "venom_webhook_deliveries_total",
    help: "Webhook deliveries by event and intake outcome (accepted, duplicate, refused)",
    labelNames: ["event", "outcome"] as const,
    registers: [registry],
  });
  const jobsFinished = new Counter({
    name: "venom_jobs_finished_total",
    help: "Jobs that reached a final state",
    labelNames: ["state"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "venom_jobs",
    help: "Jobs in the queue by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = await queue.counts();
      for (const [state, count] of Object.entries(counts)) this.set({ state: state as JobState }, count);
    },
  });
  return { registry, deliveries, jobsFinished };
}

export function createMetricsRoute(registry: Registry): RouteHandler {
  return async (request, response) => {
    if (pathOf(request) !== "/metrics" || request.method !== "GET") return false;
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType });
    response.end(text);
    return true;
  };
}
