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

/** Why a body was not read: too large, too slow, or the client hung up. */
export class BodyReadError extends Error {
  constructor(
    message: string,
    readonly reason: "too_large" | "timeout" | "closed",
  ) {
    super(message);
    this.name = "BodyReadError";
  }
}

export interface ReadBodyOptions {
  /** Gives up (and destroys the request) when the whole body has not arrived this long after the read began. */
  timeoutMs?: number;
}

/** Reads a request body up to `maxBytes`; a larger, late or cut-off body rejects (and the request is destroyed). */
export function readBody(request: IncomingMessage, maxBytes: number, options: ReadBodyOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: BodyReadError) => {
      clearTimeout(timer);
      reject(error);
      request.destroy();
    };
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => fail(new BodyReadError(`Body not received within ${Math.ceil(options.timeoutMs! / 1000)} s.`, "timeout")), options.timeoutMs);
    }
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new BodyReadError(`Body larger than ${Math.round(maxBytes / 1024 / 1024) || 1} MB refused.`, "too_large"));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // A client that hangs up mid-body emits neither "end" nor always "error": without this the read never settles.
    request.on("close", () => {
      clearTimeout(timer);
      if (!request.complete) reject(new BodyReadError("The client closed the connection before the body was read.", "closed"));
    });
  });
}

export function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?", 1)[0] ?? "/";
}
