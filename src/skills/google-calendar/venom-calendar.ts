// "Safe layering": which of the user's calendars is Venom's own, the only one Venom ever writes to.
import { VenomError } from "../../errors.js";

/** The calendarList fields this decision reads (a subset of `calendar_v3.Schema$CalendarListEntry`). */
export interface CalendarListEntry {
  id?: string | null;
  summary?: string | null;
  summaryOverride?: string | null;
  primary?: boolean | null;
  accessRole?: string | null;
  timeZone?: string | null;
}

export interface VenomCalendarTarget {
  /** `VENOM_CALENDAR_ID`: a real calendar id, or the default placeholder `venom_work_calendar`. */
  calendarId: string;
  /** `VENOM_CALENDAR_NAME`: the summary Venom's calendar is found by (and created with). */
  calendarName: string;
}

const WRITABLE = new Set(["owner", "writer"]);

/** What the user sees for a calendar. */
export function calendarDisplayName(entry: CalendarListEntry): string {
  return entry.summaryOverride || entry.summary || entry.id || "(unnamed calendar)";
}

/**
 * The Venom calendar among the user's calendars: the entry whose id is `calendarId`, else a writable, non-primary one
 * named `calendarName`; `undefined` when there is none yet (the caller creates it). A configured id that is the
 * user's primary calendar, or one they cannot write to, is refused: Venom never writes to the user's own calendars.
 */
export function findVenomCalendar(
  entries: readonly CalendarListEntry[],
  target: VenomCalendarTarget,
): (CalendarListEntry & { id: string }) | undefined {
  assertNotPrimaryId(target.calendarId, "VENOM_CALENDAR_ID");
  const byId = entries.find((entry) => entry.id === target.calendarId);
  if (byId?.id) {
    if (byId.primary) {
      throw new VenomError(
        "user",
        `VENOM_CALENDAR_ID names your primary calendar (${byId.id}): Venom writes only to a calendar of its own. ` +
          `Unset VENOM_CALENDAR_ID to let Venom create "${target.calendarName}".`,
      );
    }
    if (!WRITABLE.has(byId.accessRole ?? "")) {
      throw new VenomError(
        "user",
        `Venom cannot write to calendar "${calendarDisplayName(byId)}" (VENOM_CALENDAR_ID=${byId.id}): this account's access is ` +
          `"${byId.accessRole ?? "none"}". Use a calendar you own, or unset VENOM_CALENDAR_ID.`,
      );
    }
    return { ...byId, id: byId.id };
  }
  const byName = entries.find(
    (entry) =>
      entry.id &&
      !entry.primary &&
      WRITABLE.has(entry.accessRole ?? "") &&
      (entry.summary === target.calendarName || entry.summaryOverride === target.calendarName),
  );
  return byName?.id ? { ...byName, id: byName.id } : undefined;
}

/** `primary` is Google's alias for the user's own calendar, in any letter case. */
export function assertNotPrimaryId(calendarId: string, source: string): void {
  if (calendarId.trim().toLowerCase() === "primary") {
    throw new VenomError(
      "user",
      `${source} is "primary": Venom never writes to your primary calendar, only to its own calendar. ` +
        "Leave VENOM_CALENDAR_ID unset (or set it to that calendar's id).",
    );
  }
}
