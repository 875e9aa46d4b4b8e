// What is missing before the Google Calendar skill can talk to Google, said as what to set or run.
import { access } from "node:fs/promises";
import type { GoogleCalendarConfig } from "./google-calendar-config.js";

/** `undefined` when nothing is missing; checked from the config and the files alone, with no request. */
export async function missingSetup(config: Pick<GoogleCalendarConfig, "enabled" | "credentialsPath" | "tokenPath">): Promise<string | undefined> {
  if (!config.enabled) {
    return (
      "not configured (set ENABLE_GOOGLE_CALENDAR=true and GOOGLE_CALENDAR_CREDENTIALS_PATH to your OAuth client JSON, " +
      "then run `venom calendar login`)"
    );
  }
  if (!(await exists(config.credentialsPath))) {
    return (
      `not configured: no OAuth client JSON at ${config.credentialsPath} (download a "Desktop app" client from ` +
      "Google Cloud Console and set GOOGLE_CALENDAR_CREDENTIALS_PATH)"
    );
  }
  if (!(await exists(config.tokenPath))) {
    return `not configured: not logged in (run \`venom calendar login\`; the token goes to GOOGLE_CALENDAR_TOKEN_PATH=${config.tokenPath})`;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
