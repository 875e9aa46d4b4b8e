// GoogleCalendarSkill: reads the user's calendars, writes only to Venom's own calendar; googleapis is loaded on first use.
import { randomBytes } from "node:crypto";
import { access } from "node:fs/promises";
import type { Auth, calendar_v3 } from "googleapis";
import type { Logger } from "pino";
import { VenomError, errorMessage } from "../../errors.js";
import { agendaEventFrom, compareAgendaEvents, type AgendaEvent } from "./agenda-event.js";
import { readClientCredentials, type ClientCredentials } from "./client-credentials.js";
import { googleApiError } from "./google-api-error.js";
import { startLoopbackReceiver } from "./loopback-receiver.js";
import { nextReviewSlot } from "./review-slot.js";
import {
  NOT_LOGGED_IN,
  isTokenFileExposed,
  mergeTokens,
  readStoredToken,
  restrictTokenFile,
  writeStoredToken,
  type StoredToken,
} from "./token-store.js";
import { calendarDisplayName, findVenomCalendar } from "./venom-calendar.js";

export type { AgendaEvent } from "./agenda-event.js";

/** Read everything, write events: the two scopes of the reference system, nothing broader. */
export const GOOGLE_CALENDAR_SCOPES = [
  "https://www.googleapis.com/auth/calendar.readonly",
  "https://www.googleapis.com/auth/calendar.events",
] as const;

export const DEFAULT_VENOM_CALENDAR_ID = "venom_work_calendar";
export const DEFAULT_VENOM_CALENDAR_NAME = "Venom Work";
/** Every event Venom writes reminds with a popup this many minutes before. */
export const REMINDER_MINUTES = 10;
export const REVIEW_MINUTES = 30;

export interface GoogleCalendarConfig {
  /** `ENABLE_GOOGLE_CALENDAR`. */
  enabled: boolean;
  /** `GOOGLE_CALENDAR_CREDENTIALS_PATH`: Google's OAuth client JSON (installed app, or web). */
  credentialsPath: string;
  /** `GOOGLE_CALENDAR_TOKEN_PATH`: where `login` stores the token (0600). */
  tokenPath: string;
  /** `VENOM_CALENDAR_ID` (default `venom_work_calendar`). */
  calendarId?: string;
  /** `VENOM_CALENDAR_NAME` (default `Venom Work`). */
  calendarName?: string;
  /** Calendar API base URL override (tests); the token endpoint comes from the credentials' `token_uri`. */
  rootUrl?: string;
  /** Per request, Calendar API and token endpoint alike (default 30 s). */
  timeoutMs?: number;
  /** HTTP client for the Calendar API and the token endpoint: the traffic layer's fetch in the app. */
  fetch?: typeof fetch;
  log: Logger;
}

export type GoogleApisModule = typeof import("googleapis");

export interface GoogleCalendarDependencies {
  /** Defaults to `import("googleapis")`, run once, on the first call that needs Google. */
  loadGoogleApis?: () => Promise<GoogleApisModule>;
  now?: () => Date;
}

export interface CalendarConnection {
  configured: boolean;
  connected: boolean;
  detail: string;
}

export interface LoginOptions {
  /** Called with the consent URL as soon as it exists (the CLI prints it). */
  onUrl?: (url: string) => void;
  /** Opens the consent URL; a failure is logged and the login keeps waiting for the printed URL to be used. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Loopback port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** How long to wait for the browser's answer (default 5 minutes). */
  timeoutMs?: number;
}

export interface LoginResult {
  tokenPath: string;
  /** The scopes Google granted (the user can untick one on the consent page). */
  scopes: string[];
  /** False when Google sent no refresh token: access then ends when the access token expires. */
  refreshable: boolean;
}

export interface ScheduleTaskInput {
  title: string;
  start: Date;
  durationMinutes: number;
  description?: string;
  /** Only the Venom calendar is accepted: its configured id or its real id. Anything else is refused. */
  calendarId?: string;
}

export interface ScheduledEvent {
  id: string;
  calendarId: string;
  calendar: string;
  title: string;
  start: Date;
  end: Date;
  url?: string;
}

export interface ScheduleReviewInput {
  repo: string;
  prNumber: number;
  prUrl: string;
  /** Default: in an hour during working hours, else the next working morning (local time). */
  start?: Date;
}

