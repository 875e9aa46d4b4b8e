// The status comment's follow-up rounds: one line per round after the run's checklist, the comment itself their record.

const ROUNDS_MARKER = "<!-- venom:rounds -->";
const ROUND_LINE = /^- Round (\d{1,6})\b/;

/**
 * Sets the line of round `round` in the status comment's body (replaced when it is there, appended when not).
 * The first run is round 1, so follow-ups count from 2.
 */
export function withRoundLine(body: string, round: number, text: string): string {
  const line = `- Round ${round} ${oneLine(text)}`;
  const start = body.indexOf(ROUNDS_MARKER);
  if (start < 0) return `${body.trimEnd()}\n\n${ROUNDS_MARKER}\n**Follow-ups**\n${line}`;
  const lines = body.slice(start).split("\n");
  const index = lines.findIndex((candidate) => ROUND_LINE.exec(candidate)?.[1] === String(round));
  if (index >= 0) lines[index] = line;
  else {
    // Round lines stay in one block right after the marker's heading: a later edit of the body keeps them together.
    let last = 1;
    lines.forEach((candidate, position) => {
      if (ROUND_LINE.test(candidate)) last = position;
    });
    lines.splice(last + 1, 0, line);
  }
  return `${body.slice(0, start)}${lines.join("\n")}`;
}

/** The number of the next round: one after the last line in the comment, 2 for the first follow-up. */
export function nextRound(body: string | undefined): number {
  let highest = 1;
  const start = body?.indexOf(ROUNDS_MARKER) ?? -1;
  if (body === undefined || start < 0) return 2;
  for (const line of body.slice(start).split("\n")) {
    const round = Number(ROUND_LINE.exec(line)?.[1] ?? 0);
    if (round > highest) highest = round;
  }
  return highest + 1;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
