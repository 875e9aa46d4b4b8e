// When a pull request review goes on the calendar: in an hour if that falls in working hours, else the next working morning.
export interface WorkingHours {
  /** First working hour, local time (default 9). */
  startHour: number;
  /** Hour by which a slot must have ended, local time (default 17). */
  endHour: number;
}

const DEFAULT_HOURS: WorkingHours = { startHour: 9, endHour: 17 };
const ROUND_TO_MINUTES = 15;

/**
 * The start of a `durationMinutes` slot, in the process's local time zone: one hour from `now` (rounded up to the
 * quarter hour) when the whole slot fits Monday–Friday within working hours, otherwise the next working day's start.
 */
export function nextReviewSlot(now: Date, durationMinutes = 30, hours: WorkingHours = DEFAULT_HOURS): Date {
  const candidate = new Date(now.getTime() + 60 * 60_000);
  candidate.setSeconds(0, 0);
  const overshoot = candidate.getMinutes() % ROUND_TO_MINUTES;
  if (overshoot || candidate.getTime() < now.getTime() + 60 * 60_000) {
    candidate.setMinutes(candidate.getMinutes() + (ROUND_TO_MINUTES - overshoot));
  }
  if (fitsWorkingHours(candidate, durationMinutes, hours)) return candidate;

  const day = new Date(candidate);
  day.setHours(hours.startHour, 0, 0, 0);
  // Before opening on a working day: that morning. Otherwise the next working day.
  if (!(isWorkingDay(day) && candidate.getTime() < day.getTime())) {
    do day.setDate(day.getDate() + 1);
    while (!isWorkingDay(day));
  }
  return day;
}

function fitsWorkingHours(start: Date, durationMinutes: number, hours: WorkingHours): boolean {
  if (!isWorkingDay(start)) return false;
  const opening = new Date(start);
  opening.setHours(hours.startHour, 0, 0, 0);
  const closing = new Date(start);
  closing.setHours(hours.endHour, 0, 0, 0);
  return start.getTime() >= opening.getTime() && start.getTime() + durationMinutes * 60_000 <= closing.getTime();
}

function isWorkingDay(date: Date): boolean {
  const weekday = date.getDay();
  return weekday !== 0 && weekday !== 6;
}
