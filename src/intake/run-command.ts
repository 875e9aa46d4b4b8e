// `/venom run <workflow> [key=value …]`: the workflow and its inputs, read by one linear scan of the comment's first line.

export interface RunRequest {
  workflow: string;
  inputs: Record<string, string>;
}

/** GitHub accepts at most 10 inputs per dispatch (25 since 2025; 10 keeps to what every GHE version takes). */
const MAX_INPUTS = 10;
const MAX_VALUE_CHARS = 1_000;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;

/**
 * `/venom run ci.yml target=prod note="two words"` → `{ workflow: "ci.yml", inputs: { target: "prod", note: "two words" } }`.
 * Undefined when the comment is not `/venom run`; `{ error }` when it is but cannot be read.
 */
export function parseRunCommand(body: string | undefined): RunRequest | { error: string } | undefined {
  if (!body) return undefined;
  const line = body.trimStart().split("\n", 1)[0] ?? "";
  const words = splitWords(line);
  if ("error" in words) return words;
  const [venom, run, workflow, ...pairs] = words.words;
  if (venom?.toLowerCase() !== "/venom" || run?.toLowerCase() !== "run") return undefined;
  if (!workflow) return { error: "/venom run needs a workflow, e.g. /venom run ci.yml key=value" };
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    const key = equals > 0 ? pair.slice(0, equals) : "";
    if (!KEY.test(key)) return { error: `"${pair.slice(0, 50)}" is not key=value` };
    inputs[key] = pair.slice(equals + 1).slice(0, MAX_VALUE_CHARS);
  }
  if (Object.keys(inputs).length > MAX_INPUTS) return { error: `at most ${MAX_INPUTS} inputs` };
  return { workflow, inputs };
}

/** Shell-like words: blanks separate, "…" and '…' quote (also inside a word: key="a b"), \" escapes in double quotes. */
function splitWords(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let current = "";
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && (line[index + 1] === '"' || line[index + 1] === "\\")) current += line[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === " " || char === "\t" || char === "\r") {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) return { error: `unclosed ${quote} quote` };
  if (started) words.push(current);
  return { words };
}
