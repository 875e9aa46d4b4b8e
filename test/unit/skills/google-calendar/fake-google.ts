// A stand-in for Google's OAuth token endpoint and the Calendar v3 REST subset the skill uses, answering in Google's
// shapes: played by nock in unit tests (`intercept`), by a local server for the CLI's end-to-end tests (`start`).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";

export const CLIENT_ID = "1234567890-venomtest.apps.googleusercontent.com";
export const CLIENT_SECRET = "GOCSPX-venom-test-secret";
export const GRANTED_SCOPE = "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events";

export interface FakeEvent {
  id: string;
  summary?: string;
  status?: string;
  location?: string;
  description?: string;
  /** RFC 3339 date-time, or `date` for all-day events. */
  start: { dateTime?: string; date?: string };
  end: { dateTime?: string; date?: string };
  reminders?: unknown;
  extendedProperties?: { private?: Record<string, string> };
  [field: string]: unknown;
}

export interface FakeCalendar {
  id: string;
  summary: string;
  primary?: boolean;
  accessRole: "owner" | "writer" | "reader" | "freeBusyReader";
  timeZone?: string;
  events: FakeEvent[];
  /** Answer events.list for this calendar with this status (a broken subscription, say). */
  failWith?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** JSON bodies parsed; the token endpoint's form as an object. */
  body: unknown;
}

export class FakeGoogle {
  readonly requests: RecordedRequest[] = [];
  calendars: FakeCalendar[] = [];
  /** Access tokens the API accepts. */
  readonly accessTokens = new Set<string>();
  /** Refresh tokens the token endpoint accepts. */
  readonly refreshTokens = new Set<string>();
  /** Authorization codes the token endpoint accepts once (what the consent page would have issued). */
  readonly codes = new Set<string>();
  /** Items per page on list endpoints (small values exercise `pageToken`). */
  pageSize = 100;
  readonly origin: string;
  readonly #server: Server | undefined;
  #issued = 0;

  private constructor(origin: string, server?: Server) {
    this.#server = server;
    this.origin = origin;
  }

