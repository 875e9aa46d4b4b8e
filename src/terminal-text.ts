// Makes text from strangers (search results, model output, issue text) safe to print on a terminal.
/* eslint-disable no-control-regex -- control characters are exactly what this module finds and removes */

// Escape sequences let printed text move the cursor, rewrite earlier lines, set the window title, write the
// clipboard (OSC 52) or hide a link's target (OSC 8). Each pattern is linear: every repetition is a single
// character class and the classes that follow one another do not overlap.
const CSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
// OSC, DCS, SOS, PM and APC carry a string up to BEL or ST (ESC \ or 0x9c); an unterminated one runs to the end.
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
// Any other escape: ESC, optional intermediate bytes, one final byte (charset selection, reset, keypad modes…).
const OTHER_ESCAPE = /\x1b[ -/]*[0-~]?/g;
// Remaining C0 controls but tab and newline (carriage return and backspace overwrite what was printed), DEL, C1.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Removes terminal escape sequences and control characters; keeps tabs and newlines (CRLF becomes LF). */
export function stripTerminalEscapes(text: string): string {
  return text
    .replace(STRING_SEQUENCE, "")
    .replace(CSI, "")
    .replace(OTHER_ESCAPE, "")
    .replace(/\r\n/g, "\n")
    .replace(CONTROL, "");
}
