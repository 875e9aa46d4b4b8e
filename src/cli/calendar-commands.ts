// `venom calendar login|agenda|schedule`: Google Calendar from the command line, no app booted.
import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { GoogleCalendarSkill } from "../skills/google-calendar/google-calendar-skill.js";
import type { CliContext } from "./cli-context.js";

export function addCalendarCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const withCalendar = async <T>(work: (calendar: GoogleCalendarSkill) => Promise<T>): Promise<T> => {
    const { withCommandServices } = await import("./standalone-services.js");
    return withCommandServices(context, (services) => work(services.calendar()));
  };

  const calendar = program.command("calendar").description("Google Calendar: read your agenda, write only to the Venom calendar");
  calendar
    .command("login")
    .description("authorise once in the browser (local loopback); the token is stored with mode 0600")
    .option("--port <port>", "loopback port (default: a free one)")
    .action(async (options: { port?: string }) => {
      const result = await withCalendar((skill) =>
        skill.login({
          onUrl: (url) => io.out(`Open this URL in a browser on this machine to allow access:\n${url}`),
          ...(options.port ? { port: Number(options.port) } : {}),
        }),
      );
      io.out(`Logged in; token stored at ${result.tokenPath}${result.refreshable ? "" : " (no refresh token: log in again when it expires)"}.`);
    });
  calendar
    .command("agenda")
    .description("events from your calendars")
    .option("--hours <n>", "how far ahead", "24")
    .option("--json", "print JSON")
    .action(async (options: { hours: string; json?: boolean }) => {
      const events = await withCalendar((skill) => skill.readAgenda({ hours: Number(options.hours) || 24 }));
      io.out(
        options.json
          ? JSON.stringify(events)
          : events.length === 0
            ? `No events in the next ${options.hours} hours.`
            : events.map((event) => `${event.start.toISOString()}  ${event.title}  (${event.calendar})`).join("\n"),
      );
    });
  calendar
    .command("schedule")
    .description("put a task on the Venom calendar (never on any other calendar)")
    .argument("<title>")
    .requiredOption("--start <time>", "ISO date-time, e.g. 2026-12-01T10:00")
    .option("--minutes <n>", "duration", "30")
    .option("--description <text>")
    .option("--json", "print JSON")
    .action(async (title: string, options: { start: string; minutes: string; description?: string; json?: boolean }) => {
      const start = new Date(options.start);
      if (Number.isNaN(start.getTime())) throw new ConfigError(`--start "${options.start}" is not a date-time; use e.g. 2026-12-01T10:00.`);
      const event = await withCalendar((skill) =>
        skill.scheduleTask({
          title,
          start,
          durationMinutes: Number(options.minutes) || 30,
          ...(options.description ? { description: options.description } : {}),
        }),
      );
      io.out(options.json ? JSON.stringify(event) : `Scheduled "${event.title}" on ${event.calendar} at ${event.start.toISOString()}${event.url ? ` — ${event.url}` : ""}`);
    });
}
