// /venom/api/*: jobs, retry and integration status, behind a bearer token (or loopback only).
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { pathOf, readBody, send, type RouteHandler } from "../http/respond.js";
import { toRecord, type JobQueue, type JobState } from "../queue/types.js";
import type { StatusSnapshot } from "./status-cache.js";
import { renderDashboard, renderLogin } from "./page.js";

export interface DashboardOptions {
  queue: JobQueue;
  dashboardToken?: string | undefined;
  /** The last known integration status, answered at once (probes run in the background). */
  status: () => StatusSnapshot | Promise<StatusSnapshot>;
  /** Extra `/venom/api/<name>` GET endpoints (traffic…), registered by other layers. */
  extraEndpoints?: Record<string, () => unknown | Promise<unknown>>;
  onRetried?: (jobId: string) => void;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const STATES: readonly JobState[] = ["queued", "running", "succeeded", "failed", "cancelled"];

const COOKIE = "venom_dashboard";

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Bearer header (scripts) or the login cookie (browsers); with no token configured, loopback clients only. */
export function isAuthorized(request: IncomingMessage, token: string | undefined): boolean {
  if (!token) return LOOPBACK.has(request.socket.remoteAddress ?? "");
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1]?.trim();
  if (bearer) return sameToken(bearer, token);
  const cookie = (request.headers.cookie ?? "")
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${COOKIE}=`))
    ?.slice(COOKIE.length + 1);
  return cookie !== undefined && sameToken(decodeURIComponent(cookie), token);
}

export function createDashboardRoutes(options: DashboardOptions): RouteHandler {
  const { queue } = options;
  return async (request, response) => {
    const path = pathOf(request);
    if (path !== "/venom" && !path.startsWith("/venom/")) return false;
    if (path === "/venom/login" && request.method === "POST" && options.dashboardToken) {
      const form = new URLSearchParams(await readBody(request, 10_000).catch(() => ""));
      const given = form.get("token") ?? "";
      if (!sameToken(given, options.dashboardToken)) {
        response.writeHead(401, { "content-type": "text/html; charset=utf-8" });
        response.end(renderLogin("That token is not VENOM_DASHBOARD_TOKEN."));
        return true;
      }
      response.writeHead(303, {
        location: "/venom",
        "set-cookie": `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/venom; Max-Age=43200`,
      });
      response.end();
      return true;
    }
    if (!isAuthorized(request, options.dashboardToken)) {
      if ((path === "/venom" || path === "/venom/") && options.dashboardToken && request.method === "GET") {
        response.writeHead(401, { "content-type": "text/html; charset=utf-8" });
        response.end(renderLogin("Enter the dashboard token (VENOM_DASHBOARD_TOKEN)."));
        return true;
      }
      send(
        response,
        401,
        {
          error: "unauthorized",
          message: options.dashboardToken
            ? "Send Authorization: Bearer <VENOM_DASHBOARD_TOKEN>."
            : "Set VENOM_DASHBOARD_TOKEN to reach the dashboard from other machines; without it only loopback clients are served.",
        },
        { "www-authenticate": 'Bearer realm="venom"' },
      );
      return true;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "GET" && (path === "/venom" || path === "/venom/")) {
      const traffic = options.extraEndpoints?.traffic;
      const html = renderDashboard({
        status: await options.status(),
        jobs: (await queue.list({ limit: 50 })).map(toRecord),
        traffic: traffic ? ((await traffic()) as Parameters<typeof renderDashboard>[0]["traffic"]) : undefined,
      });
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(html);
      return true;
    }
    if (request.method === "GET" && path === "/venom/api/jobs") {
      const state = url.searchParams.get("state") ?? undefined;
      if (state !== undefined && !STATES.includes(state as JobState)) {
        send(response, 400, { error: "bad_request", message: `state must be one of ${STATES.join(", ")}.` });
        return true;
      }
      const limit = Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? 100) || 100));
      const jobs = await queue.list({ limit, ...(state ? { state: state as JobState } : {}) });
      send(response, 200, { jobs: jobs.map(toRecord) });
      return true;
    }
    const retry = /^\/venom\/api\/jobs\/([^/]+)\/retry$/.exec(path);
    if (retry?.[1] && request.method === "POST") {
      const id = decodeURIComponent(retry[1]);
      const existing = await queue.get(id);
      if (!existing) {
        send(response, 404, { error: "not_found", message: `No job ${id}.` });
        return true;
      }
      const job = await queue.retry({ id });
      if (!job) {
        send(response, 409, {
          error: "conflict",
          message: `Job ${id} is ${existing.state} or its issue has another active job; only finished jobs can be retried.`,
        });
        return true;
      }
      options.onRetried?.(job.id);
      send(response, 202, { job: toRecord(job) });
      return true;
    }
    if (request.method === "GET" && path === "/venom/api/status") {
      send(response, 200, await options.status());
      return true;
    }
    const extra = /^\/venom\/api\/([a-z-]+)$/.exec(path)?.[1];
    const endpoint = extra ? options.extraEndpoints?.[extra] : undefined;
    if (endpoint && request.method === "GET") {
      send(response, 200, await endpoint());
      return true;
    }
    send(response, 404, { error: "not_found", message: `No dashboard route for ${request.method} ${path}.` });
    return true;
  };
}
