// The `venom` CLI: doctor, jobs and poll as scripts and people use them; setup mode when nothing is configured.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { FakeGitHub } from "../support/fake-github.js";
import { startVenom } from "../support/venom-process.js";
import { WebhookSink } from "../support/webhook-sink.js";

let github: FakeGitHub;

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo("octo/cli", { files: { "README.md": "cli\n" } });
  github.addIssue("octo/cli", { title: "Fix me", labels: ["venom"] });
});
afterAll(async () => {
  await github.stop();
});

async function cli(args: string[], env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text), env, cwd: "/tmp" });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function tokenEnv(extra: Record<string, string> = {}) {
  return {
    GITHUB_TOKEN: github.token,
    GITHUB_REPO_NAME: "octo/cli",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-cli-")),
    LOG_LEVEL: "silent",
    ...extra,
  };
}

describe("venom CLI", () => {
  it("doctor --json reports each integration with secrets masked", async () => {
    const env = tokenEnv({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/SECRETSECRET" });
    const { code, out } = await cli(["doctor", "--json"], env);
    expect(code).toBe(0);
    const { integrations } = JSON.parse(out) as { integrations: Array<Record<string, unknown>> };
    expect(integrations.find((item) => item.name === "github")).toMatchObject({
      configured: true,
      connected: true,
      detail: expect.stringContaining("venom-integrator[bot]"),
    });
    expect(integrations.find((item) => item.name === "discord")).toMatchObject({ configured: false });
    expect(integrations.find((item) => item.name === "slack")).toMatchObject({ configured: true });
    // Which isolation this host offers: bubblewrap here (CI installs it), with its limits.
    expect(integrations.find((item) => item.name === "sandbox")).toMatchObject({
      configured: true,
      detail: expect.stringMatching(/^bubblewrap [\d.]+: process and memory limits by (cgroup|rlimit).*; checks have no network$/),
    });
    expect(out).not.toContain("SECRETSECRET");
    expect(out).not.toContain(github.token);
  });

  it("doctor says 'GitHub not configured' and what to set, and exits 0 when nothing is broken", async () => {
    const { code, out } = await cli(["doctor"], { VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-cli-")), LOG_LEVEL: "silent" });
    expect(code).toBe(0);
    expect(out).toMatch(/github\s+not configured\s+GitHub not configured: set APP_ID/);
  });

  it("doctor reports a rejected token as not connected and exits 1", async () => {
    const { code, out } = await cli(["doctor", "--json"], tokenEnv({ GITHUB_TOKEN: "ghp_wrongwrongwrongwrongwrongwrong1234" }));
    expect(code).toBe(1);
    const github = (JSON.parse(out) as { integrations: Array<Record<string, unknown>> }).integrations[0];
    expect(github).toMatchObject({ name: "github", configured: true, connected: false });
    expect(out).not.toContain("ghp_wrongwrongwrongwrongwrongwrong1234");
  });

  it("poll --once queues the labelled issue and jobs --json lists the job record", async () => {
    const env = tokenEnv();
    const poll = await cli(["poll", "--once", "--json"], env);
    expect(poll.code).toBe(0);
    expect(JSON.parse(poll.out)).toMatchObject({ repos: 1, enqueued: 1 });
    const jobs = await cli(["jobs", "--json"], env);
    const records = JSON.parse(jobs.out) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(
      ["attempts", "createdAt", "id", "issue", "repo", "state", "step", "trigger", "updatedAt"].sort(),
    );
    expect(records[0]).toMatchObject({ repo: "octo/cli", issue: 1, trigger: "poll", state: "queued" });
    const human = await cli(["jobs"], env);
    expect(human.out).toMatch(/octo\/cli#1\s+queued/);
  });

  it("notify sends to the chosen channel, reports a failing webhook, and says when none is configured", async () => {
    const sink = await WebhookSink.start();
    try {
      const env = { SLACK_WEBHOOK_URL: sink.slackUrl(), TEAMS_WEBHOOK_URL: sink.teamsUrl() };
      const sent = await cli(["notify", "Deploy completed", "--channel", "slack", "--json"], env);
      expect(sent.code).toBe(0);
      expect(JSON.parse(sent.out)).toEqual([{ channel: "slack", ok: true }]);
      expect(JSON.stringify(sink.received[0]?.body)).toContain("Deploy completed");
      sink.failNext(500);
      const all = await cli(["notify", "Second"], env);
      expect(all.code).toBe(1);
      // Both channels are sent at once: one got the 500, the other went through.
      expect(all.out.match(/^✗ (slack|teams) .*500/gm)).toHaveLength(1);
      expect(all.out.match(/^✓ (slack|teams)\s+sent/gm)).toHaveLength(1);
      const none = await cli(["notify", "x"], {});
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/Webhook URL not configured/);
    } finally {
      await sink.stop();
    }
  });

  it("a bad variable stops with one line naming it and exit code 2", async () => {
    const { code, err } = await cli(["jobs"], { ISSUE_POLLING_INTERVAL_MINUTES: "0" });
    expect(code).toBe(2);
    expect(err.split("\n")).toHaveLength(1);
    expect(err).toMatch(/^venom: ISSUE_POLLING_INTERVAL_MINUTES must be a whole number from 1/);
  });

  it("serve with no App and no token shows the setup page for registering the App", async () => {
    const venom = await startVenom({
      env: { NO_SMEE_SETUP: "true", VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-cli-")) },
      readyPattern: /Listening on http:\/\/[^:]+:(\d+)/,
    });
    try {
      const page = await fetch(`${venom.url}/probot`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Register GitHub App");
      expect(html).toContain("Venom Integrator");
    } finally {
      await venom.stop();
    }
  });
});
