// The pino logger (formatted by Probot's transform) with every secret masked on every line.
import { Transform, type Writable } from "node:stream";
import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** `ghp_1234567890abcdef` → `ghp_1234...cdef`; short values → `***`. */
export function maskToken(value: string): string {
  return value.length > 8 ? `${value.slice(0, 4)}...${value.slice(-4)}` : "***";
}

// Every pattern here runs on text strangers send (headers, issue titles, comments), so each must stay linear:
// a literal (or a word boundary and a literal) first, then runs that end the match or are followed only by a
// character the run cannot contain; no nested or overlapping quantifiers. Private keys are found by plain scanning.
// Token shapes masked even when they are not in the config (tokens minted at run time, pasted by users).
export const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\btvly-[A-Za-z0-9_-]{16,}/g,
  /\bhf_[A-Za-z0-9]{20,}/g,
  /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[^\s"'\\]+/g,
  /https:\/\/hooks\.slack\.com\/[^\s"'\\]+/g,
  /https:\/\/[\w.-]+\.webhook\.office\.com\/[^\s"'\\]+/g,
  /https:\/\/[\w.-]+\.logic\.azure\.com[^\s"'\\]*/g,
  // Starts only where a run of base64url characters starts, so "-eyJ-eyJ…" cannot retry one long run from each "eyJ".
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];
const CONTEXT_PATTERNS: Array<[RegExp, (match: string, secret: string) => string]> = [
  [/\b(?:[Bb]earer|token|Basic)\s+(?=[A-Za-z._~+/=-]*\d)([A-Za-z0-9._~+/=-]{8,})/g, (match, secret) => match.replace(secret, maskToken(secret))],
  [/x-access-token:([^@\s"'\\]+)/g, (match, secret) => match.replace(secret, maskToken(secret))],
  [/:\/\/[^/\s:@"']+:([^@\s"'/]+)@/g, (match, secret) => match.replace(secret, maskToken(secret))],
];
const PEM_BEGIN = "-----BEGIN ";
const PEM_END = "-----END ";
/** Longest label read between `-----BEGIN ` and `-----` ("ENCRYPTED PRIVATE KEY" is 21 characters). */
const PEM_LABEL_MAX = 64;

/**
 * Replaces each private key (from its BEGIN armour line to the next END armour line of a PRIVATE KEY, raw
 * or JSON-escaped) with `***`. A key with no END line (cut short, or a stranger's bait) is masked to the end of its JSON
 * string, else of the text. Plain scanning with indexOf, every position read a bounded number of times: linear.
 */
export function maskPrivateKeys(text: string): string {
  let out = "";
  let copied = 0;
  let searchFrom = 0;
  // The first END marker at or after `from` (start -1: none); found once and reused while it lies ahead.
  let endCache: { from: number; start: number; end: number } | undefined;
  const findEnd = (from: number) => {
    if (endCache && endCache.from <= from && (endCache.start === -1 || endCache.start >= from)) return endCache;
    let start = text.indexOf(PEM_END, from);
    let end = -1;
    while (start !== -1 && (end = privateKeyMarkerEnd(text, start, PEM_END)) === -1) start = text.indexOf(PEM_END, start + PEM_END.length);
    endCache = { from, start, end };
    return endCache;
  };
  for (;;) {
    const begin = text.indexOf(PEM_BEGIN, searchFrom);
    if (begin === -1) break;
    const headerEnd = privateKeyMarkerEnd(text, begin, PEM_BEGIN);
    if (headerEnd === -1) {
      searchFrom = begin + PEM_BEGIN.length;
      continue;
    }
    const closing = findEnd(headerEnd);
    const regionEnd = closing.start === -1 ? endOfJsonString(text, headerEnd) : closing.end;
    out += `${text.slice(copied, begin)}***`;
    copied = regionEnd;
    searchFrom = regionEnd;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where `-----BEGIN <label>-----` (or END) starting at `at` ends, when the label names a private key; else -1. */
function privateKeyMarkerEnd(text: string, at: number, opener: string): number {
  const labelStart = at + opener.length;
  const limit = Math.min(text.length, labelStart + PEM_LABEL_MAX);
  let index = labelStart;
  while (index < limit && isUpperOrSpace(text.charCodeAt(index))) index += 1;
  return text.slice(labelStart, index).endsWith("PRIVATE KEY") && text.startsWith("-----", index) ? index + 5 : -1;
}

function isUpperOrSpace(code: number): boolean {
  return code === 32 || (code >= 65 && code <= 90);
}

/** The index of the next unescaped `"` at or after `from` (the end of a JSON string value), else the text's length. */
function endOfJsonString(text: string, from: number): number {
  let quote = text.indexOf('"', from);
  while (quote !== -1 && text.charCodeAt(quote - 1) === 92) quote = text.indexOf('"', quote + 1);
  return quote === -1 ? text.length : quote;
}

/** Builds a masker for the given known secret values plus every token pattern. */
export function createMasker(secrets: Iterable<string> = []): (text: string) => string {
  const known = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    known.add(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) known.add(escaped);
  }
  const ordered = [...known].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    if (out.includes("PRIVATE KEY-----")) out = maskPrivateKeys(out);
    for (const secret of ordered) {
      if (out.includes(secret)) out = out.split(secret).join(maskToken(secret));
    }
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, (match) => maskToken(match));
    for (const [pattern, replace] of CONTEXT_PATTERNS) {
      out = out.replace(pattern, (match, secret: string) => (secret.includes("...") ? match : replace(match, secret)));
    }
    return out;
  };
}

/** Longest excerpt of a request's own text (headers, URL, body) that goes into a log line. */
export const LOG_EXCERPT_MAX = 200;

/**
 * A value a client sent, cut to `max` characters for the log: an unsigned request may carry a 16 KB header or a
 * 25 MB body, and nobody reads past the first lines of either.
 */
export function excerpt(value: string | undefined, max = LOG_EXCERPT_MAX): string | undefined {
  if (value === undefined || value.length <= max) return value;
  return `${value.slice(0, max)}… (${value.length} characters)`;
}

/** Masks secrets in any value: strings, nested objects, arrays and errors (message and stack). */
export function maskValue<T>(value: T, mask: (text: string) => string): T {
  return maskDeep(value, mask, new WeakSet()) as T;
}

function maskDeep(value: unknown, mask: (text: string) => string, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return mask(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask, seen));
  if (value instanceof Error) {
    const copy = new Error(mask(value.message));
    copy.name = value.name;
    if (value.stack) copy.stack = mask(value.stack);
    return copy;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = maskDeep(item, mask, seen);
  return out;
}

/** A stream stage that masks every serialized log line before it is formatted or written. */
export function createMaskingStream(mask: (text: string) => string): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, mask(chunk.toString("utf8")));
    },
  });
}

export interface LoggerOptions {
  level?: string;
  format?: "json" | "pretty";
  secrets?: Iterable<string>;
  /** Where masked lines end up; defaults to stdout (through Probot's formatter). */
  destination?: Writable;
  name?: string;
}

/**
 * pino → masking stage → Probot's formatter (pretty or JSON) → stdout.
 * Masking runs on the serialized line, so messages, objects and error stacks are all covered.
 */
export async function createLogger(options: LoggerOptions = {}): Promise<Logger> {
  const mask = createMasker(options.secrets);
  const masking = createMaskingStream(mask);
  if (options.destination) {
    masking.pipe(options.destination);
  } else {
    const format = await getTransformStream({ logFormat: options.format ?? "json", logLevelInString: true });
    masking.pipe(format).pipe(process.stdout);
  }
  return pino({ level: options.level ?? "info", name: options.name ?? "venom" }, masking);
}
