import { describe, expect, it } from "vitest";
import { findVenomCalendar, type CalendarListEntry } from "../../../../src/skills/google-calendar/venom-calendar.js";

const target = { calendarId: "venom_work_calendar", calendarName: "Venom Work" };
const primary: CalendarListEntry = { id: "me@example.com", summary: "me@example.com", primary: true, accessRole: "owner" };

describe("findVenomCalendar", () => {
  it("finds it by id first, then by name (summary or the user's own name for it)", () => {
    const byName = { id: "v@group", summary: "Venom Work", accessRole: "owner" };
    const byId = { id: "venom_work_calendar", summary: "Something", accessRole: "writer" };
    expect(findVenomCalendar([primary, byName, byId], target)?.id).toBe("venom_work_calendar");
    expect(findVenomCalendar([primary, byName], target)?.id).toBe("v@group");
    expect(findVenomCalendar([{ id: "o@group", summary: "x", summaryOverride: "Venom Work", accessRole: "owner" }], target)?.id).toBe("o@group");
  });

  it("never takes the primary calendar or a read-only one by name", () => {
    expect(findVenomCalendar([{ ...primary, summary: "Venom Work" }], target)).toBeUndefined();
    expect(findVenomCalendar([{ id: "r@group", summary: "Venom Work", accessRole: "reader" }], target)).toBeUndefined();
  });

  it("refuses a configured id that is primary, the primary calendar, or read-only", () => {
    expect(() => findVenomCalendar([primary], { ...target, calendarId: "primary" })).toThrow(/"primary"/);
    expect(() => findVenomCalendar([primary], { ...target, calendarId: "me@example.com" })).toThrow(/names your primary calendar/);
    expect(() => findVenomCalendar([{ id: "r@group", accessRole: "reader" }], { ...target, calendarId: "r@group" })).toThrow(/access is "reader"/);
  });
});
