// Paged reads of the Calendar API (the calendar list, a calendar's events), each failure worded by googleApiError.
import type { calendar_v3 } from "googleapis";
import { googleApiError } from "./google-api-error.js";

const PAGE_SIZE = 250;

export type CalendarEntry = calendar_v3.Schema$CalendarListEntry & { id: string };

/** Runs one Calendar API call; `action` completes "Google Calendar could not …" in the error. */
export async function callGoogle<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw googleApiError(error, action);
  }
}

/** Every calendar in the user's list that has an id. */
export async function listCalendars(api: calendar_v3.Calendar): Promise<CalendarEntry[]> {
  const entries: CalendarEntry[] = [];
  let pageToken: string | undefined;
  do {
    const page = await callGoogle("list your calendars", () =>
      api.calendarList.list({ maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }),
    );
    for (const entry of page.data.items ?? []) if (entry.id) entries.push({ ...entry, id: entry.id });
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return entries;
}

/** Every event of one calendar matching `params`, all pages. */
export async function listEvents(
  api: calendar_v3.Calendar,
  action: string,
  params: calendar_v3.Params$Resource$Events$List & { calendarId: string },
): Promise<calendar_v3.Schema$Event[]> {
  const events: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  do {
    const page = await callGoogle(action, () => api.events.list({ ...params, maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }));
    events.push(...(page.data.items ?? []));
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return events;
}
