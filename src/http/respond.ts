// Small helpers for answering HTTP requests with JSON.
import type { IncomingMessage, ServerResponse } from "node:http";

/** A route: answers and returns true, or returns false to let the next route try. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean> | boolean;

export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Reads a request body up to `maxBytes`; a larger body rejects (and the request is destroyed). */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`Body larger than ${Math.round(maxBytes / 1024 / 1024) || 1} MB refused.`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?", 1)[0] ?? "/";
}
