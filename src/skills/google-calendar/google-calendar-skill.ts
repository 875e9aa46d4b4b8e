// GoogleCalendarSkill: reads the user's calendars, writes only to Venom's own calendar; googleapis is loaded on first use.
import type { Logger } from "pino";
import { VenomError, errorMessage } from "../../errors.js";
import type { ConnectionStatus } from "../integration.js";
import { agendaEventFrom, compareAgendaEvents, type AgendaEvent } from "./agenda-event.js";
import { loginWithBrowser, type LoginOptions, type LoginResult } from "./calendar-login.js";
import { listCalendars, listEvents } from "./calendar-pages.js";
import { CalendarSession } from "./calendar-session.js";
import { missingSetup } from "./calendar-setup.js";
import {
  DEFAULT_VENOM_CALENDAR_ID,
  DEFAULT_VENOM_CALENDAR_NAME,
  type GoogleCalendarConfig,
  type GoogleCalendarDependencies,
} from "./google-calendar-config.js";
import { nextReviewSlot } from "./review-slot.js";
import { calendarDisplayName, findVenomCalendar } from "./venom-calendar.js";
import { VenomCalendarWriter, scheduledEvent, type ScheduledEvent } from "./venom-calendar-writer.js";

export type { AgendaEvent } from "./agenda-event.js";
export type { LoginOptions, LoginResult } from "./calendar-login.js";
export {
  DEFAULT_VENOM_CALENDAR_ID,
  DEFAULT_VENOM_CALENDAR_NAME,
  GOOGLE_CALENDAR_SCOPES,
  type GoogleApisModule,
  type GoogleCalendarConfig,
  type GoogleCalendarDependencies,
} from "./google-calendar-config.js";
export { REMINDER_MINUTES, type ScheduledEvent } from "./venom-calendar-writer.js";

export const REVIEW_MINUTES = 30;

export interface ScheduleTaskInput {
  title: string;
  start: Date;
  durationMinutes: number;
  description?: string;
  /** Only the Venom calendar is accepted: its configured id or its real id. Anything else is refused. */
  calendarId?: string;
}

export interface ScheduleReviewInput {
  repo: string;
  prNumber: number;
  prUrl: string;
  /** Default: in an hour during working hours, else the next working morning (local time). */
  start?: Date;
}

const MAX_AGENDA_HOURS = 24 * 90;
const MAX_DURATION_MINUTES = 24 * 60 * 14;
const REVIEW_PROPERTY = "venomReview";
const CREATED_BY = { createdBy: "venom-integrator" };

export class GoogleCalendarSkill {
  readonly #config: GoogleCalendarConfig;
  readonly #target: { calendarId: string; calendarName: string };
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #session: CalendarSession;
  readonly #writer: VenomCalendarWriter;

  constructor(config: GoogleCalendarConfig, dependencies: GoogleCalendarDependencies = {}) {
    this.#config = config;
    this.#target = {
      calendarId: config.calendarId?.trim() || DEFAULT_VENOM_CALENDAR_ID,
      calendarName: config.calendarName?.trim() || DEFAULT_VENOM_CALENDAR_NAME,
    };
    this.#log = config.log;
    this.#now = dependencies.now ?? (() => new Date());
    this.#session = new CalendarSession(config, dependencies.loadGoogleApis ?? (() => import("googleapis")));
    this.#writer = new VenomCalendarWriter(this.#target, config.log);
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
    const { credentialsPath, tokenPath } = this.#config;
    const { token, result } = await loginWithBrowser({ credentialsPath, tokenPath, session: this.#session, log: this.#log }, options);
    // A new login may be another account: forget the session and the Venom calendar found with the old one.
    this.#session.restart(token);
    this.#writer.forget();
    return result;
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

    return this.#session.run(async (api) => {
      const calendars = await listCalendars(api);
      const results = await Promise.allSettled(
        calendars.map(async (entry) => {
          const calendar = { id: entry.id, name: calendarDisplayName(entry) };
          const events = await listEvents(api, `read calendar "${calendar.name}"`, {
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

    return this.#session.run(async (api) => {
      if (requested !== undefined && requested !== this.#target.calendarId) {
        // Checked before anything is created: a refused call leaves no trace.
        const existing = await this.#writer.find(api);
        if (!existing || existing.id !== requested) throw this.#foreignCalendar(requested);
      }
      return this.#writer.insert(api, {
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
    return this.#session.run(async (api) => {
      const venom = await this.#writer.ensure(api);
      const now = this.#now().getTime();
      const existing = (
        await listEvents(api, "look for an existing review event", {
          calendarId: venom.id,
          privateExtendedProperty: [`${REVIEW_PROPERTY}=${key}`],
          singleEvents: true,
        })
      )
        .find((event) => event.status !== "cancelled" && new Date(event.end?.dateTime ?? event.end?.date ?? 0).getTime() > now);
      if (existing) return { ...scheduledEvent(venom, existing), created: false };

      const event = await this.#writer.insert(api, {
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
  async checkConnection(): Promise<ConnectionStatus> {
    const missing = await missingSetup(this.#config);
    if (missing) return { configured: false, connected: false, detail: missing };
    try {
      return await this.#session.run(async (api) => {
        const calendars = await listCalendars(api);
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

  #foreignCalendar(requested: string): VenomError {
    return new VenomError(
      "user",
      `Refused to write to calendar "${requested}": Venom writes only to its own calendar "${this.#target.calendarName}" ` +
        `(VENOM_CALENDAR_ID=${this.#target.calendarId}), never to your other calendars${requested.toLowerCase() === "primary" ? " or your primary one" : ""}.`,
    );
  }
}
