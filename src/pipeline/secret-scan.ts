// Finds secrets (private keys, tokens, high-entropy assignments, this app's own values) in a staged diff or a file, so none is pushed.

export interface SecretFinding {
  /** Path in the repository. */
  file: string;
  /** 1-based line number in the new version of the file. */
  line: number;
  /** What was found, e.g. "GitHub token"; never the value itself. */
  kind: string;
}

interface TokenRule {
  kind: string;
  /** Global, so every match on a line is tried; shared, so `lastIndex` is reset before each use. */
  pattern: RegExp;
  /** Extra checks that regular expressions cannot express cheaply; every rule also rejects placeholders. */
  accept?: (match: RegExpExecArray) => boolean;
}

const KNOWN_SECRET = "this app's own secret";
const ASSIGNMENT_KIND = "high-entropy value assigned to a secret-like name";
const BASE64_SUFFIX = " (base64-encoded)";
const MINIMUM_KNOWN_SECRET_LENGTH = 8;

const hasDigit = (text: string): boolean => /[0-9]/.test(text);
const hasLetterAndDigit = (text: string): boolean => /[A-Za-z]/.test(text) && hasDigit(text);

// Every regular expression in this module must stay linear-time on hostile input (the diff content is untrusted):
// each starts with a literal or a lookbehind that pins it to the start of a character run, and none has nested or
// overlapping quantifiers.
// Covers every shape masked by TOKEN_PATTERNS in ../log.ts and more; a finding's kind names the provider.
// Prefixes that also begin ordinary words (sk-, hf_, tvly-, xox) need a digit, which real keys practically always have.
const TOKEN_RULES: TokenRule[] = [
  { kind: "GitHub token", pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{20,}/g },
  { kind: "GitHub token", pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,}/g },
  { kind: "Anthropic API key", pattern: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "OpenAI API key", pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g, accept: (match) => hasLetterAndDigit(match[0]) },
  { kind: "Slack token", pattern: /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/g, accept: (match) => hasDigit(match[0]) },
  { kind: "Slack webhook URL", pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,}/g },
  { kind: "Discord webhook URL", pattern: /discord(?:app)?\.com\/api\/(?:v\d{1,2}\/)?webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20,}/g },
  {
    kind: "Discord bot token",
    // The first part is the bot's user id (17–20 digits) in base64url, so it starts with M, N or O.
    pattern: /(?<![A-Za-z0-9_-])([MNO][A-Za-z0-9_-]{22,26})\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g,
    accept: (match) => /^\d{17,20}$/.test(Buffer.from(match[1] ?? "", "base64url").toString("latin1")),
  },
  { kind: "AWS access key", pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  { kind: "Google API key", pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  { kind: "Google OAuth client secret", pattern: /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g },
  { kind: "Stripe live key", pattern: /(?<![A-Za-z0-9_])[rs]k_live_[A-Za-z0-9]{16,}/g },
  { kind: "Hugging Face token", pattern: /(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}/g, accept: (match) => hasLetterAndDigit(match[0]) },
  { kind: "Tavily API key", pattern: /(?<![A-Za-z0-9_-])tvly-[A-Za-z0-9_-]{16,}/g, accept: (match) => hasDigit(match[0]) },
  { kind: "npm token", pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { kind: "GitLab token", pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "Microsoft Teams webhook URL", pattern: /https:\/\/[A-Za-z0-9.-]{1,100}\.webhook\.office\.com\/webhookb2\/[^\s"'\\]{20,}/g },
  // The sig= parameter is what makes a Logic Apps URL a credential.
  {
    kind: "Azure Logic Apps URL",
    pattern: /https:\/\/[A-Za-z0-9.-]{1,100}\.logic\.azure\.com[^\s"'\\]*/g,
    accept: (match) => /[?&]sig=[A-Za-z0-9%_-]{16,}/.test(match[0]),
  },
  { kind: "JSON Web Token", pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: "password in URL", pattern: /:\/\/[^\s:@/"'<>]{1,100}:([^\s:@/"'<>]{1,200})@/g, accept: (match) => plausiblePassword(match[1] ?? "") },
  // An OpenSSH key body without its BEGIN line; only meaningful once base64 has been decoded.
  { kind: "OpenSSH private key", pattern: /openssh-key-v1\0/g },
];

// Applied to the line with everything but letters, digits and dashes removed, so the marker is still found when
// it is JSON-escaped ("\n", "\u002d"), split by string concatenation, or spaced oddly.
const PRIVATE_KEY_MARKER = /--BEGIN[A-Z0-9]{0,40}PRIVATEKEY/;

// NAME = "value" / NAME: value / NAME=value / "NAME": "value" / NAME := value / 'NAME' => 'value' / NAME: Bearer value.
// The value stops at quotes, brackets, separators and "=", so "a=a=a…" cannot make one match span the whole line.
const ASSIGNMENT =
  /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{1,80})["'\]]{0,3}[ \t]{0,8}(?::=|=>|[:=])[ \t]{0,8}["'`]?(?:[Bb]earer[ \t]{1,8})?([^\s"'`,;&|()[\]{}<>\\?#=:]{16,}={0,2})/g;
const SECRET_NAME = /secret|token|key|passw|pwd|credential|auth/;
// Names that hold public or descriptive data even though they contain a secret-like word (publicKey, keyId, tokenUrl).
const DESCRIPTIVE_NAME = /public|(?:id|ids|name|path|file|url|uri|type)$/;
const MINIMUM_ASSIGNED_LENGTH = 16;
const MINIMUM_ENTROPY = 3.5;

const PLACEHOLDER_WORDS = ["xxxx", "****", "example", "your", "placeholder", "changeme", "change_me", "change-me", "dummy", "redacted", "replace", "insert", "sample", "${", "{{", "<", "process.env"];
// Six identical characters in a row (xxxxxx, 000000) never occur in a real random token but often in placeholders.
const REPEATED_CHARACTER = /(.)\1{5}/;

// Runs long enough to hold an encoded token prefix plus some of its body; standard and URL-safe alphabets.
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}/g;
// A PEM body line; lines like these after a BEGIN line belong to the key already reported.
const PRIVATE_KEY_BODY = /^[A-Za-z0-9+/=]{0,100}$/;
// How much of two neighbouring lines is joined to find a BEGIN marker split across them.
const SPLIT_MARKER_WINDOW = 200;

/** Scans every line of a whole file's text (used for new files). */
export function scanTextForSecrets(file: string, text: string, knownSecrets: Iterable<string> = []): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const scanner = new LineScanner(file, new SecretClassifier(knownSecrets), findings);
  text.split("\n").forEach((content, index) => scanner.add(content, index + 1));
  return findings;
}

/**
 * Finds secrets in the added lines of `git diff --cached --no-color --no-ext-diff --no-textconv --text`
 * (every line of a new file is an added line); `knownSecrets` are this app's own values.
 */
export function scanDiffForSecrets(diff: string, knownSecrets: Iterable<string> = []): SecretFinding[] {
  const classifier = new SecretClassifier(knownSecrets);
  const findings: SecretFinding[] = [];
  let scanner = new LineScanner("", classifier, findings);
  let oldPath = "";
  let oldRemaining = 0;
  let newRemaining = 0;
  let line = 0;
  for (const text of diff.split("\n")) {
    // Inside a hunk the header's counts decide what a line is, so added content such as "++ x" or "-- y" is never
    // mistaken for a "+++ "/"--- " file header.
    if (oldRemaining > 0 || newRemaining > 0) {
      if (text.startsWith("+")) {
        scanner.add(text.slice(1), line);
        line += 1;
        newRemaining -= 1;
      } else if (text.startsWith("-")) {
        // A removed line does not separate the added lines around it in the new file, so the scanner is not interrupted.
        oldRemaining -= 1;
      } else if (!text.startsWith("\\")) {
        // Context (" x", or "" when a tool trimmed the space); "\ No newline at end of file" counts for neither side.
        scanner.interrupt();
        line += 1;
        oldRemaining -= 1;
        newRemaining -= 1;
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(text);
    if (hunk) {
      oldRemaining = Number(hunk[1] ?? 1);
      line = Number(hunk[2]);
      newRemaining = Number(hunk[3] ?? 1);
      scanner.interrupt();
    } else if (text.startsWith("diff --git ")) {
      oldPath = "";
      scanner = new LineScanner("", classifier, findings);
    } else if (text.startsWith("--- ")) {
      oldPath = diffPath(text.slice(4)) ?? "";
    } else if (text.startsWith("+++ ")) {
      scanner = new LineScanner(diffPath(text.slice(4)) ?? oldPath, classifier, findings);
    } else if (text.startsWith("+")) {
      // Not reachable with git's own output; scanned anyway so a miscounted hunk can never hide an added line.
      scanner.add(text.slice(1), line);
      line += 1;
    }
  }
  return findings;
}

/** Feeds consecutive lines of one file to the classifier, keeping the little state that spans lines. */
class LineScanner {
  readonly #file: string;
  readonly #classifier: SecretClassifier;
  readonly #findings: SecretFinding[];
  #previous: { line: number; tail: string; found: boolean } | undefined;
  #insidePrivateKey = false;

  constructor(file: string, classifier: SecretClassifier, findings: SecretFinding[]) {
    this.#file = file;
    this.#classifier = classifier;
    this.#findings = findings;
  }

  add(text: string, line: number): void {
    const content = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (this.#insidePrivateKey) {
      const trimmed = content.trim();
      if (trimmed.startsWith("-----END")) this.#insidePrivateKey = false;
      if (trimmed.startsWith("-----END") || PRIVATE_KEY_BODY.test(trimmed)) {
        this.#previous = undefined;
        return;
      }
      this.#insidePrivateKey = false;
    }
    const kind = this.#classifier.kindOf(content);
    if (kind) {
      this.#report(line, kind);
    } else if (this.#previous && !this.#previous.found) {
      // A BEGIN marker split over two lines (a string concatenation broken mid-marker) is reported at its first line.
      const joined = compactForMarker(this.#previous.tail) + compactForMarker(content.slice(0, SPLIT_MARKER_WINDOW));
      const split = privateKeyKind(joined);
      if (split) this.#report(this.#previous.line, split);
    }
    this.#previous = { line, tail: content.slice(-SPLIT_MARKER_WINDOW), found: kind !== undefined };
  }

  /** The next line added is not adjacent to the last one (a context line sits between them). */
  interrupt(): void {
    this.#previous = undefined;
    this.#insidePrivateKey = false;
  }

  #report(line: number, kind: string): void {
    this.#findings.push({ file: this.#file, line, kind });
    if (kind.endsWith("private key")) this.#insidePrivateKey = true;
  }
}

/** Decides whether one piece of text holds a secret; the single classifier behind both exported scanners. */
class SecretClassifier {
  readonly #known: string[];
  readonly #knownBase64: string[];

  constructor(knownSecrets: Iterable<string>) {
    const values = [...knownSecrets].filter((secret) => secret.length >= MINIMUM_KNOWN_SECRET_LENGTH);
    const known = new Set<string>();
    const knownBase64 = new Set<string>();
    for (const secret of values) {
      // The forms a value takes when written into JSON or a URL.
      known.add(secret);
      known.add(JSON.stringify(secret).slice(1, -1));
      known.add(encodeURIComponent(secret));
      for (const encoded of base64Needles(secret)) knownBase64.add(encoded);
    }
    this.#known = [...known];
    this.#knownBase64 = [...knownBase64];
  }

  /** The kind of the first secret in `text`; base64 runs are decoded and classified once more (not recursively). */
  kindOf(text: string, decodeBase64 = true): string | undefined {
    if (this.#known.some((secret) => text.includes(secret))) return KNOWN_SECRET;
    const privateKey = privateKeyKind(compactForMarker(text));
    if (privateKey) return privateKey;
    for (const rule of TOKEN_RULES) {
      if (firstAccepted(rule, text)) return rule.kind;
    }
    if (hasSecretAssignment(text)) return ASSIGNMENT_KIND;
    if (!decodeBase64) return undefined;
    if (this.#knownBase64.some((encoded) => text.includes(encoded))) return KNOWN_SECRET + BASE64_SUFFIX;
    for (const run of text.matchAll(BASE64_RUN)) {
      // The run may start mid-quantum (e.g. "path/<base64>"), so each of the four alignments is decoded.
      for (let offset = 0; offset < 4; offset += 1) {
        const decoded = Buffer.from(run[0].slice(offset), "base64").toString("latin1");
        const kind = this.kindOf(decoded, false);
        if (kind) return kind + BASE64_SUFFIX;
      }
    }
    return undefined;
  }
}

/**
 * The base64 text that encodes `secret` at each of the three byte alignments, trimmed to the characters that depend
 * only on the secret, in standard and URL-safe alphabets; so an encoded secret is found wherever it sits in a blob.
 */
function base64Needles(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const needles: string[] = [];
  for (let alignment = 0; alignment < 3; alignment += 1) {
    const encoded = Buffer.concat([Buffer.alloc(alignment), bytes]).toString("base64");
    const needle = encoded.slice(Math.ceil((alignment * 8) / 6), Math.floor(((alignment + bytes.length) * 8) / 6));
    needles.push(needle, needle.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return needles;
}

function compactForMarker(text: string): string {
  return text.replace(/\\u002[dD]/g, "-").replace(/\\[nrt]/g, "").replace(/[^A-Za-z0-9-]/g, "");
}

function privateKeyKind(compacted: string): string | undefined {
  const match = PRIVATE_KEY_MARKER.exec(compacted);
  if (!match) return undefined;
  return match[0].includes("OPENSSH") ? "OpenSSH private key" : "private key";
}

function firstAccepted(rule: TokenRule, text: string): boolean {
  rule.pattern.lastIndex = 0;
  for (let match = rule.pattern.exec(text); match; match = rule.pattern.exec(text)) {
    if (!isPlaceholder(match[0]) && (rule.accept?.(match) ?? true)) return true;
  }
  return false;
}

function hasSecretAssignment(text: string): boolean {
  ASSIGNMENT.lastIndex = 0;
  for (let match = ASSIGNMENT.exec(text); match; match = ASSIGNMENT.exec(text)) {
    // "author" contains "auth" but names a person; "authorization" still counts.
    const name = (match[1] ?? "").toLowerCase().replace(/author(?!iz)/g, "");
    if (SECRET_NAME.test(name) && !DESCRIPTIVE_NAME.test(name) && looksRandom(match[2] ?? "")) return true;
  }
  return false;
}

/** True for values that look machine-generated: long, mostly base64, high entropy, not a name, path or placeholder. */
function looksRandom(value: string): boolean {
  if (value.length < MINIMUM_ASSIGNED_LENGTH || isPlaceholder(value)) return false;
  // URLs and file paths are configuration, not credentials (a password inside a URL has its own rule).
  if (value.includes("://") || (value.includes("/") && value.includes("."))) return false;
  const otherCharacters = value.replace(/[A-Za-z0-9+/=_-]/g, "").length;
  if (otherCharacters > value.length * 0.1) return false;
  // Identifiers, dotted references (process.env.X) and words with version numbers (prod-db-2024) have every
  // alphanumeric segment all letters or all digits; random values mix them within a segment.
  if (!value.split(/[^A-Za-z0-9]+/).some(hasLetterAndDigit)) return false;
  return shannonEntropy(value) >= MINIMUM_ENTROPY;
}

function plausiblePassword(password: string): boolean {
  return password.length >= 8 && !isPlaceholder(password) && !/^[A-Za-z]+$/.test(password);
}

function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return PLACEHOLDER_WORDS.some((word) => lower.includes(word)) || REPEATED_CHARACTER.test(value);
}

/** Bits per character. */
function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let total = 0;
  for (const count of counts.values()) total += count;
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / total;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

/** The path in a "--- " or "+++ " header; undefined for /dev/null. */
function diffPath(header: string): string | undefined {
  let path = header.endsWith("\r") ? header.slice(0, -1) : header;
  // Git appends a tab to names that contain a space, and C-quotes names with special or non-ASCII characters.
  if (path.endsWith("\t")) path = path.slice(0, -1);
  if (path.startsWith('"') && path.endsWith('"') && path.length >= 2) path = unquoteGitPath(path.slice(1, -1));
  if (path === "/dev/null") return undefined;
  return path.startsWith("a/") || path.startsWith("b/") ? path.slice(2) : path;
}

const C_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", t: "\t", n: "\n", v: "\v", f: "\f", r: "\r", '"': '"', "\\": "\\" };

function unquoteGitPath(quoted: string): string {
  const parts: Buffer[] = [];
  // Octal escapes are single UTF-8 bytes, so the name is rebuilt as bytes and decoded once.
  for (const match of quoted.matchAll(/\\([0-7]{1,3}|[^0-7])|[^\\]+/g)) {
    const escape = match[1];
    if (escape === undefined) parts.push(Buffer.from(match[0], "utf8"));
    else if (/^[0-7]/.test(escape)) parts.push(Buffer.from([Number.parseInt(escape, 8) & 0xff]));
    else parts.push(Buffer.from(C_ESCAPES[escape] ?? escape, "utf8"));
  }
  return Buffer.concat(parts).toString("utf8");
}
