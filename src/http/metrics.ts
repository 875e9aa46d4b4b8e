// GET /metrics: Prometheus text. prom-client loads with the first scrape; until then counts are plain numbers.
import { emitterEventNames } from "@octokit/webhooks";
import type { Registry } from "prom-client";
import { pathOf, type RouteHandler } from "./respond.js";

type Registration = (registry: Registry) => void | Promise<void>;

// The event names GitHub sends (Probot's own webhook library's list): a label value per name, and one "other" for
// whatever else a client writes in X-GitHub-Event, so a stranger cannot grow the metrics without bound.
const KNOWN_EVENTS: ReadonlySet<string> = new Set(emitterEventNames.filter((name) => !name.includes(".")));

/** The `event` label for an `X-GitHub-Event` value: the name itself when GitHub sends it, else "other". */
export function eventLabel(event: string): string {
  return KNOWN_EVENTS.has(event) ? event : "other";
}

/** The outcomes the webhook endpoint reports; anything else is counted as "other". */
const OUTCOMES: ReadonlySet<string> = new Set(["accepted", "duplicate", "refused", "over_limit", "too_large", "unread", "busy"]);

export interface Metrics {
  /** What happened to a webhook delivery: accepted, duplicate, refused, over_limit, too_large, unread, busy. */
  countDelivery(event: string, outcome: string): void;
  countJobFinished(state: string): void;
  /** Adds a finished job's estimated USD to its repository's total (only repositories the app works on have jobs). */
  countCost(repo: string, usd: number): void;
  /** Adds collectors to the registry when it is built (the traffic layer's metrics). */
  onRegistry(registration: Registration): void;
  /** The app's own registry (never prom-client's global one), built on first use. */
  registry(): Promise<Registry>;
}

/** What the metrics read from the queue at scrape time: how many jobs are in each state. */
export interface JobCounts {
  counts(): Promise<object>;
}

export function createMetrics(queue: JobCounts): Metrics {
  const deliveries = new Map<string, number>();
  const jobsFinished = new Map<string, number>();
  const costs = new Map<string, number>();
  const registrations: Registration[] = [];
  let built: Promise<Registry> | undefined;

  const build = async (): Promise<Registry> => {
    const { Counter, Gauge, Registry, collectDefaultMetrics } = await import("prom-client");
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "venom_process_" });
    new Counter({
      name: "venom_webhook_deliveries_total",
      help: "Webhook deliveries by event (GitHub's event names, else other) and intake outcome (accepted, duplicate, refused, over_limit, too_large, unread, busy)",
      labelNames: ["event", "outcome"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, count] of deliveries) {
          const [event = "", outcome = ""] = key.split("\u0000");
          this.inc({ event, outcome }, count);
        }
      },
    });
    new Counter({
      name: "venom_jobs_finished_total",
      help: "Jobs that reached a final state",
      labelNames: ["state"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [state, count] of jobsFinished) this.inc({ state }, count);
      },
    });
    new Counter({
      name: "venom_cost_usd_total",
      help: "Estimated USD spent on model calls by finished jobs, by repository",
      labelNames: ["repo"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [repo, usd] of costs) this.inc({ repo }, usd);
      },
    });
    new Gauge({
      name: "venom_jobs",
      help: "Jobs in the queue by state",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const counts = await queue.counts();
        for (const [state, count] of Object.entries(counts) as Array<[string, number]>) this.set({ state }, count);
      },
    });
    for (const registration of registrations) await registration(registry);
    return registry;
  };

  return {
    countDelivery(event, outcome) {
      const key = `${eventLabel(event)}\u0000${OUTCOMES.has(outcome) ? outcome : "other"}`;
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
    },
    countJobFinished(state) {
      jobsFinished.set(state, (jobsFinished.get(state) ?? 0) + 1);
    },
    countCost(repo, usd) {
      if (usd > 0) costs.set(repo, (costs.get(repo) ?? 0) + usd);
    },
    onRegistry(registration) {
      registrations.push(registration);
    },
    registry() {
      built ??= build();
      return built;
    },
  };
}

export function createMetricsRoute(metrics: Metrics): RouteHandler {
  return async (request, response) => {
    if (pathOf(request) !== "/metrics" || request.method !== "GET") return false;
    const registry = await metrics.registry();
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType });
    response.end(text);
    return true;
  };
}
