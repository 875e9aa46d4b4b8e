// GET /venom/assets/<file>: the dashboard's scripts and styles, and the headers every dashboard HTML page carries.
//
// The files live in src/dashboard/assets/ (flat: no sub-folders). `tsc` does not copy them into dist/, so a built
// run (dist/src/dashboard/static-assets.js) reads them from the source tree beside dist/ — the package ships src/ —
// and a tsx or vitest run from the folder next to this module: the same files either way, no build step for them.
// They hold no data, so they are served without sign-in (the login page needs its stylesheet too).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";

/** A strict policy: only this origin's scripts and styles, no inline code, no framing, forms post here only. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json; charset=utf-8",
};
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

/** The headers of every dashboard HTML page (the CSP above, no sniffing, no framing, no caching of data, no referrer to other sites). */
export function htmlHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // Not "no-referrer": under it Chromium sends `Origin: null` with the page's own form posts (sign-in, sign-out),
    // which the same-origin check must refuse. "same-origin" still sends nothing to GitHub or any other site.
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    ...extra,
  };
}

/** The assets folder: beside this module (tsx, vitest), else src/dashboard/assets of the package (built runs). */
export function assetsDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, "assets");
  if (existsSync(beside)) return beside;
  return path.resolve(here, "..", "..", "..", "src", "dashboard", "assets");
}

/** Answers `GET /venom/assets/<name>`; false when `name` is not an asset (the caller answers 404). */
export async function serveAsset(name: string, response: ServerResponse, directory = assetsDirectory()): Promise<boolean> {
  const type = TYPES[path.extname(name).toLowerCase()];
  if (!type || !ASSET_NAME.test(name) || name.includes("..")) return false;
  const body = await readFile(path.join(directory, name)).catch(() => undefined);
  if (!body) return false;
  response.writeHead(200, {
    "content-type": type,
    "content-length": body.length,
    "x-content-type-options": "nosniff",
    // Revalidated on each load: a new release's files are used at once.
    "cache-control": "no-cache",
  });
  response.end(body);
  return true;
}
