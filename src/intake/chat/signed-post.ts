// The request half both chat action routes share: POST only, the raw body read within a cap (signatures cover it).
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyReadError, readBody, send } from "../../http/respond.js";

/** The raw body of a POST to `path`; undefined once a 405, 413 or 400 has been answered. */
export async function readSignedPost(request: IncomingMessage, response: ServerResponse, path: string, maxBytes: number): Promise<string | undefined> {
  if (request.method !== "POST") {
    send(response, 405, { error: "method_not_allowed", message: `Use POST ${path}.` }, { allow: "POST" });
    return undefined;
  }
  try {
    return await readBody(request, maxBytes, { timeoutMs: 10_000 });
  } catch (error) {
    send(response, error instanceof BodyReadError && error.reason === "too_large" ? 413 : 400, { error: "bad_request", message: "Could not read the request body." });
    return undefined;
  }
}
