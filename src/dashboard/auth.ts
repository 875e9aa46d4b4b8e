// Who may use the dashboard: the bearer token (scripts), a signed-in browser session, or — with no token set — loopback.
//
// Rules (issue 13, DESIGN.md "HTTP"):
// - `Authorization: Bearer $VENOM_DASHBOARD_TOKEN`: scripts; compared in constant time; needs no CSRF token.
// - `POST /venom/login` (form field `token`) creates a session: a random id (32 bytes, base64url) kept in this
//   process's memory for 12 hours with its own CSRF token. The cookie `venom_session` holds only that id, never the
//   dashboard token: `HttpOnly; SameSite=Strict; Path=/venom`, plus `Secure` when the request came over TLS, or carried
//   `X-Forwarded-Proto: https` from a proxy on this host. X-Forwarded-Proto is believed only from a loopback peer:
//   anyone else could send it, and a reverse proxy (nginx, Caddy) in front of Venom runs on the same machine. Sessions
//   end with a restart (sign in again) or `POST /venom/logout`.
// - A session's POSTs must carry `X-CSRF-Token` equal to its CSRF token (`GET /venom/api/session` tells the page).
// - No token configured: loopback peers only, and the `Host` header must name loopback (localhost, 127.0.0.1, [::1],
//   any port), so a page on a rebound DNS name cannot reach the dashboard through the user's browser. Its POSTs need
//   the process's CSRF token (one per process, from `GET /venom/api/session`), so a cross-site form cannot act either.
// - A malformed or oversized cookie, an unknown or expired session: 401, never a 500.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export const SESSION_COOKIE = "venom_session";
export const CSRF_HEADER = "x-csrf-token";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at most; signing in beyond this forgets the oldest. */
const MAX_SESSIONS = 1_000;
const MAX_COOKIE_HEADER_CHARS = 8_192;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/** Who the dashboard's action log names: every token holder is "dashboard", an unauthenticated loopback client "loopback". */
export type DashboardUser = "dashboard" | "loopback";

export type Authentication =
  | { ok: true; who: DashboardUser; via: "bearer" | "session" | "loopback"; csrfToken: string | null }
  | { ok: false; status: 401 | 403; error: "unauthorized" | "forbidden"; message: string };

interface Session {
  csrfToken: string;
  expiresAt: number;
}

export interface DashboardAuthOptions {
  token?: string | undefined;
  now?: () => number;
  sessionTtlMs?: number;
}

export class DashboardAuth {
  readonly #token: string | undefined;
  readonly #now: () => number;
  readonly #ttlMs: number;
  /** Keyed by the SHA-256 of the session id: a lookup's timing says nothing about the ids held. */
  readonly #sessions = new Map<string, Session>();
  /** The CSRF token of the no-token (loopback) mode: one per process. */
  readonly #loopbackCsrf = randomToken();

  constructor(options: DashboardAuthOptions = {}) {
    this.#token = options.token || undefined;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.sessionTtlMs ?? SESSION_TTL_MS;
  }

  get tokenConfigured(): boolean {
    return this.#token !== undefined;
  }

