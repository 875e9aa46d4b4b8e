import { describe, expect, it } from "vitest";
import { capText, readableText } from "../../../../src/skills/web-search/readable-text.js";

describe("readableText", () => {
  it("keeps an article's own header and drops the site's", () => {
    const { title, text } = readableText(`<html><head><title>  The  Title </title></head><body>
      <header>Site banner</header>
      <div><article><header><h1>Article heading</h1></header><p>${"Body text. ".repeat(30)}</p></article></div>
      <footer>Site footer</footer></body></html>`);
    expect(title).toBe("The Title");
    expect(text.startsWith("Article heading\nBody text.")).toBe(true);
    expect(text).not.toMatch(/Site banner|Site footer|The Title/);
  });

  it("falls back to the whole body when the page names no main content, and drops hidden parts", () => {
    const { text } = readableText(`<body><div>Short intro</div><div hidden>secret</div><div aria-hidden="true">icon</div>
      <ul><li>one</li><li>two</li></ul><form><input value="q"><button>Go</button></form></body>`);
    expect(text).toBe("Short intro\none\ntwo");
  });
});

describe("capText", () => {
  it("leaves short text alone and marks what it cuts", () => {
    expect(capText("short", 10)).toBe("short");
    const cut = capText("x".repeat(100), 50);
    expect(cut).toHaveLength(50);
    expect(cut.endsWith("\n[truncated]")).toBe(true);
  });
});
