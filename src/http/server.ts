// The one HTTP server: tries each route in order; unknown paths get a JSON 404.
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import { excerpt } from "../log.js";
import { pathOf, send, type RouteHandler } from "./respond.js";

export function createHttpServer(routes: RouteHandler[], log: Logger): Server {
  const server = createServer((request, response) => {
    void (async () => {
      try {
        for (const route of routes) {
          if (await route(request, response)) return;
        }
        send(response, 404, { error: "not_found", message: `No route for ${request.method} ${excerpt(pathOf(request))}.` });
      } catch (error) {
        log.error({ err: error, url: excerpt(request.url) }, "Request failed");
        if (!response.headersSent) send(response, 500, { error: "internal_error", message: "Internal error; see the server log." });
        else response.destroy();
      }
    })();
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} is already in use; set PORT to a free port.`)
          : error,
      );
    });
    server.listen({ port, ...(host ? { host } : {}) }, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
