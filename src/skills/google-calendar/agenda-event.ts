// One agenda line: a Calendar v3 event reduced to what a person (or the LLM) needs, with real Dates.
import type { calendar_v3 } from "googleapis";

export interface AgendaEvent {
  /** The calendar's name as the user sees it. */
  calendar: string;
  calendarId: string;
  title: string;
  start: Date;
  end: Date;
  /** All-day events start and end at local midnight (Google's `date`, end exclusive). */
  allDay: boolean;
  location?: string;
  /** The event's page in Google Calendar. */
  url?: string;
  /** The video call link, when the event has one. */
  meetingUrl?: string;
}

/** `undefined` for cancelled events and events without a usable start. */
export function agendaEventFrom(
  calendar: { id: string; name: string },
  event: calendar_v3.Schema$Event,
): AgendaEvent | undefined {
  if (event.status === "cancelled") return undefined;
  const start = eventTime(event.start);
  if (!start) return undefined;
  const end = eventTime(event.end) ?? start;
  const meetingUrl =
    event.hangoutLink ?? event.conferenceData?.entryPoints?.find((entry) => entry.entryPointType === "video")?.uri ?? undefined;
  return {
    calendar: calendar.name,
    calendarId: calendar.id,
    title: event.summary?.trim() || "(no title)",
    start: start.time,
    end: end.time,
    allDay: start.allDay,
    ...(event.location ? { location: event.location } : {}),
    ...(event.htmlLink ? { url: event.htmlLink } : {}),
    ...(meetingUrl ? { meetingUrl } : {}),
  };
}

/** Earliest first; ties by end, calendar and title so the order is stable. */
export function compareAgendaEvents(a: AgendaEvent, b: AgendaEvent): number {
  return (
    a.start.getTime() - b.start.getTime() ||
    a.end.getTime() - b.end.getTime() ||
    a.calendar.localeCompare(b.calendar) ||
    a.title.localeCompare(b.title)
  );
}

function eventTime(time: calendar_v3.Schema$EventDateTime | undefined): { time: Date; allDay: boolean } | undefined {
  if (time?.dateTime) {
    const parsed = new Date(time.dateTime);
    return Number.isNaN(parsed.getTime()) ? undefined : { time: parsed, allDay: false };
  }
  if (time?.date && /^\d{4}-\d{2}-\d{2}$/.test(time.date)) {
    // A date without a time is read in local time (ECMAScript), which is what "all day" means to the reader.
    return { time: new Date(`${time.date}T00:00:00`), allDay: true };
  }
  return undefined;
}
