// Scans the lines a diff adds for tokens and keys, so a secret is never pushed.
import { TOKEN_PATTERNS } from "../log.js";

export interface SecretFinding {
  file: string;
  line: number;
  kind: string;
}

const EXTRA_PATTERNS: Array<[string, RegExp]> = [
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["AWS access key", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/],
  ["Stripe key", /\b[rs]k_live_[0-9A-Za-z]{16,}\b/],
];

/** Finds secrets in the added lines of a unified diff; `knownSecrets` are this app's own values. */
export function scanDiffForSecrets(diff: string, knownSecrets: Iterable<string> = []): SecretFinding[] {
  const known = [...knownSecrets].filter((secret) => secret.length >= 8);
  const findings: SecretFinding[] = [];
  let file = "";
  let line = 0;
  for (const text of diff.split("\n")) {
    if (text.startsWith("+++ ")) {
      file = text.replace(/^\+\+\+ (b\/)?/, "");
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      continue;
    }
    if (text.startsWith("+")) {
      const added = text.slice(1);
      const kind = secretKind(added, known);
      if (kind) findings.push({ file, line, kind });
      line += 1;
    } else if (!text.startsWith("-")) {
      line += 1;
    }
  }
  return findings;
}

function secretKind(text: string, known: string[]): string | undefined {
  if (known.some((secret) => text.includes(secret))) return "this app's own secret";
  // The shared patterns are global (/g); a fresh RegExp avoids their lastIndex state.
  if (TOKEN_PATTERNS.some((pattern) => new RegExp(pattern.source).test(text))) return "access token or webhook URL";
  return EXTRA_PATTERNS.find(([, pattern]) => pattern.test(text))?.[0];
}
