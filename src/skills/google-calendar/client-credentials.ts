// Google's OAuth client JSON (Cloud Console → Credentials → "Desktop app", also "Web application"), read and checked once.
import { readFile } from "node:fs/promises";
import { VenomError } from "../../errors.js";

export interface ClientCredentials {
  clientId: string;
  /** Google issues a secret for installed apps too (not confidential there, PKCE protects the flow). */
  clientSecret?: string;
  /** Consent page; Google's own when the file does not name one. */
  authUri?: string;
  /** Token endpoint; Google's own when the file does not name one. Tests point it at a local server. */
  tokenUri?: string;
}

const HOW_TO_GET =
  "download an OAuth client JSON (type \"Desktop app\") from Google Cloud Console → APIs & Services → Credentials " +
  "and set GOOGLE_CALENDAR_CREDENTIALS_PATH to it";

/** Reads `{"installed": {...}}` (or `{"web": {...}}`); a missing or malformed file is a user error saying what to do. */
export async function readClientCredentials(path: string): Promise<ClientCredentials> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new VenomError("user", `Google Calendar credentials not found at ${path}: ${HOW_TO_GET}.`);
    }
    throw new VenomError("user", `Cannot read Google Calendar credentials at ${path}: ${(error as Error).message}.`);
  }
  return parseClientCredentials(text, path);
}

export function parseClientCredentials(text: string, path: string): ClientCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VenomError("user", `Google Calendar credentials at ${path} are not valid JSON: ${HOW_TO_GET}.`);
  }
  const root = isRecord(parsed) ? parsed : {};
  const client = isRecord(root.installed) ? root.installed : isRecord(root.web) ? root.web : undefined;
  if (!client) {
    throw new VenomError(
      "user",
      `Google Calendar credentials at ${path} have neither an "installed" nor a "web" client: ${HOW_TO_GET}.`,
    );
  }
  const clientId = stringField(client, "client_id");
  if (!clientId) throw new VenomError("user", `Google Calendar credentials at ${path} have no client_id: ${HOW_TO_GET}.`);
  const clientSecret = stringField(client, "client_secret");
  const authUri = urlField(client, "auth_uri", path);
  const tokenUri = urlField(client, "token_uri", path);
  return {
    clientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(authUri ? { authUri } : {}),
    ...(tokenUri ? { tokenUri } : {}),
  };
}

function urlField(record: Record<string, unknown>, name: string, path: string): string | undefined {
  const value = stringField(record, name);
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new VenomError("user", `Google Calendar credentials at ${path}: ${name} is not an http(s) URL.`);
  }
  return value;
}

function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
