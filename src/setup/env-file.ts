// Writes values into .env, keeping its other lines, readable by its owner only (it holds the App's private key).
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/**
 * Sets `values` in the .env file at `file` (created when missing): each key's existing line is replaced where it
 * stands, new keys are appended, comments and other keys stay. The file is written whole to a private temporary
 * file and renamed over the old one, so it is never world-readable, not even for a moment, and never half-written.
 */
export function updateEnvFile(file: string, values: Record<string, string>): void {
  const pending = new Map(Object.entries(values));
  const written = new Set<string>();
  const lines: string[] = [];
  const existing = readExisting(file).split(/\r?\n/);
  if (existing.at(-1) === "") existing.pop();
  for (let index = 0; index < existing.length; index++) {
    const line = existing[index] ?? "";
    const match = ASSIGNMENT.exec(line);
    const key = match?.[1];
    if (!key || (!pending.has(key) && !written.has(key))) {
      lines.push(line);
      continue;
    }
    // A quoted value may span lines: skip up to its closing quote too.
    const value = match[2] ?? "";
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === "`") && !value.slice(1).includes(quote)) {
      while (index + 1 < existing.length && !(existing[index + 1] ?? "").includes(quote)) index++;
      index++;
    }
    const replacement = pending.get(key);
    if (replacement === undefined) continue; // a second assignment of a key already written
    lines.push(`${key}=${formatValue(key, replacement)}`);
    pending.delete(key);
    written.add(key);
  }
  for (const [key, value] of pending) lines.push(`${key}=${formatValue(key, value)}`);

  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${lines.join("\n")}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600); // in case a stale temporary file already existed with a wider mode
  renameSync(temporary, file);
}

function readExisting(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

/** Quotes only when needed, in the dotenv dialect Node's `process.loadEnvFile` reads (`\n` expands in "…"). */
function formatValue(key: string, value: string): string {
  if (/^[\w.:/@+=,-]*$/.test(value)) return value;
  if (!value.includes('"')) return `"${value.replace(/\r?\n/g, "\\n")}"`;
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  throw new Error(`The value for ${key} holds both kinds of quotes and cannot be written to .env; set it by hand.`);
}
