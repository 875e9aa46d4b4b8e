// The setup page carries the manifest in an HTML attribute: whatever app.yml says must reach GitHub unchanged.
import { parse } from "node-html-parser";
import { describe, expect, it } from "vitest";
import { renderSetupPage } from "../../../src/setup/setup-pages.js";

describe("renderSetupPage", () => {
  it("escapes the manifest so a browser posts exactly the JSON it was given", () => {
    const manifest = JSON.stringify({ name: `Bob's "app" <b>&amp;</b>`, description: "it's ' \" > < &" });
    const html = renderSetupPage({
      name: "Venom's",
      description: "<script>x</script>",
      version: "1.0.0",
      createAppUrl: "https://github.com/settings/apps/new?state=abc&x=1",
      manifest,
      webhookUrl: "https://smee.io/x",
    });
    const document = parse(html);
    expect(document.querySelector("#manifest")?.getAttribute("value")).toBe(manifest);
    expect(document.querySelector("form")?.getAttribute("action")).toBe("https://github.com/settings/apps/new?state=abc&x=1");
    expect(html).not.toContain("<script>x</script>");
  });
});
