// Text from strangers cannot drive the terminal the CLI prints to.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { stripTerminalEscapes } from "../../src/terminal-text.js";
import { ProviderServer } from "../fixtures/provider-server.js";

const ESC = "\x1b";
const BEL = "\x07";

describe("stripTerminalEscapes", () => {
  it.each([
    ["colour (CSI SGR)", `${ESC}[31;1mred${ESC}[0m`, "red"],
    ["cursor up and erase line (CSI)", `done${ESC}[1A${ESC}[2K`, "done"],
    ["private mode (CSI ?)", `${ESC}[?1049hscreen`, "screen"],
    ["window title (OSC, BEL)", `${ESC}]0;pwned${BEL}title`, "title"],
    ["clipboard write (OSC 52, ST)", `${ESC}]52;c;Y3VybCBldmlsfHNo${ESC}\\copy`, "copy"],
    ["hidden link target (OSC 8)", `${ESC}]8;;https://evil.example${ESC}\\docs${ESC}]8;;${ESC}\\`, "docs"],
    ["device control string (DCS)", `${ESC}Pq#0;2;0;0;0${ESC}\\sixel`, "sixel"],
    ["unterminated OSC", `safe${ESC}]0;never ends`, "safe"],
    ["8-bit CSI (C1)", "\x9b31mred", "red"],
    ["8-bit OSC (C1)", "\x9d0;title\x9cshown", "shown"],
    ["charset switch and reset", `${ESC}(0${ESC}cplain`, "plain"],
    ["carriage return and backspace overwrites", "rm -rf /\rls\b\b", "rm -rf /ls"],
    ["a lone ESC at the end", `end${ESC}`, "end"],
  ])("removes %s", (_name, input, expected) => {
    expect(stripTerminalEscapes(input)).toBe(expected);
  });

  it("keeps text, tabs, newlines and non-ASCII as they are", () => {
    const text = "Résumé\tof [results]\n— 🐍 ~/path (a|b) 100%\n";
    expect(stripTerminalEscapes(text)).toBe(text);
    expect(stripTerminalEscapes("line one\r\nline two")).toBe("line one\nline two");
  });

  it("stays linear on long runs of escape introducers", () => {
    const hostile = `${ESC}[`.repeat(50_000) + `${ESC}]`.repeat(50_000) + "\x9b0".repeat(50_000);
    expect(stripTerminalEscapes(hostile)).toBe("");
  });
});

describe("the CLI prints search results without their escape sequences", () => {
  let provider: ProviderServer;
  beforeAll(async () => {
    provider = await ProviderServer.start();
  });
  afterAll(async () => {
    await provider.stop();
  });

  it("venom search", async () => {
    provider.on("POST", "/search", () => ({
      body: {
        query: "q",
        answer: `Use nock.${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`,
        results: [
          { title: `Mocking ${ESC}[2J${ESC}[Hguide`, url: "https://vitest.dev/guide/mocking", content: `snippet${ESC}]0;owned${BEL} text`, score: 0.9, raw_content: null },
        ],
        response_time: 0.1,
      },
    }));
    const out: string[] = [];
    const dataDir = mkdtempSync(path.join(tmpdir(), "venom-terminal-"));
    const code = await runCli(["search", "mock", "fetch"], {
      out: (text) => out.push(text),
      err: (text) => out.push(text),
      env: { VENOM_DATA_DIR: dataDir, LOG_LEVEL: "silent", TAVILY_API_KEY: "tvly-test-0123456789abcdef", TAVILY_BASE_URL: provider.origin },
      cwd: dataDir,
    });
    const printed = out.join("\n");
    expect(code).toBe(0);
    expect(printed).toContain("Mocking guide");
    expect(printed).toContain("snippet text");
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(printed).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
