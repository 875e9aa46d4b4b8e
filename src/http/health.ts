// GET /healthz: liveness for load balancers and process managers; never rate limited.
import { pathOf, send, type RouteHandler } from "./respond.js";

export function createHealthRoute(status: () => Record<string, unknown>): RouteHandler {
  return (request, response) => {
    if (pathOf(request) !== "/healthz" || (request.method !== "GET" && request.method !== "HEAD")) return false;
    send(response, 200, { status: "ok", ...status() });
    return true;
  };
}