  /** A local HTTP server, for processes the test starts (nock cannot reach into them). */
  static async start(): Promise<FakeGoogle> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const fake = new FakeGoogle(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, server);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      readBody(request)
        .then((raw) => fake.#answer(request.method ?? "GET", request.url ?? "/", request.headers, raw))
        .catch((error: unknown) => ({ status: 500, body: { error: { code: 500, message: String(error), status: "INTERNAL" } } }))
        .then((reply) => {
          response.writeHead(reply.status, { "Content-Type": "application/json; charset=UTF-8" });
          response.end(JSON.stringify(reply.body));
        }, () => response.destroy());
    });
    return fake;
  }

  /** Google at its own address, played by nock in this process: no socket opens. */
  static intercept(origin = "https://www.googleapis.com"): FakeGoogle {
    const fake = new FakeGoogle(origin);
    const scope = nock(origin).persist();
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      scope.intercept(() => true, method).reply(function (uri, body) {
        const raw = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
        const reply = fake.#answer(method, uri, this.req.headers, raw);
        return [reply.status, JSON.stringify(reply.body), { "Content-Type": "application/json; charset=UTF-8" }];
      });
    }
    return fake;
  }

  get rootUrl(): string {
    return `${this.origin}/`;
  }
  get tokenUri(): string {
    return `${this.origin}/token`;
  }
  get authUri(): string {
    return `${this.origin}/o/oauth2/auth`;
  }

  /** Google's installed-app client JSON, with the endpoints pointed here. */
  credentials(kind: "installed" | "web" = "installed"): string {
    return JSON.stringify({
      [kind]: {
        client_id: CLIENT_ID,
        project_id: "venom-test",
        auth_uri: this.authUri,
        token_uri: this.tokenUri,
        auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
        client_secret: CLIENT_SECRET,
        redirect_uris: ["http://localhost"],
      },
    });
  }

  reset(): void {
    this.requests.length = 0;
    this.calendars = [];
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.pageSize = 100;
  }

  /** Requests to one path (query excluded), e.g. `/token`. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === method && (typeof path === "string" ? request.path === path : path.test(request.path)),
    );
  }

  calendar(id: string): FakeCalendar {
    const calendar = this.calendars.find((entry) => entry.id === id);
    if (!calendar) throw new Error(`no fake calendar ${id}`);
    return calendar;
  }

  /** Closes the server, or removes the interceptors (every nock interceptor of this process). */
  async stop(): Promise<void> {
    if (!this.#server) {
      nock.cleanAll();
      return;
    }
    const server = this.#server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  #answer(method: string, target: string, headers: IncomingHttpHeaders, raw: string): Reply {
    const url = new URL(target, this.origin);
    const type = headers["content-type"] ?? "";
    const body = !raw
      ? undefined
      : type.includes("application/x-www-form-urlencoded")
        ? Object.fromEntries(new URLSearchParams(raw))
        : JSON.parse(raw);
    this.requests.push({ method, path: url.pathname, query: url.searchParams, headers, body });

    if (url.pathname === "/token" && method === "POST") return this.#token((body ?? {}) as Record<string, string>);

    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (!bearer || !this.accessTokens.has(bearer)) {
      return apiError(401, "Request had invalid authentication credentials.", "authError", "UNAUTHENTICATED");
    }
    const path = url.pathname;
    if (path === "/calendar/v3/users/me/calendarList" && method === "GET") return this.#calendarList(url);
    if (path === "/calendar/v3/calendars" && method === "POST") return this.#createCalendar(body as FakeCalendar);
    const eventsPath = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/.exec(path);
    if (eventsPath?.[1]) {
      const calendar = this.calendars.find((entry) => entry.id === decodeURIComponent(eventsPath[1] ?? ""));
      if (!calendar) return apiError(404, "Not Found", "notFound", "NOT_FOUND");
      if (method === "GET") return this.#listEvents(url, calendar);
      if (method === "POST") return this.#insertEvent(calendar, body as FakeEvent);
    }
    return apiError(404, "Not Found", "notFound", "NOT_FOUND");
  }

  #token(form: Record<string, string>): Reply {
    if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) {
      return json(401, { error: "invalid_client", error_description: "The OAuth client was not found." });
    }
    const access = () => {
      const token = `ya29.fake-access-${++this.#issued}-${randomBytes(6).toString("hex")}`;
      this.accessTokens.add(token);
      return token;
    };
    if (form.grant_type === "refresh_token") {
      if (!form.refresh_token || !this.refreshTokens.has(form.refresh_token)) {
        return json(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      }
      return json(200, { access_token: access(), expires_in: 3599, scope: GRANTED_SCOPE, token_type: "Bearer" });
    }
    if (form.grant_type === "authorization_code") {
      if (!form.code || !this.codes.delete(form.code) || !form.redirect_uri) {
        return json(400, { error: "invalid_grant", error_description: "Bad Request" });
      }
      const refresh = `1//fake-refresh-${randomBytes(6).toString("hex")}`;
      this.refreshTokens.add(refresh);
      return json(200, {
        access_token: access(),
        expires_in: 3599,
        refresh_token: refresh,
        scope: GRANTED_SCOPE,
        token_type: "Bearer",
      });
    }
    return json(400, { error: "unsupported_grant_type", error_description: "Invalid grant_type." });
  }

  #calendarList(url: URL): Reply {
    const items = this.calendars.map((calendar) => ({
      kind: "calendar#calendarListEntry",
      etag: `"${calendar.id.length}"`,
      id: calendar.id,
      summary: calendar.summary,
      timeZone: calendar.timeZone ?? "UTC",
      colorId: "14",
      backgroundColor: "#9fe1e7",
      foregroundColor: "#000000",
      selected: true,
      accessRole: calendar.accessRole,
      defaultReminders: [],
      conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
      ...(calendar.primary ? { primary: true } : {}),
    }));
    return json(200, { kind: "calendar#calendarList", etag: '"p33"', ...this.#page(items, url) });
  }

  #createCalendar(body: { summary?: string; timeZone?: string; description?: string }): Reply {
    if (!body?.summary) return apiError(400, "Missing title.", "required", "INVALID_ARGUMENT");
    const calendar: FakeCalendar = {
      id: `c_${randomBytes(8).toString("hex")}@group.calendar.google.com`,
      summary: body.summary,
      accessRole: "owner",
      ...(body.timeZone ? { timeZone: body.timeZone } : {}),
      events: [],
    };
    this.calendars.push(calendar);
    return json(200, {
      kind: "calendar#calendar",
      etag: '"c1"',
      id: calendar.id,
      summary: calendar.summary,
      ...(body.description ? { description: body.description } : {}),
      timeZone: calendar.timeZone ?? "UTC",
      conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
    });
  }

  #listEvents(url: URL, calendar: FakeCalendar): Reply {
    if (calendar.failWith) return apiError(calendar.failWith, "Not Found", "notFound", "NOT_FOUND");
    if (url.searchParams.get("orderBy") === "startTime" && url.searchParams.get("singleEvents") !== "true") {
      return apiError(400, "The requested ordering is not available for the particular query.", "invalid", "INVALID_ARGUMENT");
    }
    const timeMin = url.searchParams.get("timeMin");
    const timeMax = url.searchParams.get("timeMax");
    const properties = url.searchParams.getAll("privateExtendedProperty").map((pair) => pair.split("=", 2) as [string, string]);
    let items = calendar.events.filter((event) => {
      if (timeMin && eventTime(event.end) <= Date.parse(timeMin)) return false;
      if (timeMax && eventTime(event.start) >= Date.parse(timeMax)) return false;
      return properties.every(([key, value]) => event.extendedProperties?.private?.[key] === value);
    });
    if (url.searchParams.get("orderBy") === "startTime") {
      items = [...items].sort((a, b) => eventTime(a.start) - eventTime(b.start));
    }
    return json(200, {
      kind: "calendar#events",
      etag: '"e1"',
      summary: calendar.summary,
      updated: new Date().toISOString(),
      timeZone: calendar.timeZone ?? "UTC",
      accessRole: calendar.accessRole,
      defaultReminders: [],
      ...this.#page(items.map((event) => this.#eventResource(calendar, event)), url),
    });
  }

  #insertEvent(calendar: FakeCalendar, body: FakeEvent): Reply {
    if (calendar.accessRole !== "owner" && calendar.accessRole !== "writer") {
      return apiError(403, "You need to have writer access to this calendar.", "requiredAccessLevel", "PERMISSION_DENIED");
    }
    const event: FakeEvent = { ...body, id: randomBytes(10).toString("hex"), status: "confirmed" };
    calendar.events.push(event);
    return json(200, this.#eventResource(calendar, event));
  }

  #eventResource(calendar: FakeCalendar, event: FakeEvent): Record<string, unknown> {
    return {
      kind: "calendar#event",
      etag: '"3400000000000000"',
      status: "confirmed",
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${calendar.id}`).toString("base64url")}`,
      created: "2030-01-01T00:00:00.000Z",
      updated: "2030-01-01T00:00:00.000Z",
      creator: { email: "me@example.com", self: true },
      organizer: { email: calendar.id, displayName: calendar.summary, self: true },
      iCalUID: `${event.id}@google.com`,
      sequence: 0,
      eventType: "default",
      ...event,
    };
  }

  #page<T>(items: T[], url: URL): { items: T[]; nextPageToken?: string } {
    const offset = Number(url.searchParams.get("pageToken") ?? "0");
    const size = Math.min(this.pageSize, Number(url.searchParams.get("maxResults") ?? "250"));
    const page = items.slice(offset, offset + size);
    return offset + size < items.length ? { items: page, nextPageToken: String(offset + size) } : { items: page };
  }
}

/** PKCE S256: the code_challenge Google would compare a code_verifier to. */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

function eventTime(time: { dateTime?: string; date?: string }): number {
  return Date.parse(time.dateTime ?? `${time.date}T00:00:00Z`);
}

/** An answer, sent as JSON by either transport. */
interface Reply {
  status: number;
  body: unknown;
}

function apiError(code: number, message: string, reason: string, status: string): Reply {
  return json(code, { error: { code, message, errors: [{ message, domain: "global", reason }], status } });
}

function json(status: number, body: unknown): Reply {
  return { status, body };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
