import { describe, expect, it } from "vitest";
import { nextReviewSlot } from "../../../../src/skills/google-calendar/review-slot.js";

// Local times: 2030-01-14 is a Monday, 2030-01-18 a Friday.
const at = (day: number, hour: number, minute = 0, second = 0) => new Date(2030, 0, day, hour, minute, second);

describe("nextReviewSlot", () => {
  it.each([
    ["an hour from now, on the quarter hour, in working hours", at(15, 10, 7), at(15, 11, 15)],
    ["exactly an hour from now when that is on the quarter hour", at(15, 10, 0), at(15, 11, 0)],
    ["a quarter later when seconds would put it under an hour", at(15, 10, 0, 30), at(15, 11, 15)],
    ["the last slot that still ends by 17:00", at(15, 15, 30), at(15, 16, 30)],
    ["the next morning when the slot would end after 17:00", at(15, 15, 45), at(16, 9, 0)],
    ["the same morning when it is early", at(15, 6, 0), at(15, 9, 0)],
    ["Monday morning from Friday evening", at(18, 18, 0), at(21, 9, 0)],
    ["Monday morning from Saturday", at(19, 11, 0), at(21, 9, 0)],
    ["Monday morning from Sunday night", at(20, 23, 30), at(21, 9, 0)],
  ])("%s", (_label, now, expected) => {
    expect(nextReviewSlot(now)).toEqual(expected);
  });

  it("takes the slot length and working hours into account", () => {
    expect(nextReviewSlot(at(15, 14, 0), 120)).toEqual(at(15, 15, 0));
    expect(nextReviewSlot(at(15, 14, 15), 120)).toEqual(at(16, 9, 0));
    expect(nextReviewSlot(at(15, 6, 0), 30, { startHour: 8, endHour: 16 })).toEqual(at(15, 8, 0));
  });
});
