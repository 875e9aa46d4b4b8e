// A model or dataset card boiled down: its README as short plain text, and its licence from the metadata or tags.

export const CARD_SUMMARY_CHARS = 1_500;

/** The README without YAML front matter, HTML, images or link targets, cut to `max` characters at a word. */
export function cardSummary(markdown: string, max: number = CARD_SUMMARY_CHARS): string {
  const text = markdown
    .replace(/^\uFEFF?---\r?\n[\s\S]*?\r?\n---[^\S\n]*(?:\r?\n|$)/, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<\/?[A-Za-z][^>]*>/g, "")
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const atWord = cut.replace(/\s+\S*$/, "");
  return `${atWord.length > max * 0.8 ? atWord : cut}…`;
}

/** `license` from the card's metadata (`other` → its `license_name`), else the `license:` tag. */
export function licenseOf(cardData: unknown, tags: readonly string[]): string | undefined {
  const data = typeof cardData === "object" && cardData !== null ? (cardData as Record<string, unknown>) : {};
  const declared = Array.isArray(data.license) ? data.license.filter((item) => typeof item === "string").join(", ") : data.license;
  if (declared === "other" && typeof data.license_name === "string" && data.license_name) return data.license_name;
  if (typeof declared === "string" && declared) return declared;
  return tags.find((tag) => tag.startsWith("license:"))?.slice("license:".length) || undefined;
}
