// The start-up lines' wording for the configurations a process test does not start.
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { describeIsolation, describeStartup } from "../../src/startup-summary.js";
import { testPrivateKey } from "../support/venom-process.js";

describe("describeStartup", () => {
  it("names polling as a trigger, and an App without a webhook secret as unable to start runs", () => {
    const polling = describeStartup(
      readConfig({ GITHUB_TOKEN: "ghp_unitunitunitunitunitunit1234", GITHUB_REPO_NAME: "o/r", ENABLE_ISSUE_POLLING: "true", OPENAI_API_KEY: "sk-unitunitunitunit1234" }, "/tmp"),
      3000,
    );
    expect(polling).toContainEqual({ level: "info", message: `Triggers: label "venom" or assignment to the token's user, by polling every 5 min` });
    expect(polling).toContainEqual({ level: "info", message: "Model: gpt-4o-mini at OpenAI" });

    const app = describeStartup(
      readConfig({ APP_ID: "1", PRIVATE_KEY: testPrivateKey(), HOST: "0.0.0.0" }, "/tmp"),
      8080,
    );
    expect(app).toContainEqual({ level: "warn", message: "Triggers: none; nothing can trigger a run: set WEBHOOK_SECRET (the App's webhook secret) or ENABLE_ISSUE_POLLING=true" });
    expect(app).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^Dashboard: http:\/\/localhost:8080\/venom/) }));
  });

  it("warns when checks cannot run isolated", () => {
    expect(describeIsolation({ mode: "auto", kind: "unavailable", network: false, detail: "checks not run: no isolation available" })).toEqual({
      level: "warn",
      message: "Isolation: checks not run: no isolation available",
    });
  });
});
