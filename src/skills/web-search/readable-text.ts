// A page's readable text: scripts, styles and site chrome (navigation, headers, footers, forms) stripped, lines tidied.
import { parseHtml } from "./html-parser.js";

/** Characters of text kept from one page. */
export const PAGE_TEXT_LIMIT = 8_000;
/** Characters of page text kept in all for one search. */
export const SEARCH_TEXT_LIMIT = 20_000;

const TRUNCATED = "\n[truncated]";

// Never content. `header` and `footer` are chrome only outside an article or main (an article's header holds its title).
const NEVER_TEXT =
  "head, title, script, style, noscript, template, svg, canvas, iframe, object, embed, nav, aside, form, button, select, " +
  "[hidden], [aria-hidden=true], [role=navigation], [role=banner], [role=contentinfo]";
const CHROME = "header, footer";
// Where the content is, when the page says so and there is enough of it.
const MAIN = "main, article, [role=main]";
const MIN_MAIN_CHARS = 200;

export function readableText(html: string): { title: string; text: string } {
  const root = parseHtml(html, { comment: false });
  const title = tidy(root.querySelector("title")?.text ?? "");
  for (const element of root.querySelectorAll(NEVER_TEXT)) element.remove();
  for (const element of root.querySelectorAll(CHROME)) {
    if (!element.closest(MAIN)) element.remove();
  }
  const main = root.querySelectorAll(MAIN).find((element) => element.text.trim().length >= MIN_MAIN_CHARS);
  return { title, text: tidy((main ?? root.querySelector("body") ?? root).structuredText) };
}

/** Collapses runs of spaces within lines and of blank lines between them. */
export function tidy(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/[^\S\n]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** At most `max` characters, marked when cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= TRUNCATED.length) return text.slice(0, Math.max(0, max));
  return `${text.slice(0, max - TRUNCATED.length).trimEnd()}${TRUNCATED}`;
}
