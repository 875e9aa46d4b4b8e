// What the Google Calendar skill is built from: its settings, the scopes it asks for, and how googleapis is loaded.
import type { Logger } from "pino";

/** Read everything, write events: the two scopes of the reference system, nothing broader. */
export const GOOGLE_CALENDAR_SCOPES = [
  "https://www.googleapis.com/auth/calendar.readonly",
  "https://www.googleapis.com/auth/calendar.events",
] as const;

export const DEFAULT_VENOM_CALENDAR_ID = "venom_work_calendar";
export const DEFAULT_VENOM_CALENDAR_NAME = "Venom Work";
/** Per request, Calendar API and token endpoint alike, unless `timeoutMs` says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

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