interface Session {
  calendar: calendar_v3.Calendar;
}

interface VenomCalendar {
  id: string;
  name: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const LOGIN_TIMEOUT_MS = 5 * 60_000;
const MAX_AGENDA_HOURS = 24 * 90;
const MAX_DURATION_MINUTES = 24 * 60 * 14;
const PAGE_SIZE = 250;
const REVIEW_PROPERTY = "venomReview";
const CREATED_BY = { createdBy: "venom-integrator" };

export class GoogleCalendarSkill {
  readonly #config: GoogleCalendarConfig;
  readonly #target: { calendarId: string; calendarName: string };
  readonly #log: Logger;
  readonly #loadGoogleApis: () => Promise<GoogleApisModule>;
  readonly #now: () => Date;
  #googleapis: Promise<GoogleApisModule> | undefined;
  #session: Promise<Session> | undefined;
  #venomCalendar: Promise<VenomCalendar> | undefined;
  /** The token as last stored: refreshes are layered over it so the refresh token is never lost. */
  #storedToken: StoredToken | undefined;
  /** Token writes run in order; public calls wait for them so a call's refresh is on disk when it returns. */
  #tokenWrites: Promise<void> = Promise.resolve();

  constructor(config: GoogleCalendarConfig, dependencies: GoogleCalendarDependencies = {}) {
    this.#config = config;
    this.#target = {
      calendarId: config.calendarId?.trim() || DEFAULT_VENOM_CALENDAR_ID,
      calendarName: config.calendarName?.trim() || DEFAULT_VENOM_CALENDAR_NAME,
    };
    this.#log = config.log;
    this.#loadGoogleApis = dependencies.loadGoogleApis ?? (() => import("googleapis"));
    this.#now = dependencies.now ?? (() => new Date());
  }

  get enabled(): boolean {
    return this.#config.enabled;
  }

