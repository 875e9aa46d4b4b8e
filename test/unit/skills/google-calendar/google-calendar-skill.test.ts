import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import {
  GOOGLE_CALENDAR_SCOPES,
  GoogleCalendarSkill,
  type GoogleApisModule,
  type GoogleCalendarConfig,
  type LoginOptions,
} from "../../../../src/skills/google-calendar/google-calendar-skill.js";
import type { StoredToken } from "../../../../src/skills/google-calendar/token-store.js";
import { CLIENT_ID, CLIENT_SECRET, FakeGoogle, GRANTED_SCOPE, s256, type FakeCalendar } from "./fake-google.js";

const log = pino({ level: "silent" });
const PRIMARY: FakeCalendar = { id: "me@example.com", summary: "me@example.com", primary: true, accessRole: "owner", timeZone: "Europe/Warsaw", events: [] };
const TEAM: FakeCalendar = { id: "team@group.calendar.google.com", summary: "Team", accessRole: "writer", events: [] };
const VENOM: FakeCalendar = { id: "venom123@group.calendar.google.com", summary: "Venom Work", accessRole: "owner", events: [] };

let fake: FakeGoogle;
let dir: string;

beforeAll(() => {
  // Google at its own address, played by nock; the login's loopback redirect is a real local server.
  fake = FakeGoogle.intercept();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(async () => {
  fake.reset();
  dir = await mkdtemp(join(tmpdir(), "venom-calendar-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const clone = (calendar: FakeCalendar): FakeCalendar => ({ ...calendar, events: [...calendar.events] });
const paths = () => ({ credentialsPath: join(dir, "config", "google_calendar_credentials.json"), tokenPath: join(dir, "config", "google_calendar_token.json") });

/** A skill pointed at the fake, with credentials on disk and (unless `token: null`) a valid stored token. */
async function setup(
  options: { token?: StoredToken | null; config?: Partial<GoogleCalendarConfig>; now?: () => Date } = {},
): Promise<{ skill: GoogleCalendarSkill; tokenPath: string; loads: () => number }> {
  const { credentialsPath, tokenPath } = paths();
  await rm(join(dir, "config"), { recursive: true, force: true });
  await mkdir(join(dir, "config"), { recursive: true });
  await writeFile(credentialsPath, fake.credentials());
  if (options.token !== null) {
    const token = options.token ?? { access_token: "ya29.valid", refresh_token: "1//refresh-a", expiry_date: Date.now() + 3_600_000, token_type: "Bearer", scope: GRANTED_SCOPE };
    if (token.access_token) fake.accessTokens.add(token.access_token);
    if (token.refresh_token) fake.refreshTokens.add(token.refresh_token);
    await writeFile(tokenPath, JSON.stringify(token), { mode: 0o600 });
  }
  let loaded = 0;
  const skill = new GoogleCalendarSkill(
    { enabled: true, credentialsPath, tokenPath, rootUrl: fake.rootUrl, log, ...options.config },
    {
      loadGoogleApis: () => {
        loaded++;
        return import("googleapis") as Promise<GoogleApisModule>;
      },
      ...(options.now ? { now: options.now } : {}),
    },
  );
  return { skill, tokenPath, loads: () => loaded };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const readToken = async (path: string) => JSON.parse(await readFile(path, "utf8")) as StoredToken;

async function rejection(promise: Promise<unknown>): Promise<VenomError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(VenomError);
    return error as VenomError;
  }
  throw new Error("expected a rejection");
}

describe("token refresh", () => {
  it("refreshes an expired access token at the credentials' token_uri and persists the new one with mode 0600", async () => {
    fake.calendars = [clone(PRIMARY)];
    const { skill, tokenPath } = await setup({
      token: { access_token: "ya29.expired", refresh_token: "1//refresh-a", expiry_date: Date.now() - 60_000, token_type: "Bearer", scope: GRANTED_SCOPE },
    });
    fake.accessTokens.delete("ya29.expired");
    await writeFile(tokenPath, await readFile(tokenPath), { mode: 0o600 });

    await skill.readAgenda({ from: new Date("2030-01-15T08:00:00Z") });

    const tokenRequests = fake.requestsTo("POST", "/token");
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.body).toEqual({
      grant_type: "refresh_token",
      refresh_token: "1//refresh-a",
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    const stored = await readToken(tokenPath);
    expect(stored.access_token).toMatch(/^ya29\.fake-access-/);
    expect(fake.accessTokens.has(stored.access_token ?? "")).toBe(true);
    // Google's refresh answer carries no refresh token: the stored one is kept.
    expect(stored.refresh_token).toBe("1//refresh-a");
    expect(stored.expiry_date).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await mode(tokenPath)).toBe(0o600);
    const apiCall = fake.requestsTo("GET", "/calendar/v3/users/me/calendarList")[0];
    expect(apiCall?.headers.authorization).toBe(`Bearer ${stored.access_token}`);
  });

  it("uses a valid access token as it is, without calling the token endpoint", async () => {
    fake.calendars = [clone(PRIMARY)];
    const { skill, tokenPath } = await setup();
    const before = await readFile(tokenPath, "utf8");
    await skill.readAgenda();
    expect(fake.requestsTo("POST", "/token")).toHaveLength(0);
    expect(await readFile(tokenPath, "utf8")).toBe(before);
  });

  it("says to log in again when the refresh token was revoked", async () => {
    fake.calendars = [clone(PRIMARY)];
    const { skill } = await setup({ token: { access_token: "ya29.old", refresh_token: "1//revoked", expiry_date: Date.now() - 1000 } });
    fake.refreshTokens.clear();
    const error = await rejection(skill.readAgenda());
    expect(error.kind).toBe("user");
    expect(error.message).toMatch(/expired or was revoked: run `venom calendar login` again/);
  });

  it("tightens a token file readable by others to 0600", async () => {
    fake.calendars = [clone(PRIMARY)];
    const { skill, tokenPath } = await setup();
    await chmod(tokenPath, 0o644);
    await skill.readAgenda();
    expect(await mode(tokenPath)).toBe(0o600);
  });
});

describe("readAgenda", () => {
  const from = new Date("2030-01-15T08:00:00Z");

  it("lists events from every calendar in the window, typed and sorted by start", async () => {
    fake.calendars = [
      {
        ...clone(PRIMARY),
        events: [
          { id: "p2", summary: "Lunch", start: { dateTime: "2030-01-15T14:00:00+01:00" }, end: { dateTime: "2030-01-15T15:00:00+01:00" }, location: "Cafe" },
          { id: "p1", summary: "Stand-up", start: { dateTime: "2030-01-15T09:00:00Z" }, end: { dateTime: "2030-01-15T09:15:00Z" }, hangoutLink: "https://meet.google.com/abc-defg-hij" },
          { id: "p0", summary: "Yesterday", start: { dateTime: "2030-01-14T09:00:00Z" }, end: { dateTime: "2030-01-14T10:00:00Z" } },
          { id: "p9", summary: "Next week", start: { dateTime: "2030-01-22T09:00:00Z" }, end: { dateTime: "2030-01-22T10:00:00Z" } },
        ],
      },
      {
        ...clone(TEAM),
        accessRole: "reader",
        events: [
          { id: "t1", summary: "Release", start: { dateTime: "2030-01-15T11:30:00Z" }, end: { dateTime: "2030-01-15T12:00:00Z" } },
          { id: "t2", start: { date: "2030-01-16" }, end: { date: "2030-01-17" } },
        ],
      },
    ];
    // One calendar per page: the skill must follow nextPageToken.
    fake.pageSize = 1;
    const { skill } = await setup();

    const agenda = await skill.readAgenda({ from, hours: 24 });

    // The all-day event starts at local midnight, so where it sorts depends on the machine's time zone.
    const timed = agenda.filter((event) => !event.allDay);
    expect(timed.map((event) => event.title)).toEqual(["Stand-up", "Release", "Lunch"]);
    expect(agenda.map((event) => event.start.getTime())).toEqual(agenda.map((event) => event.start.getTime()).sort((a, b) => a - b));
    expect(agenda.filter((event) => event.allDay)).toEqual([
      { calendar: "Team", calendarId: TEAM.id, title: "(no title)", allDay: true, start: new Date("2030-01-16T00:00:00"), end: new Date("2030-01-17T00:00:00"), url: expect.any(String) as unknown },
    ]);
    expect(timed[0]).toEqual({
      calendar: "me@example.com",
      calendarId: "me@example.com",
      title: "Stand-up",
      start: new Date("2030-01-15T09:00:00Z"),
      end: new Date("2030-01-15T09:15:00Z"),
      allDay: false,
      url: expect.stringMatching(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/) as unknown,
      meetingUrl: "https://meet.google.com/abc-defg-hij",
    });
    expect(timed[1]).toMatchObject({ calendar: "Team", calendarId: TEAM.id, title: "Release" });
    expect(timed[2]).toMatchObject({ title: "Lunch", location: "Cafe", start: new Date("2030-01-15T13:00:00Z") });

    // Two events in the window per calendar, one per page: two pages each.
    const listCalls = fake.requestsTo("GET", /\/events$/);
    expect(listCalls.map((call) => `${decodeURIComponent(call.path)} ${call.query.get("pageToken") ?? "-"}`).sort()).toEqual([
      "/calendar/v3/calendars/me@example.com/events -",
      "/calendar/v3/calendars/me@example.com/events 1",
      "/calendar/v3/calendars/team@group.calendar.google.com/events -",
      "/calendar/v3/calendars/team@group.calendar.google.com/events 1",
    ]);
    for (const call of listCalls) {
      expect(call.query.get("singleEvents")).toBe("true");
      expect(call.query.get("orderBy")).toBe("startTime");
      expect(call.query.get("timeMin")).toBe("2030-01-15T08:00:00.000Z");
      expect(call.query.get("timeMax")).toBe("2030-01-16T08:00:00.000Z");
    }
    expect(fake.requestsTo("GET", "/calendar/v3/users/me/calendarList").map((call) => call.query.get("pageToken"))).toEqual([null, "1"]);
  });

  it("skips a calendar Google will not list and keeps the others", async () => {
    fake.calendars = [
      { ...clone(PRIMARY), events: [{ id: "p1", summary: "Stand-up", start: { dateTime: "2030-01-15T09:00:00Z" }, end: { dateTime: "2030-01-15T09:15:00Z" } }] },
      { ...clone(TEAM), failWith: 404 },
    ];
    const { skill } = await setup();
    expect((await skill.readAgenda({ from })).map((event) => event.title)).toEqual(["Stand-up"]);
  });

  it("refuses a window out of range", async () => {
    const { skill, loads } = await setup();
    expect((await rejection(skill.readAgenda({ hours: 0 }))).kind).toBe("user");
    expect(loads()).toBe(0);
  });
});

describe("writes go only to the Venom calendar", () => {
  const task = { title: "Write the release notes", start: new Date("2030-01-15T10:00:00Z"), durationMinutes: 45 };

  it.each(["primary", "PRIMARY"])("refuses calendarId %s before any request", async (calendarId) => {
    fake.calendars = [clone(PRIMARY), clone(VENOM)];
    const { skill, loads } = await setup();
    const error = await rejection(skill.scheduleTask({ ...task, calendarId }));
    expect(error.kind).toBe("user");
    expect(error.message).toMatch(/^Refused to write to calendar "(primary|PRIMARY)": Venom writes only to its own calendar "Venom Work"/);
    expect(fake.requests).toHaveLength(0);
    expect(loads()).toBe(0);
  });

  it.each([PRIMARY.id, TEAM.id, "someone-else@example.com"])("refuses calendarId %s and writes nothing", async (calendarId) => {
    fake.calendars = [clone(PRIMARY), clone(TEAM), clone(VENOM)];
    const { skill } = await setup();
    const error = await rejection(skill.scheduleTask({ ...task, calendarId }));
    expect(error.kind).toBe("user");
    expect(error.message).toContain(`Refused to write to calendar "${calendarId}"`);
    expect(fake.requests.filter((request) => request.method !== "GET")).toHaveLength(0);
    expect(fake.calendars.every((calendar) => calendar.events.length === 0)).toBe(true);
  });

  it("writes to the Venom calendar found by name, with a 10-minute popup reminder", async () => {
    fake.calendars = [clone(PRIMARY), clone(TEAM), clone(VENOM)];
    const { skill } = await setup();

    const event = await skill.scheduleTask({ ...task, description: "From issue #7" });

    const inserts = fake.requestsTo("POST", /\/events$/);
    expect(inserts).toHaveLength(1);
    expect(decodeURIComponent(inserts[0]?.path ?? "")).toBe(`/calendar/v3/calendars/${VENOM.id}/events`);
    expect(inserts[0]?.body).toEqual({
      summary: "Write the release notes",
      description: "From issue #7",
      start: { dateTime: "2030-01-15T10:00:00.000Z" },
      end: { dateTime: "2030-01-15T10:45:00.000Z" },
      extendedProperties: { private: { createdBy: "venom-integrator" } },
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 10 }] },
    });
    expect(event).toMatchObject({
      calendarId: VENOM.id,
      calendar: "Venom Work",
      title: "Write the release notes",
      start: new Date("2030-01-15T10:00:00Z"),
      end: new Date("2030-01-15T10:45:00Z"),
    });
    expect(event.id).toMatch(/^[0-9a-f]{20}$/);
    expect(fake.calendar(PRIMARY.id).events).toHaveLength(0);
    expect(fake.calendar(TEAM.id).events).toHaveLength(0);
  });

  it.each(["venom_work_calendar", VENOM.id])("accepts the Venom calendar by its configured or real id (%s)", async (calendarId) => {
    fake.calendars = [clone(PRIMARY), clone(VENOM)];
    const { skill } = await setup();
    const event = await skill.scheduleTask({ ...task, calendarId });
    expect(event.calendarId).toBe(VENOM.id);
    expect(fake.calendar(VENOM.id).events).toHaveLength(1);
  });

  it("uses VENOM_CALENDAR_ID when it names a writable calendar", async () => {
    fake.calendars = [clone(PRIMARY), clone(TEAM), clone(VENOM)];
    const { skill } = await setup({ config: { calendarId: TEAM.id } });
    await skill.scheduleTask(task);
    expect(fake.calendar(TEAM.id).events).toHaveLength(1);
    expect(fake.calendar(VENOM.id).events).toHaveLength(0);
  });

  it.each([
    ["primary", /VENOM_CALENDAR_ID is "primary"/],
    [PRIMARY.id, /VENOM_CALENDAR_ID names your primary calendar/],
  ])("refuses VENOM_CALENDAR_ID=%s", async (calendarId, message) => {
    fake.calendars = [clone(PRIMARY), clone(VENOM)];
    const { skill } = await setup({ config: { calendarId } });
    const error = await rejection(skill.scheduleTask(task));
    expect(error.kind).toBe("user");
    expect(error.message).toMatch(message);
    expect(fake.requests.filter((request) => request.method !== "GET")).toHaveLength(0);
  });

  it("refuses a calendar named like Venom's that this account can only read, by creating its own", async () => {
    fake.calendars = [clone(PRIMARY), { ...clone(VENOM), accessRole: "reader" }];
    const { skill } = await setup();
    const event = await skill.scheduleTask(task);
    expect(event.calendarId).not.toBe(VENOM.id);
    expect(fake.requestsTo("POST", "/calendar/v3/calendars")).toHaveLength(1);
  });

  it("validates the task before calling Google", async () => {
    const { skill, loads } = await setup();
    for (const bad of [
      { ...task, title: "  " },
      { ...task, start: new Date("nope") },
      { ...task, durationMinutes: 0 },
      { ...task, durationMinutes: 1.5 },
    ]) {
      expect((await rejection(skill.scheduleTask(bad))).kind).toBe("user");
    }
    expect(loads()).toBe(0);
  });
});

describe("Venom calendar creation", () => {
  const task = { title: "Plan", start: new Date("2030-01-15T10:00:00Z"), durationMinutes: 30 };

  it("creates the calendar once, in the primary calendar's time zone, and remembers its real id", async () => {
    fake.calendars = [clone(PRIMARY), clone(TEAM)];
    const { skill } = await setup();

    const [first, second] = await Promise.all([skill.scheduleTask(task), skill.scheduleTask({ ...task, title: "Plan 2" })]);

    const creations = fake.requestsTo("POST", "/calendar/v3/calendars");
    expect(creations).toHaveLength(1);
    expect(creations[0]?.body).toMatchObject({ summary: "Venom Work", timeZone: "Europe/Warsaw" });
    const created = fake.calendars.find((calendar) => calendar.summary === "Venom Work");
    expect(created?.id).toMatch(/@group\.calendar\.google\.com$/);
    expect(first.calendarId).toBe(created?.id);
    expect(second.calendarId).toBe(created?.id);
    expect(created?.events.map((event) => event.summary)).toEqual(expect.arrayContaining(["Plan", "Plan 2"]));

    // The real id is now the Venom calendar too; nothing is listed or created again.
    const listsBefore = fake.requestsTo("GET", "/calendar/v3/users/me/calendarList").length;
    await skill.scheduleTask({ ...task, calendarId: created?.id ?? "" });
    expect(fake.requestsTo("GET", "/calendar/v3/users/me/calendarList")).toHaveLength(listsBefore);
    expect(fake.requestsTo("POST", "/calendar/v3/calendars")).toHaveLength(1);
  });

  it("creates it under VENOM_CALENDAR_NAME", async () => {
    fake.calendars = [clone(PRIMARY)];
    const { skill } = await setup({ config: { calendarName: "Bot Tasks" } });
    const event = await skill.scheduleTask(task);
    expect(event.calendar).toBe("Bot Tasks");
    expect(fake.requestsTo("POST", "/calendar/v3/calendars")[0]?.body).toMatchObject({ summary: "Bot Tasks" });
  });

  it("finds or creates it again when the remembered calendar was deleted", async () => {
    fake.calendars = [clone(PRIMARY), clone(VENOM)];
    const { skill } = await setup();
    await skill.scheduleTask(task);
    fake.calendars = fake.calendars.filter((calendar) => calendar.id !== VENOM.id);
    const event = await skill.scheduleTask(task);
    expect(event.calendarId).not.toBe(VENOM.id);
    expect(fake.requestsTo("POST", "/calendar/v3/calendars")).toHaveLength(1);
  });
});

describe("scheduleReview", () => {
  // Wednesday 15 January 2030, 10:07 local time.
  const now = () => new Date(2030, 0, 15, 10, 7);

  it("puts a 30-minute \"Review PR #N\" on the Venom calendar an hour from now, once per pull request", async () => {
    fake.calendars = [clone(PRIMARY), clone(VENOM)];
    const { skill } = await setup({ now });
    const review = { repo: "octo/demo", prNumber: 34, prUrl: "https://github.com/octo/demo/pull/34" };

    const first = await skill.scheduleReview(review);
    expect(first).toMatchObject({
      created: true,
      calendarId: VENOM.id,
      title: "Review PR #34 (octo/demo)",
      start: new Date(2030, 0, 15, 11, 15),
      end: new Date(2030, 0, 15, 11, 45),
    });
    const inserted = fake.calendar(VENOM.id).events[0];
    expect(inserted?.description).toContain(review.prUrl);
    expect(inserted?.reminders).toEqual({ useDefault: false, overrides: [{ method: "popup", minutes: 10 }] });
    expect(inserted?.extendedProperties?.private).toMatchObject({ venomReview: "octo/demo#34" });

    const again = await skill.scheduleReview(review);
    expect(again).toMatchObject({ created: false, id: first.id });
    expect(fake.calendar(VENOM.id).events).toHaveLength(1);

    const other = await skill.scheduleReview({ ...review, prNumber: 35, start: new Date("2030-01-16T08:00:00Z") });
    expect(other).toMatchObject({ created: true, title: "Review PR #35 (octo/demo)", start: new Date("2030-01-16T08:00:00Z") });
    expect(fake.calendar(PRIMARY.id).events).toHaveLength(0);
  });
});

describe("checkConnection", () => {
  it("is not configured while ENABLE_GOOGLE_CALENDAR is off, and says what to set", async () => {
    const { skill, loads } = await setup({ config: { enabled: false } });
    expect(await skill.checkConnection()).toEqual({
      configured: false,
      connected: false,
      detail: expect.stringMatching(/^not configured \(set ENABLE_GOOGLE_CALENDAR=true and GOOGLE_CALENDAR_CREDENTIALS_PATH.*`venom calendar login`\)$/) as unknown,
    });
    const error = await rejection(skill.readAgenda());
    expect(error.kind).toBe("user");
    expect(error.message).toMatch(/ENABLE_GOOGLE_CALENDAR=true/);
    expect(loads()).toBe(0);
  });

  it("is not configured without the credentials file", async () => {
    const { skill, loads } = await setup();
    await rm(paths().credentialsPath);
    const status = await skill.checkConnection();
    expect(status).toMatchObject({ configured: false, connected: false });
    expect(status.detail).toContain(`no OAuth client JSON at ${paths().credentialsPath}`);
    expect(status.detail).toContain("GOOGLE_CALENDAR_CREDENTIALS_PATH");
    expect((await rejection(skill.readAgenda())).message).toMatch(/credentials not found at .*GOOGLE_CALENDAR_CREDENTIALS_PATH/);
    expect(loads()).toBe(0);
  });

  it("is not configured before login, and calls say to log in", async () => {
    const { skill, loads } = await setup({ token: null });
    const status = await skill.checkConnection();
    expect(status).toMatchObject({ configured: false, connected: false });
    expect(status.detail).toContain("not logged in (run `venom calendar login`");
    const error = await rejection(skill.scheduleTask({ title: "x", start: new Date(), durationMinutes: 5 }));
    expect(error.kind).toBe("user");
    expect(error.message).toBe("Google Calendar not logged in: run `venom calendar login`");
    expect(loads()).toBe(0);
  });

  it("is connected when Google answers, without creating the Venom calendar", async () => {
    fake.calendars = [clone(PRIMARY), clone(TEAM)];
    const { skill } = await setup();
    expect(await skill.checkConnection()).toEqual({
      configured: true,
      connected: true,
      detail: 'connected: 2 calendars readable; Venom calendar "Venom Work" will be created on the first write',
    });
    expect(fake.requestsTo("POST", "/calendar/v3/calendars")).toHaveLength(0);
  });

  it("reports a failure without throwing", async () => {
    const { skill } = await setup({ token: { access_token: "ya29.old", refresh_token: "1//gone", expiry_date: Date.now() - 1000 } });
    fake.refreshTokens.clear();
    const status = await skill.checkConnection();
    expect(status).toMatchObject({ configured: true, connected: false });
    expect(status.detail).toMatch(/run `venom calendar login` again/);
  });
});

describe("login", () => {
  /** Starts a login and waits for the consent URL, as the user's browser would receive it. */
  async function startLogin(skill: GoogleCalendarSkill, options: LoginOptions = {}) {
    let open!: (url: URL) => void;
    const opened = new Promise<URL>((resolve) => {
      open = resolve;
    });
    const result = skill.login({ ...options, openBrowser: (url) => open(new URL(url)) });
    result.catch(() => undefined);
    const consent = await Promise.race([
      opened,
      result.then(() => {
        throw new Error("login finished before opening the browser");
      }),
    ]);
    return { consent, result };
  }

  it("runs the loopback consent flow: PKCE, state checked, token stored 0600 in a new 0700 directory", async () => {
    fake.calendars = [clone(PRIMARY)];
    const tokenPath = join(dir, "secrets", "nested", "token.json");
    const { skill } = await setup({ token: null, config: { tokenPath } });
    const printed: string[] = [];
    const { consent, result } = await startLogin(skill, { onUrl: (url) => printed.push(url) });

    expect(printed).toEqual([consent.toString()]);
    expect(`${consent.origin}${consent.pathname}`).toBe(fake.authUri);
    const params = consent.searchParams;
    expect(params.get("scope")?.split(" ")).toEqual([...GOOGLE_CALENDAR_SCOPES]);
    expect(params.get("access_type")).toBe("offline");
    expect(params.get("prompt")).toBe("consent");
    expect(params.get("response_type")).toBe("code");
    expect(params.get("client_id")).toBe(CLIENT_ID);
    expect(params.get("code_challenge_method")).toBe("S256");
    const redirectUri = params.get("redirect_uri") ?? "";
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = params.get("state") ?? "";
    expect(state.length).toBeGreaterThanOrEqual(32);

    // A redirect with another state is refused, and nothing is exchanged.
    fake.codes.add("4/fake-code");
    const forged = await fetch(`${redirectUri}/?state=forged&code=4/fake-code`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("state mismatch");
    const missing = await fetch(`${redirectUri}/?code=4/fake-code`);
    expect(missing.status).toBe(400);
    expect(fake.requestsTo("POST", "/token")).toHaveLength(0);

    const answer = await fetch(`${redirectUri}/?state=${encodeURIComponent(state)}&code=4/fake-code&scope=${encodeURIComponent(GRANTED_SCOPE)}`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("Venom can now use your Google Calendar");
    expect(await result).toEqual({ tokenPath, scopes: [...GOOGLE_CALENDAR_SCOPES], refreshable: true });

    const exchange = fake.requestsTo("POST", "/token");
    expect(exchange).toHaveLength(1);
    const form = exchange[0]?.body as Record<string, string>;
    expect(form).toMatchObject({ grant_type: "authorization_code", code: "4/fake-code", redirect_uri: redirectUri, client_id: CLIENT_ID });
    expect(s256(form.code_verifier ?? "")).toBe(params.get("code_challenge"));

    const stored = await readToken(tokenPath);
    expect(stored.refresh_token).toMatch(/^1\/\/fake-refresh-/);
    expect(fake.accessTokens.has(stored.access_token ?? "")).toBe(true);
    expect(await mode(tokenPath)).toBe(0o600);
    expect(await mode(join(dir, "secrets"))).toBe(0o700);
    expect(await mode(join(dir, "secrets", "nested"))).toBe(0o700);

    // The loopback server is gone, and the skill now works with the new token.
    await expect(fetch(`${redirectUri}/?state=${state}&code=again`)).rejects.toThrow();
    expect(await skill.checkConnection()).toMatchObject({ configured: true, connected: true });
  });

  it("fails with a clear message when the user declines", async () => {
    const { skill } = await setup({ token: null });
    const { consent, result } = await startLogin(skill);
    const redirectUri = consent.searchParams.get("redirect_uri") ?? "";
    const answer = await fetch(`${redirectUri}/?state=${consent.searchParams.get("state")}&error=access_denied`);
    expect(answer.status).toBe(403);
    const error = await rejection(result);
    expect(error.message).toMatch(/access was declined/);
  });

  it("gives up after timeoutMs", async () => {
    const { skill } = await setup({ token: null });
    const { consent, result } = await startLogin(skill, { timeoutMs: 200 });
    const error = await rejection(result);
    expect(error.message).toMatch(/timed out/);
    await expect(fetch(consent.searchParams.get("redirect_uri") ?? "")).rejects.toThrow();
  });

  it("listens on the port it is given", async () => {
    const { skill } = await setup({ token: null });
    const port = await freePort();
    const { consent, result } = await startLogin(skill, { port, timeoutMs: 5000 });
    expect(consent.searchParams.get("redirect_uri")).toBe(`http://127.0.0.1:${port}`);
    fake.codes.add("4/code-b");
    await fetch(`http://127.0.0.1:${port}/?state=${consent.searchParams.get("state")}&code=4/code-b`);
    await expect(result).resolves.toMatchObject({ refreshable: true });
  });
});

describe("lazy loading", () => {
  it("does not load googleapis when constructed, nor when not configured", async () => {
    const { skill, loads } = await setup({ config: { enabled: false } });
    await skill.checkConnection();
    expect(loads()).toBe(0);
  });

  it("loads googleapis once, on first use (checked in a fresh process)", async () => {
    // nock cannot reach into another process: the probe talks to the same fake over a local server.
    const served = await FakeGoogle.start();
    try {
      served.calendars = [clone(PRIMARY)];
      const { tokenPath } = await setup();
      await writeFile(paths().credentialsPath, served.credentials());
      served.accessTokens.add((await readToken(tokenPath)).access_token ?? "");
      const probe = fileURLToPath(new URL("./lazy-load-probe.ts", import.meta.url));
      const root = fileURLToPath(new URL("../../../../", import.meta.url));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", probe, paths().credentialsPath, tokenPath, served.rootUrl],
        { cwd: root, timeout: 30_000 },
      );
      expect(JSON.parse(stdout)).toEqual({ constructed: false, notConfigured: false, afterAgenda: true, events: 0 });
    } finally {
      await served.stop();
    }
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