  authenticate(request: IncomingMessage): Authentication {
    if (!this.#token) {
      if (!isLoopbackPeer(request)) {
        return { ok: false, status: 403, error: "forbidden", message: "Set VENOM_DASHBOARD_TOKEN to reach the dashboard from other machines; without it only loopback clients are served." };
      }
      if (!LOOPBACK_HOST.test(request.headers.host ?? "")) {
        return { ok: false, status: 403, error: "forbidden", message: "Without VENOM_DASHBOARD_TOKEN the dashboard answers only to a loopback Host (localhost, 127.0.0.1, [::1])." };
      }
      return { ok: true, who: "loopback", via: "loopback", csrfToken: this.#loopbackCsrf };
    }
    const bearer = bearerToken(request.headers.authorization);
    if (bearer !== undefined) {
      return sameSecret(bearer, this.#token)
        ? { ok: true, who: "dashboard", via: "bearer", csrfToken: null }
        : unauthorized("That bearer token is not VENOM_DASHBOARD_TOKEN.");
    }
    const cookie = sessionCookie(request.headers.cookie);
    if (cookie === "malformed") return unauthorized("Malformed session cookie; sign in again.");
    if (cookie === undefined) return unauthorized("Send Authorization: Bearer <VENOM_DASHBOARD_TOKEN>, or sign in at /venom.");
    const session = this.#session(cookie);
    if (!session) return unauthorized("Session expired or unknown; sign in again.");
    return { ok: true, who: "dashboard", via: "session", csrfToken: session.csrfToken };
  }

  /** A state-changing request of an authenticated browser carries its CSRF token; bearer clients need none. */
  csrfOk(request: IncomingMessage, authentication: Authentication & { ok: true }): boolean {
    if (authentication.via === "bearer") return true;
    const given = request.headers[CSRF_HEADER];
    return typeof given === "string" && authentication.csrfToken !== null && sameSecret(given, authentication.csrfToken);
  }

  /** Checks the sign-in form's token; on success the new session's `Set-Cookie` value. */
  login(request: IncomingMessage, givenToken: string): string | undefined {
    if (!this.#token || !sameSecret(givenToken, this.#token)) return undefined;
    this.#prune();
    const id = randomToken();
    this.#sessions.set(digest(id), { csrfToken: randomToken(), expiresAt: this.#now() + this.#ttlMs });
    const secure = isHttps(request) ? "; Secure" : "";
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/venom; Max-Age=${Math.floor(this.#ttlMs / 1000)}${secure}`;
  }

  /** Ends the request's session (if any); the `Set-Cookie` value that clears the cookie. */
  logout(request: IncomingMessage): string {
    const cookie = sessionCookie(request.headers.cookie);
    if (cookie && cookie !== "malformed") this.#sessions.delete(digest(cookie));
    const secure = isHttps(request) ? "; Secure" : "";
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/venom; Max-Age=0${secure}`;
  }

  /** The inbound limiter's identity: "dashboard" for a proven token holder (bearer or session); never throws. */
  identity(request: IncomingMessage): string | undefined {
    if (!this.#token) return undefined;
    try {
      const authentication = this.authenticate(request);
      return authentication.ok ? authentication.who : undefined;
    } catch {
      return undefined;
    }
  }

  #session(id: string): Session | undefined {
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(key);
      return undefined;
    }
    return session;
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(key);
    // Maps iterate in insertion order: the first keys are the oldest sessions.
    for (const key of this.#sessions.keys()) {
      if (this.#sessions.size < MAX_SESSIONS) break;
      this.#sessions.delete(key);
    }
  }
}

export function isLoopbackPeer(request: IncomingMessage): boolean {
  return LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? "");
}

/** TLS on this socket, or `X-Forwarded-Proto: https` from a proxy on this host (the only peer whose header counts). */
export function isHttps(request: IncomingMessage): boolean {
  if ((request.socket as Partial<TLSSocket>).encrypted) return true;
  if (!isLoopbackPeer(request)) return false;
  const forwarded = request.headers["x-forwarded-proto"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",", 1)[0]?.trim().toLowerCase();
  return first === "https";
}

function unauthorized(message: string): Authentication {
  return { ok: false, status: 401, error: "unauthorized", message };
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_COOKIE_HEADER_CHARS || !/^bearer\s/i.test(header)) return undefined;
  return header.slice(7).trim();
}

/** The session id in the Cookie header: undefined when absent, "malformed" when it cannot be one of ours. */
function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.length > MAX_COOKIE_HEADER_CHARS) return "malformed";
  let found: string | undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0 || part.slice(0, separator).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(separator + 1).trim();
    if (!SESSION_ID.test(value)) return "malformed";
    found = value;
  }
  return found;
}

function sameSecret(given: string, expected: string): boolean {
  // Digests first: equal lengths for timingSafeEqual, and the comparison's time says nothing about the secret's length.
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function randomToken(): string {
  return randomBytes(32).toString("base64url");
}
