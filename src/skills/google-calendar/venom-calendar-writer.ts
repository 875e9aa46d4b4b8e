// Writes to Venom's own calendar only: finds it (remembered once found), creates it when missing, adds events with a reminder.
import type { calendar_v3 } from "googleapis";
import type { Logger } from "pino";
import { VenomError } from "../../errors.js";
import { callGoogle, listCalendars } from "./calendar-pages.js";
import { calendarDisplayName, findVenomCalendar, type VenomCalendarTarget } from "./venom-calendar.js";

/** Every event Venom writes reminds with a popup this many minutes before. */
export const REMINDER_MINUTES = 10;

export interface VenomCalendar {
  id: string;
  name: string;
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

export class VenomCalendarWriter {
  readonly #target: VenomCalendarTarget;
  readonly #log: Logger;
  #venomCalendar: Promise<VenomCalendar> | undefined;

  constructor(target: VenomCalendarTarget, log: Logger) {
    this.#target = target;
    this.#log = log;
  }

  /** After a new login, which may be another account: the Venom calendar is looked up again. */
  forget(): void {
    this.#venomCalendar = undefined;
  }

  /** The Venom calendar when it exists (remembered once found); never creates. */
  async find(api: calendar_v3.Calendar): Promise<VenomCalendar | undefined> {
    if (this.#venomCalendar) return this.#venomCalendar;
    const entry = findVenomCalendar(await listCalendars(api), this.#target);
    if (this.#venomCalendar) return this.#venomCalendar;
    if (!entry) return undefined;
    const venom = { id: entry.id, name: calendarDisplayName(entry) };
    this.#venomCalendar = Promise.resolve(venom);
    return venom;
  }

  /** The Venom calendar, created (named `calendarName`, in the primary calendar's time zone) when missing. */
  async ensure(api: calendar_v3.Calendar): Promise<VenomCalendar> {
    if (this.#venomCalendar) return this.#venomCalendar;
    const calendars = await listCalendars(api);
    // Another call may have found or started creating it while this one listed.
    if (this.#venomCalendar) return this.#venomCalendar;
    const entry = findVenomCalendar(calendars, this.#target);
    if (entry) {
      const venom = { id: entry.id, name: calendarDisplayName(entry) };
      this.#venomCalendar = Promise.resolve(venom);
      return venom;
    }
    const creating = this.#create(api, calendars.find((calendar) => calendar.primary)?.timeZone ?? undefined);
    this.#venomCalendar = creating;
    creating.catch(() => {
      if (this.#venomCalendar === creating) this.#venomCalendar = undefined;
    });
    return creating;
  }

  /** Adds an event with the popup reminder; a Venom calendar deleted since it was found is found or created again, once. */
  async insert(api: calendar_v3.Calendar, requestBody: calendar_v3.Schema$Event): Promise<ScheduledEvent> {
    const body: calendar_v3.Schema$Event = {
      ...requestBody,
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: REMINDER_MINUTES }] },
    };
    const insert = async (venom: VenomCalendar) =>
      scheduledEvent(
        venom,
        (
          await callGoogle(`add "${body.summary ?? "event"}" to the "${venom.name}" calendar`, () =>
            api.events.insert({ calendarId: venom.id, requestBody: body }),
          )
        ).data,
      );
    const venom = await this.ensure(api);
    try {
      return await insert(venom);
    } catch (error) {
      if (!(error instanceof VenomError && httpStatus(error.cause) === 404)) throw error;
      this.#log.warn({ calendarId: venom.id }, "Google Calendar: the Venom calendar is gone; looking for it again");
      this.#venomCalendar = undefined;
      return insert(await this.ensure(api));
    }
  }

  async #create(api: calendar_v3.Calendar, timeZone: string | undefined): Promise<VenomCalendar> {
    const name = this.#target.calendarName;
    const created = await callGoogle(`create the "${name}" calendar`, () =>
      api.calendars.insert({
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
}

/** What Google answered for an event, as the skill reports it. */
export function scheduledEvent(venom: VenomCalendar, event: calendar_v3.Schema$Event): ScheduledEvent {
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
