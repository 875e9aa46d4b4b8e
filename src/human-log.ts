// Log lines for a person at a terminal: "warning: <message>" instead of pino's JSON.
import { Writable } from "node:stream";

const LEVELS: Array<[number, string]> = [
  [50, "error: "],
  [40, "warning: "],
  [30, ""],
  [0, "debug: "],
];

/** One serialized pino line → one readable line; anything that is not pino JSON passes through as it is. */
export function humanLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== "object" || record === null) return line;
  const { level, msg, err } = record as { level?: unknown; msg?: unknown; err?: { message?: unknown } };
  const prefix = LEVELS.find(([threshold]) => typeof level === "number" && level >= threshold)?.[1] ?? "";
  const message = typeof msg === "string" ? msg : "";
  const cause = typeof err?.message === "string" && !message.includes(err.message) ? err.message : "";
  return `${prefix}${[message, cause].filter(Boolean).join(": ")}`;
}

/** A destination for createLogger that writes each (already masked) line through `write` in human form. */
export function createHumanLogStream(write: (line: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (pending + chunk.toString("utf8")).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) write(humanLogLine(line));
      callback();
    },
    final(callback) {
      if (pending.trim()) write(humanLogLine(pending));
      callback();
    },
  });
}
