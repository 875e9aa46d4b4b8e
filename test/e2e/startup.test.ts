// What `venom serve` tells the operator at start-up: GitHub mode, model, triggers, dashboard, isolation.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

/** The message of each JSON log line, with its level. */
function messages(venom: VenomProcess): Array<{ level: string; msg: string }> {
  return venom.output.flatMap((line) => {
    try {
      const record = JSON.parse(line) as { level?: unknown; msg?: unknown };
      return typeof record.msg === "string" ? [{ level: String(record.level), msg: record.msg }] : [];
    } catch {
      return [];
    }
  });
}

const dataDir = () => mkdtempSync(path.join(tmpdir(), "venom-startup-"));

describe("venom serve start-up", () => {
  it("says what is configured and what is not, where the dashboard is, and the isolation once known", async () => {
    const [token, app] = await Promise.all([
      // Token mode, no model, no polling, no webhook secret: nothing can run.
      startVenom({
        env: {
          GITHUB_TOKEN: "ghp_startupstartupstartupstartup1234",
          GITHUB_REPO_NAME: "octo/start",
          VENOM_SANDBOX: "none",
          VENOM_DATA_DIR: dataDir(),
        },
      }),
      // App mode with a model and a webhook secret: runs can start.
      startVenom({
        env: {
          APP_ID: "12345",
          PRIVATE_KEY: testPrivateKey(),
          WEBHOOK_SECRET: "startup-secret",
          GHE_HOST: "127.0.0.1:9",
          GHE_PROTOCOL: "http",
          OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
          VENOM_MODEL: "qwen2.5-coder",
          VENOM_DASHBOARD_TOKEN: "startup-dashboard-token",
          VENOM_SANDBOX: "none",
          VENOM_DATA_DIR: dataDir(),
        },
      }),
    ]);
    try {
      await waitFor(() => messages(token).some((line) => line.msg.startsWith("Isolation:")), 15_000, "the isolation line (token)");
      await waitFor(() => messages(app).some((line) => line.msg.startsWith("Isolation:")), 15_000, "the isolation line (app)");

      const tokenLines = messages(token);
      expect(tokenLines).toEqual(
        expect.arrayContaining([
          { level: "info", msg: "GitHub: token mode for octo/start" },
          { level: "warn", msg: "Model: not configured; no run can succeed: set OPENAI_API_KEY or OPENAI_BASE_URL" },
          { level: "warn", msg: "Triggers: none; nothing can trigger a run: set ENABLE_ISSUE_POLLING=true" },
          {
            level: "info",
            msg: `Dashboard: http://localhost:${token.port}/venom (this machine only; set VENOM_DASHBOARD_TOKEN to open it to others)`,
          },
          { level: "warn", msg: expect.stringMatching(/^Isolation: VENOM_SANDBOX=none: checks run on this host without isolation/) },
        ]),
      );
      // Resolved in the background: said after the server listens, never before.
      const listening = tokenLines.findIndex((line) => line.msg.startsWith("Listening on"));
      const isolation = tokenLines.findIndex((line) => line.msg.startsWith("Isolation:"));
      expect(listening).toBeGreaterThanOrEqual(0);
      expect(isolation).toBeGreaterThan(listening);
      expect(token.output.join("\n")).not.toContain("ghp_startupstartupstartupstartup1234");

      expect(messages(app)).toEqual(
        expect.arrayContaining([
          { level: "info", msg: "GitHub: App 12345 on http://127.0.0.1:9/api/v3" },
          { level: "info", msg: "Model: qwen2.5-coder at http://127.0.0.1:9/v1" },
          { level: "info", msg: 'Triggers: label "venom", by webhooks at /api/github/webhooks' },
          { level: "info", msg: `Dashboard: http://localhost:${app.port}/venom (sign in with VENOM_DASHBOARD_TOKEN)` },
        ]),
      );
      expect(messages(app).filter((line) => line.level === "warn" && /^(GitHub|Model|Triggers|Dashboard):/.test(line.msg))).toEqual([]);
    } finally {
      await Promise.all([token.stop(), app.stop()]);
    }
  });
});
