import { describe, expect, it } from "vitest";
import { readConfig } from "../../../src/config/env.js";
import { ConfigError } from "../../../src/errors.js";

const cwd = "/tmp";

describe("readConfig", () => {
  it("gives defaults with an empty environment: nothing configured, nothing crashes", () => {
    const config = readConfig({}, cwd);
    expect(config.github.mode).toBe("none");
    expect(config.github.apiBaseUrl).toBe("https://api.github.com");
    expect(config.server.port).toBe(3000);
    expect(config.triggerLabel).toBe("venom");
    expect(config.workers).toBe(1);
    expect(config.dataDir).toBe("/tmp/data");
    expect(config.polling).toEqual({ enabled: false, intervalMinutes: 5 });
    expect(config.integrations.calendar.calendarId).toBe("venom_work_calendar");
  });

  it("selects token mode and GitHub Enterprise URLs", () => {
    const config = readConfig(
      { GITHUB_TOKEN: "ghp_x", GITHUB_REPO_NAME: "octo/repo", GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" },
      cwd,
    );
    expect(config.github.mode).toBe("token");
    expect(config.github.repo).toBe("octo/repo");
    expect(config.github.apiBaseUrl).toBe("http://127.0.0.1:8080/api/v3");
    expect(config.github.webBaseUrl).toBe("http://127.0.0.1:8080");
    expect(config.secrets).toContain("ghp_x");
  });

  it("reads VENOM_ASSIGNEE, the login whose assignment starts a run; unset by default", () => {
    expect(readConfig({ VENOM_ASSIGNEE: " venom-helper " }, cwd).github.assignee).toBe("venom-helper");
    expect(readConfig({}, cwd).github.assignee).toBeUndefined();
  });

  it.each([
    [{ PORT: "70000" }, /^PORT must be a whole number/],
    [{ ISSUE_POLLING_INTERVAL_MINUTES: "0" }, /^ISSUE_POLLING_INTERVAL_MINUTES must be a whole number from 1/],
    [{ ENABLE_ISSUE_POLLING: "maybe" }, /^ENABLE_ISSUE_POLLING must be true or false/],
    [{ GHE_PROTOCOL: "ftp" }, /^GHE_PROTOCOL must be one of http, https, got "ftp"/],
    [{ GHE_HOST: "https://github.example.com" }, /^GHE_HOST must be a host name/],
    [{ DISCORD_WEBHOOK_URL: "not a url" }, /^DISCORD_WEBHOOK_URL must be an absolute http\(s\) URL/],
    [{ GITHUB_REPO_NAME: "no-slash" }, /^GITHUB_REPO_NAME must have the form "owner\/repository"/],
    [{ VENOM_ASSIGNEE: "@octocat" }, /^VENOM_ASSIGNEE must be one GitHub login without "@"/],
    [{ GITHUB_TOKEN: "ghp_x" }, /^GITHUB_REPO_NAME is missing while GITHUB_TOKEN is set/],
    [{ APP_ID: "12" }, /^PRIVATE_KEY is missing while APP_ID is set/],
    [{ APP_ID: "abc" }, /^APP_ID must be the numeric App ID/],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL must be one of/],
    [{ VENOM_WORKERS: "two" }, /^VENOM_WORKERS must be a whole number/],
    [{ VENOM_DASHBOARD_TOKEN: "short" }, /^VENOM_DASHBOARD_TOKEN must be at least 16 characters/],
    [{ REDIS_URL: "http://x" }, /^REDIS_URL must be a redis:\/\//],
    [{ PRIVATE_KEY_PATH: "/nonexistent/key.pem", APP_ID: "1" }, /^PRIVATE_KEY_PATH points to/],
  ])("refuses %j with one line naming the variable", (env, message) => {
    let error: unknown;
    try {
      readConfig(env, cwd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("collects every secret for masking, including a password inside REDIS_URL", () => {
    const config = readConfig(
      {
        GITHUB_TOKEN: "ghp_token",
        GITHUB_REPO_NAME: "o/r",
        OPENAI_API_KEY: "sk-key",
        REDIS_URL: "redis://:p%40ss@localhost:6379",
        SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/C",
      },
      cwd,
    );
    expect(config.secrets).toEqual(expect.arrayContaining(["ghp_token", "sk-key", "p@ss", "https://hooks.slack.com/services/T/B/C"]));
  });
});
