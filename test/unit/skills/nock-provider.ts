// An outside HTTP provider for unit tests, played by nock: no socket opens; each request to the origin is recorded
// and answered from the routes the test sets, as ProviderServer (kept for end-to-end tests) answers over real HTTP.
import { createServer, type AddressInfo } from "node:net";
import nock from "nock";
import type { ProviderRequest, Reply, Route } from "../../fixtures/provider-server.js";

export type { ProviderRequest, Reply, Route };

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

export class NockProvider {
  readonly requests: ProviderRequest[] = [];
  /** The provider's origin, e.g. `https://api.tavily.com`; give it to the client as its base URL. */
  readonly origin: string;
  #routes: Array<{ method: string; path: string | RegExp; route: Route }> = [];

  private constructor(origin: string) {
    this.origin = origin;
    const scope = nock(origin).persist();
    const answer = (method: string, uri: string, body: unknown, headers: Record<string, string>) => this.#answer(method, uri, body, headers);
    for (const method of METHODS) {
      // One catch-all interceptor per method hands every request to the test's routes, so a later route can win.
      scope.intercept(() => true, method).reply(function (uri, body) {
        return answer(method, uri, body, this.req.headers);
      });
    }
  }

  /** Starts intercepting requests to `origin` (default a made-up one that no DNS knows). */
  static start(origin = "https://provider.venom.test"): NockProvider {
    return new NockProvider(origin);
  }

  /** Answers `method path` (a later route for the same request wins) with a fixed reply or a function. */
  on(method: string, path: string | RegExp, route: Route | Reply): this {
    this.#routes.unshift({ method, path, route: typeof route === "function" ? route : () => route });
    return this;
  }

  /** Requests to one path, in order. */
  requestsTo(path: string): ProviderRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  reset(): void {
    this.requests.length = 0;
    this.#routes = [];
  }

  /** Removes every interceptor (this file's others included) and lets requests reach the network again. */
  stop(): void {
    nock.cleanAll();
  }

  async #answer(
    method: string,
    uri: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<[number, string | Buffer, Record<string, string>]> {
    const url = new URL(uri, this.origin);
    const request: ProviderRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body),
    };
    this.requests.push(request);
    const match = this.#routes.find(
      (candidate) => candidate.method === method && (typeof candidate.path === "string" ? candidate.path === request.path : candidate.path.test(request.path)),
    );
    const reply: Reply = match ? await match.route(request) : { status: 404, body: { error: `no route for ${method} ${request.path}` } };
    const isJson = reply.body !== undefined && typeof reply.body === "object" && !Buffer.isBuffer(reply.body);
    const payload = reply.body === undefined ? "" : isJson ? JSON.stringify(reply.body) : (reply.body as string | Buffer);
    return [
      reply.status ?? 200,
      payload,
      { "content-type": isJson ? "application/json; charset=utf-8" : "text/html; charset=utf-8", ...reply.headers },
    ];
  }
}

/** An origin on a local port nothing listens on: nock lets the request through and it fails as an unreachable provider does. */
export async function closedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface RecordedRequest {
  method: string;
  /** The path with its query string. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Every request the scope's interceptors answered, in order: what the client sent, for assertions. */
export function recordRequests(scope: nock.Scope): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  scope.on("request", (request: { method: string; path: string; headers: Record<string, string> }, _interceptor: unknown, body: string) => {
    requests.push({ method: request.method, path: request.path, headers: { ...request.headers }, body });
  });
  return requests;
}
