// The pino logger (formatted by Probot's transform) with every secret masked on every line.
import { Transform, type Writable } from "node:stream";
import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** `ghp_1234567890abcdef` → `ghp_1234...cdef`; short values → `***`. */
export function maskToken(value: string): string {
  return value.length > 8 ? `${value.slice(0, 4)}...${value.slice(-4)}` : "***";
}

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
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];
const CONTEXT_PATTERNS: Array<[RegExp, (match: string, secret: string) => string]> = [
  [/\b(?:[Bb]earer|token|Basic)\s+(?=[A-Za-z._~+/=-]*\d)([A-Za-z0-9._~+/=-]{8,})/g, (match, secret) => match.replace(secret, maskToken(secret))],
  [/x-access-token:([^@\s"'\\]+)/g, (match, secret) => match.replace(secret, maskToken(secret))],
  [/:\/\/[^/\s:@"']+:([^@\s"'/]+)@/g, (match, secret) => match.replace(secret, maskToken(secret))],
];
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const PEM_ESCAPED = /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n|[^"])*?-----END [A-Z ]*PRIVATE KEY-----/g;

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
    if (out.includes("PRIVATE KEY-----")) out = out.replace(PEM, "***").replace(PEM_ESCAPED, "***");
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