  /** The configured Venom calendar: `{calendarId, calendarName}`. */
  get venomCalendar(): { calendarId: string; calendarName: string } {
    return { ...this.#target };
  }

  /**
   * The installed-app consent flow, once: a loopback server on 127.0.0.1, the consent URL (PKCE, `state` nonce,
   * offline access), the code exchanged for tokens, stored at `tokenPath` (0600). Works before
   * `ENABLE_GOOGLE_CALENDAR` is set, so the order of setup steps does not matter.
   */
  async login(options: LoginOptions = {}): Promise<LoginResult> {
    const credentials = await readClientCredentials(this.#config.credentialsPath);
    const googleapis = await this.#googleapisModule();
    const state = randomBytes(32).toString("base64url");
    let client: Auth.OAuth2Client | undefined;
    let codeVerifier: string | undefined;

    const receiver = await startLoopbackReceiver({
      ...(options.port !== undefined ? { port: options.port } : {}),
      state,
      timeoutMs: options.timeoutMs ?? LOGIN_TIMEOUT_MS,
      log: this.#log,
      complete: async (code) => {
        if (!client) throw new VenomError("permanent", "Google Calendar login: the OAuth client is not ready.");
        let tokens: Auth.Credentials;
        try {
          ({ tokens } = await client.getToken({ code, ...(codeVerifier ? { codeVerifier } : {}) }));
        } catch (error) {
          throw googleApiError(error, "exchange the authorization code for a token");
        }
        const token = mergeTokens(undefined, tokens);
        await writeStoredToken(this.#config.tokenPath, token);
        return token;
      },
    });

    try {
      client = this.#oauthClient(googleapis, credentials, receiver.redirectUri);
      const verifier = await client.generateCodeVerifierAsync();
      codeVerifier = verifier.codeVerifier;
      const url = client.generateAuthUrl({
        access_type: "offline",
        prompt: "consent",
        scope: [...GOOGLE_CALENDAR_SCOPES],
        state,
        ...(verifier.codeChallenge
          ? { code_challenge: verifier.codeChallenge, code_challenge_method: googleapis.Auth.CodeChallengeMethod.S256 }
          : {}),
      });
      this.#log.info({ redirectUri: receiver.redirectUri }, "Google Calendar login: waiting for consent in the browser");
      options.onUrl?.(url);
      if (options.openBrowser) {
        try {
          await options.openBrowser(url);
        } catch (error) {
          this.#log.warn({ err: error }, "Google Calendar login: could not open a browser; open the printed URL yourself");
        }
      }
    } catch (error) {
      await receiver.close();
      throw error;
    }

    const token = await receiver.result;
    // A new login may be another account: forget the session and the Venom calendar found with the old one.
    this.#session = undefined;
    this.#venomCalendar = undefined;
    this.#storedToken = token;

    const scopes = token.scope ? token.scope.split(/\s+/).filter(Boolean) : [...GOOGLE_CALENDAR_SCOPES];
    const missing = GOOGLE_CALENDAR_SCOPES.filter((scope) => !scopes.includes(scope));
    if (missing.length) {
      this.#log.warn({ missing }, "Google Calendar login: not every permission was granted; some calls will be refused");
    }
    const refreshable = Boolean(token.refresh_token);
    if (!refreshable) {
      this.#log.warn(
        "Google Calendar login: Google sent no refresh token, so access ends within the hour; remove Venom's access at " +
          "https://myaccount.google.com/permissions and run `venom calendar login` again",
      );
    }
    this.#log.info({ tokenPath: this.#config.tokenPath }, "Google Calendar login: token stored");
    return { tokenPath: this.#config.tokenPath, scopes, refreshable };
  }

  /** Events from every calendar in the user's list between `from` (default now) and `hours` later, earliest first. */
  async readAgenda(options: { from?: Date; hours?: number } = {}): Promise<AgendaEvent[]> {
    const from = options.from ?? this.#now();
    const hours = options.hours ?? 24;
    if (Number.isNaN(from.getTime())) throw new VenomError("user", "The agenda's start is not a valid date.");
    if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_AGENDA_HOURS) {
      throw new VenomError("user", `The agenda covers 0 to ${MAX_AGENDA_HOURS} hours; ${hours} is out of range.`);
    }
    const timeMin = from.toISOString();
    const timeMax = new Date(from.getTime() + hours * 3_600_000).toISOString();

    return this.#withSession(async (session) => {
      const calendars = await this.#listCalendars(session);
      const results = await Promise.allSettled(
        calendars.map(async (entry) => {
          const calendar = { id: entry.id, name: calendarDisplayName(entry) };
          const events = await this.#listEvents(session, `read calendar "${calendar.name}"`, {
            calendarId: entry.id,
            singleEvents: true,
            orderBy: "startTime",
            timeMin,
            timeMax,
          });
          return events.flatMap((event) => agendaEventFrom(calendar, event) ?? []);
        }),
      );
      const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
      // One unreadable calendar (a stale subscription, say) should not hide the others; all of them failing is an error.
      if (failures.length && failures.length === results.length) throw failures[0];
      for (const failure of failures) this.#log.warn({ err: failure }, "Google Calendar: skipped a calendar in the agenda");
      return results
        .flatMap((result) => (result.status === "fulfilled" ? result.value : []))
        .sort(compareAgendaEvents);
    });
  }

  /**
   * Puts a task on the Venom calendar (found by id or name, created when missing) with a 10-minute popup reminder.
   * Any other target — `primary` included — is refused: Venom never writes to the user's own calendars.
   */
  async scheduleTask(input: ScheduleTaskInput): Promise<ScheduledEvent> {
    const title = input.title?.trim();
    if (!title) throw new VenomError("user", "A calendar task needs a title.");
    if (!(input.start instanceof Date) || Number.isNaN(input.start.getTime())) {
      throw new VenomError("user", "A calendar task needs a valid start date and time.");
    }
    if (!Number.isInteger(input.durationMinutes) || input.durationMinutes <= 0 || input.durationMinutes > MAX_DURATION_MINUTES) {
      throw new VenomError("user", `A calendar task lasts 1 to ${MAX_DURATION_MINUTES} whole minutes; ${input.durationMinutes} is out of range.`);
    }
    const requested = input.calendarId?.trim();
    if (requested !== undefined && requested.toLowerCase() === "primary") throw this.#foreignCalendar(requested);

    return this.#withSession(async (session) => {
      if (requested !== undefined && requested !== this.#target.calendarId) {
        // Checked before anything is created: a refused call leaves no trace.
        const existing = await this.#findVenomCalendar(session);
        if (!existing || existing.id !== requested) throw this.#foreignCalendar(requested);
      }
      return this.#insertEvent(session, {
        summary: title,
        ...(input.description ? { description: input.description } : {}),
        start: { dateTime: input.start.toISOString() },
        end: { dateTime: new Date(input.start.getTime() + input.durationMinutes * 60_000).toISOString() },
        extendedProperties: { private: CREATED_BY },
      });
    });
  }

  /**
   * The pipeline's hook: "Review PR #N" (30 minutes) on the Venom calendar. Idempotent per pull request: an upcoming
   * review event for the same PR is returned instead of a second one.
   */
  async scheduleReview(input: ScheduleReviewInput): Promise<ScheduledEvent & { created: boolean }> {
    if (!/^[\w.-]+\/[\w.-]+$/.test(input.repo)) throw new VenomError("user", `Not a repository name: "${input.repo}" (expected owner/name).`);
    if (!Number.isInteger(input.prNumber) || input.prNumber <= 0) {
      throw new VenomError("user", `Not a pull request number: ${input.prNumber}.`);
    }
    const start = input.start ?? nextReviewSlot(this.#now(), REVIEW_MINUTES);
    const key = `${input.repo}#${input.prNumber}`;
    return this.#withSession(async (session) => {
      const venom = await this.#ensureVenomCalendar(session);
      const now = this.#now().getTime();
      const existing = (
        await this.#listEvents(session, "look for an existing review event", {
          calendarId: venom.id,
          privateExtendedProperty: [`${REVIEW_PROPERTY}=${key}`],
          singleEvents: true,
        })
      )
        .find((event) => event.status !== "cancelled" && new Date(event.end?.dateTime ?? event.end?.date ?? 0).getTime() > now);
      if (existing) return { ...scheduledEvent(venom, existing), created: false };

      const event = await this.#insertEvent(session, {
        summary: `Review PR #${input.prNumber} (${input.repo})`,
        description: `Pull request ready for review: ${input.prUrl}\n\nScheduled by Venom Integrator.`,
        source: { title: `${input.repo}#${input.prNumber}`, url: input.prUrl },
        start: { dateTime: start.toISOString() },
        end: { dateTime: new Date(start.getTime() + REVIEW_MINUTES * 60_000).toISOString() },
        extendedProperties: { private: { ...CREATED_BY, [REVIEW_PROPERTY]: key } },
      });
      return { ...event, created: true };
    });
  }

  /** Configured, connected and a one-line detail; never throws. Does not create the Venom calendar. */
  async checkConnection(): Promise<CalendarConnection> {
    const missing = await this.#missingSetup();
    if (missing) return { configured: false, connected: false, detail: missing };
    try {
      return await this.#withSession(async (session) => {
        const calendars = await this.#listCalendars(session);
        const venom = findVenomCalendar(calendars, this.#target);
        const venomDetail = venom
          ? `Venom calendar "${calendarDisplayName(venom)}" found`
          : `Venom calendar "${this.#target.calendarName}" will be created on the first write`;
        return { configured: true, connected: true, detail: `connected: ${calendars.length} calendars readable; ${venomDetail}` };
      });
    } catch (error) {
      return { configured: true, connected: false, detail: errorMessage(error) };
    }
  }

  /** What is missing before the skill can talk to Google, said as what to set or run; `undefined` when nothing is. */
  async #missingSetup(): Promise<string | undefined> {
    if (!this.#config.enabled) {
      return (
        "not configured (set ENABLE_GOOGLE_CALENDAR=true and GOOGLE_CALENDAR_CREDENTIALS_PATH to your OAuth client JSON, " +
        "then run `venom calendar login`)"
      );
    }
    if (!(await exists(this.#config.credentialsPath))) {
      return (
        `not configured: no OAuth client JSON at ${this.#config.credentialsPath} (download a "Desktop app" client from ` +
        "Google Cloud Console and set GOOGLE_CALENDAR_CREDENTIALS_PATH)"
      );
    }
    if (!(await exists(this.#config.tokenPath))) {
      return `not configured: not logged in (run \`venom calendar login\`; the token goes to GOOGLE_CALENDAR_TOKEN_PATH=${this.#config.tokenPath})`;
    }
    return undefined;
  }

  async #withSession<T>(run: (session: Session) => Promise<T>): Promise<T> {
    try {
      return await run(await this.#openSession());
    } finally {
      await this.#tokenWrites;
    }
  }

  #openSession(): Promise<Session> {
    if (!this.#session) {
      const session = this.#createSession();
      this.#session = session;
      // A failed start (not logged in yet, say) is not remembered: the next call tries again.
      session.catch(() => {
        if (this.#session === session) this.#session = undefined;
      });
    }
    return this.#session;
  }

  async #createSession(): Promise<Session> {
    if (!this.#config.enabled) {
      throw new VenomError("user", "Google Calendar is not enabled: set ENABLE_GOOGLE_CALENDAR=true.");
    }
    const credentials = await readClientCredentials(this.#config.credentialsPath);
    const tokenPath = this.#config.tokenPath;
    const token = await readStoredToken(tokenPath);
    if (!token) throw new VenomError("user", NOT_LOGGED_IN);
    if (await isTokenFileExposed(tokenPath)) {
      await restrictTokenFile(tokenPath);
      this.#log.warn({ tokenPath }, "Google Calendar: the token file was readable by others; its mode is now 0600");
    }
    const googleapis = await this.#googleapisModule();
    const auth = this.#oauthClient(googleapis, credentials);
    auth.setCredentials(token);
    this.#storedToken = token;
    // Refreshes happen inside googleapis' requests; each new token is persisted (0600) as soon as it arrives.
    auth.on("tokens", (tokens) => this.#persistToken(tokens));
    const calendar = googleapis.google.calendar({
      version: "v3",
      auth,
      timeout: this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(this.#config.rootUrl ? { rootUrl: this.#config.rootUrl } : {}),
      ...(this.#config.fetch ? { fetchImplementation: this.#config.fetch } : {}),
    });
    return { calendar };
  }

  #googleapisModule(): Promise<GoogleApisModule> {
    if (!this.#googleapis) {
      const loading = this.#loadGoogleApis().catch((error: unknown) => {
        this.#googleapis = undefined;
        throw new VenomError("permanent", `Google Calendar needs the googleapis package: ${errorMessage(error)}. Run \`npm install\`.`, {
          cause: error,
        });
      });
      this.#googleapis = loading;
    }
    return this.#googleapis;
  }

  #oauthClient(googleapis: GoogleApisModule, credentials: ClientCredentials, redirectUri?: string): Auth.OAuth2Client {
    return new googleapis.google.auth.OAuth2({
      clientId: credentials.clientId,
      ...(credentials.clientSecret ? { clientSecret: credentials.clientSecret } : {}),
      ...(redirectUri ? { redirectUri } : {}),
      endpoints: {
        ...(credentials.authUri ? { oauth2AuthBaseUrl: credentials.authUri } : {}),
        ...(credentials.tokenUri ? { oauth2TokenUrl: credentials.tokenUri } : {}),
      },
      transporterOptions: {
        timeout: this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.#config.fetch ? { fetchImplementation: this.#config.fetch } : {}),
      },
    });
  }

  #persistToken(update: Auth.Credentials): void {
    const token = mergeTokens(this.#storedToken, update);
    this.#storedToken = token;
    this.#tokenWrites = this.#tokenWrites
      .then(() => writeStoredToken(this.#config.tokenPath, token))
      .then(
        () => this.#log.debug("Google Calendar: refreshed token stored"),
        (error: unknown) => this.#log.error({ err: error }, "Google Calendar: could not store the refreshed token"),
      );
  }

  async #listCalendars(session: Session): Promise<Array<calendar_v3.Schema$CalendarListEntry & { id: string }>> {
    const entries: Array<calendar_v3.Schema$CalendarListEntry & { id: string }> = [];
    let pageToken: string | undefined;
    do {
      const page = await callGoogle("list your calendars", () =>
        session.calendar.calendarList.list({ maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }),
      );
      for (const entry of page.data.items ?? []) if (entry.id) entries.push({ ...entry, id: entry.id });
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    return entries;
  }

  async #listEvents(
    session: Session,
    action: string,
    params: calendar_v3.Params$Resource$Events$List & { calendarId: string },
  ): Promise<calendar_v3.Schema$Event[]> {
    const events: calendar_v3.Schema$Event[] = [];
    let pageToken: string | undefined;
    do {
      const page = await callGoogle(action, () =>
        session.calendar.events.list({ ...params, maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }),
      );
      events.push(...(page.data.items ?? []));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    return events;
  }

  /** The Venom calendar when it exists (remembered once found); never creates. */
  async #findVenomCalendar(session: Session): Promise<VenomCalendar | undefined> {
    if (this.#venomCalendar) return this.#venomCalendar;
    const entry = findVenomCalendar(await this.#listCalendars(session), this.#target);
    if (this.#venomCalendar) return this.#venomCalendar;
    if (!entry) return undefined;
    const venom = { id: entry.id, name: calendarDisplayName(entry) };
    this.#venomCalendar = Promise.resolve(venom);
    return venom;
  }

  /** The Venom calendar, created (named `calendarName`, in the primary calendar's time zone) when missing. */
  async #ensureVenomCalendar(session: Session): Promise<VenomCalendar> {
    if (this.#venomCalendar) return this.#venomCalendar;
    const calendars = await this.#listCalendars(session);
    // Another call may have found or started creating it while this one listed.
    if (this.#venomCalendar) return this.#venomCalendar;
    const entry = findVenomCalendar(calendars, this.#target);
    if (entry) {
      const venom = { id: entry.id, name: calendarDisplayName(entry) };
      this.#venomCalendar = Promise.resolve(venom);
      return venom;
    }
    const creating = this.#createVenomCalendar(session, calendars.find((calendar) => calendar.primary)?.timeZone ?? undefined);
    this.#venomCalendar = creating;
    creating.catch(() => {
      if (this.#venomCalendar === creating) this.#venomCalendar = undefined;
    });
    return creating;
  }

  async #createVenomCalendar(session: Session, timeZone: string | undefined): Promise<VenomCalendar> {
    const name = this.#target.calendarName;
    const created = await callGoogle(`create the "${name}" calendar`, () =>
      session.calendar.calendars.insert({
        requestBody: {
          summary: name,
          description: "Tasks and reviews scheduled by Venom Integrator. Venom writes only to this calendar.",
          ...(timeZone ? { timeZone } : {}),
        },
      }),
    );
    const id = created.data.id;
    if (!id) throw new VenomError("permanent", `Google Calendar created "${name}" but returned no id.`);
    this.#log.info(
      { calendarId: id },
      `Google Calendar: created the "${name}" calendar; set VENOM_CALENDAR_ID to its id to pin it even if renamed`,
    );
    return { id, name };
  }

  async #insertEvent(session: Session, requestBody: calendar_v3.Schema$Event): Promise<ScheduledEvent> {
    const body: calendar_v3.Schema$Event = {
      ...requestBody,
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: REMINDER_MINUTES }] },
    };
    const insert = async (venom: VenomCalendar) =>
      scheduledEvent(
        venom,
        (
          await callGoogle(`add "${body.summary ?? "event"}" to the "${venom.name}" calendar`, () =>
            session.calendar.events.insert({ calendarId: venom.id, requestBody: body }),
          )
        ).data,
      );
    const venom = await this.#ensureVenomCalendar(session);
    try {
      return await insert(venom);
    } catch (error) {
      // The remembered calendar was deleted since: find or create it again, once.
      if (!(error instanceof VenomError && httpStatus(error.cause) === 404)) throw error;
      this.#log.warn({ calendarId: venom.id }, "Google Calendar: the Venom calendar is gone; looking for it again");
      this.#venomCalendar = undefined;
      return insert(await this.#ensureVenomCalendar(session));
    }
  }

  #foreignCalendar(requested: string): VenomError {
    return new VenomError(
      "user",
      `Refused to write to calendar "${requested}": Venom writes only to its own calendar "${this.#target.calendarName}" ` +
        `(VENOM_CALENDAR_ID=${this.#target.calendarId}), never to your other calendars${requested.toLowerCase() === "primary" ? " or your primary one" : ""}.`,
    );
  }
}

async function callGoogle<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw googleApiError(error, action);
  }
}

function scheduledEvent(venom: VenomCalendar, event: calendar_v3.Schema$Event): ScheduledEvent {
  const start = new Date(event.start?.dateTime ?? event.start?.date ?? NaN);
  const end = new Date(event.end?.dateTime ?? event.end?.date ?? NaN);
  return {
    id: event.id ?? "",
    calendarId: venom.id,
    calendar: venom.name,
    title: event.summary ?? "",
    start,
    end,
    ...(event.htmlLink ? { url: event.htmlLink } : {}),
  };
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === "number" ? status : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
