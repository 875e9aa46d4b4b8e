// The OAuth token file: read leniently, written atomically with owner-only permissions (0600 file, 0700 new directory).
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { VenomError } from "../../errors.js";

/** google-auth-library's `Credentials` shape, the one this file stores. */
export interface StoredToken {
  access_token?: string | null;
  refresh_token?: string | null;
  /** Milliseconds since the epoch. */
  expiry_date?: number | null;
  token_type?: string | null;
  id_token?: string | null;
  scope?: string;
}

export const NOT_LOGGED_IN = "Google Calendar not logged in: run `venom calendar login`";

const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/**
 * The stored token, or `undefined` when there is no file. Also reads the token file of the Python reference
 * system (google-auth's `{token, refresh_token, expiry, scopes}`) so an existing login carries over.
 */
export async function readStoredToken(path: string): Promise<StoredToken | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new VenomError("user", `Cannot read the Google Calendar token at ${path}: ${(error as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const token = typeof parsed === "object" && parsed !== null ? normalise(parsed as Record<string, unknown>) : undefined;
  if (!token) {
    throw new VenomError("user", `The Google Calendar token at ${path} is unreadable: run \`venom calendar login\` again.`);
  }
  return token;
}

/** Whether the file can be read by anyone but its owner (POSIX permissions; always false on Windows). */
export async function isTokenFileExposed(path: string): Promise<boolean> {
  if (process.platform === "win32") return false;
  const info = await stat(path);
  return (info.mode & 0o077) !== 0;
}

export async function restrictTokenFile(path: string): Promise<void> {
  await chmod(path, FILE_MODE);
}

/**
 * Writes the token through a temporary file in the same directory and a rename, so a crash mid-write never leaves a
 * truncated token; the file is 0600 from creation (chmod again in case of an unusual umask).
 */
export async function writeStoredToken(path: string, token: StoredToken): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx", FILE_MODE);
    try {
      await handle.writeFile(`${JSON.stringify(withoutEmpty(token), null, 2)}\n`, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, FILE_MODE);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new VenomError("permanent", `Cannot write the Google Calendar token at ${path}: ${(error as Error).message}.`, {
      cause: error,
    });
  }
}

/** Layers refreshed fields over the stored token: Google's refresh answer has no refresh_token, which must be kept. */
export function mergeTokens(current: StoredToken | undefined, update: StoredToken): StoredToken {
  return { ...withoutEmpty(current ?? {}), ...withoutEmpty(update) };
}

function normalise(raw: Record<string, unknown>): StoredToken | undefined {
  const text = (name: string) => (typeof raw[name] === "string" && raw[name] ? (raw[name] as string) : undefined);
  const accessToken = text("access_token") ?? text("token");
  const refreshToken = text("refresh_token");
  if (!accessToken && !refreshToken) return undefined;
  const expiry = typeof raw.expiry_date === "number" ? raw.expiry_date : parseExpiry(text("expiry"));
  const scopes = Array.isArray(raw.scopes) ? raw.scopes.filter((scope) => typeof scope === "string").join(" ") : undefined;
  const scope = text("scope") ?? (scopes || undefined);
  return withoutEmpty({
    access_token: accessToken,
    refresh_token: refreshToken,
    expiry_date: expiry !== undefined && Number.isFinite(expiry) ? expiry : undefined,
    token_type: text("token_type") ?? (accessToken ? "Bearer" : undefined),
    id_token: text("id_token"),
    scope,
  });
}

// google-auth (Python) writes `expiry` as ISO 8601 in UTC, with or without a zone suffix.
function parseExpiry(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const hasZone = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(value);
  return Date.parse(hasZone ? value : `${value}Z`);
}

function withoutEmpty(token: StoredToken): StoredToken {
  return Object.fromEntries(
    Object.entries(token).filter(([, value]) => value !== undefined && value !== null && value !== ""),
  ) as StoredToken;
}
