// The polling fallback against a fake GitHub that honours ETags: an idle cycle costs no rate limit.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { FakeGitHub } from "../support/fake-github.js";
import { testPrivateKey } from "../support/venom-process.js";
import { PassThrough } from "node:stream";

let github: FakeGitHub;

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo("octo/alpha", { files: { "README.md": "alpha\n" } });
  await github.createRepo("octo/beta", { files: { "README.md": "beta\n" } });
});
afterAll(async () => {
  await github.stop();
});

async function venomWith(env: Record<string, string>): Promise<Venom> {
  const config = readConfig(
    {
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-poll-")),
      ENABLE_ISSUE_POLLING: "true",
      ...env,
    },
    "/tmp",
  );
  const log = await createLogger({ level: "warn", destination: new PassThrough() });
  return createVenom({ config, log });
}

describe("issue poller", () => {
  it("token mode: finds labelled and assigned issues, skips PRs and others, and an idle cycle is free", async () => {
    github.addIssue("octo/alpha", { title: "Crash on start", labels: ["venom"] });
    github.addIssue("octo/alpha", { title: "Unrelated", labels: ["bug"] });
    github.addIssue("octo/alpha", { title: "Assigned", assignees: ["venom-integrator[bot]"] });
    const venom = await venomWith({ GITHUB_TOKEN: github.token, GITHUB_REPO_NAME: "octo/alpha" });
    await venom.startBackground({ worker: false, poller: false });

    const first = await venom.poller.pollOnce();
    expect(first).toMatchObject({ repos: 1, issuesSeen: 2, enqueued: 2 });
    const jobs = await venom.queue.list();
    expect(jobs.map((job) => [job.issue, job.trigger]).sort()).toEqual([
      [1, "poll"],
      [3, "poll"],
    ]);

    const before = github.rateLimitedCount();
    const idle = await venom.poller.pollOnce();
    expect(github.rateLimitedCount() - before).toBe(0);
    expect(idle).toMatchObject({ enqueued: 0, notModified: idle.requests });

    // A new triggered issue changes the ETag: found on the next cycle, queued once.
    github.addIssue("octo/alpha", { title: "New one", labels: ["venom"] });
    expect(await venom.poller.pollOnce()).toMatchObject({ enqueued: 1 });
    expect(await venom.poller.pollOnce()).toMatchObject({ enqueued: 0 });
    await venom.stop();
  });

  it("App mode: polls every installation's repositories; an idle cycle spends 0 rate-limited requests", async () => {
    github.addIssue("octo/beta", { title: "Beta bug", labels: ["Venom"] });
    const venom = await venomWith({ APP_ID: "1", PRIVATE_KEY: testPrivateKey() });
    await venom.startBackground({ worker: false, poller: false });
    const first = await venom.poller.pollOnce();
    expect(first.repos).toBe(2);
    const jobs = await venom.queue.list();
    expect(jobs.some((job) => job.repo === "octo/beta" && job.installationId === 1)).toBe(true);

    const before = github.rateLimitedCount();
    const idle = await venom.poller.pollOnce();
    expect(github.rateLimitedCount() - before).toBe(0);
    expect(idle.enqueued).toBe(0);
    expect(idle.notModified).toBe(idle.requests);
    await venom.stop();
  });

  it("a repository's own `label:` from .github/venom.yml triggers polled issues in that repository only", async () => {
    await github.createRepo("octo/own", { files: { ".github/venom.yml": "label: fix-me\n" } });
    const own = github.addIssue("octo/own", { title: "Own label", labels: ["fix-me"] });
    const elsewhere = github.addIssue("octo/alpha", { title: "Not alpha's label", labels: ["fix-me"] });
    const venom = await venomWith({ APP_ID: "1", PRIVATE_KEY: testPrivateKey() });
    await venom.startBackground({ worker: false, poller: false });
    await venom.poller.pollOnce();
    expect(await venom.queue.latestStatus("octo/own", own.number)).toMatchObject({ state: "queued" });
    expect(await venom.queue.latestStatus("octo/alpha", elsewhere.number)).toBeUndefined();

    // Idle: all 304s, and venom.yml is not read again until the repository's pushed_at moves.
    const mark = github.requests.length;
    const before = github.rateLimitedCount();
    const idle = await venom.poller.pollOnce();
    expect(github.rateLimitedCount() - before).toBe(0);
    expect(idle.notModified).toBe(idle.requests);
    expect(github.requests.slice(mark).some((request) => request.path.includes("/contents/"))).toBe(false);

    const again = github.addIssue("octo/own", { title: "Labelled later", labels: ["Fix-Me"] });
    expect(await venom.poller.pollOnce()).toMatchObject({ enqueued: 1 });
    expect(await venom.queue.latestStatus("octo/own", again.number)).toMatchObject({ state: "queued" });
    await venom.stop();

    // Token mode reads the same file for GITHUB_REPO_NAME.
    const tokenMode = await venomWith({ GITHUB_TOKEN: github.token, GITHUB_REPO_NAME: "octo/own" });
    await tokenMode.startBackground({ worker: false, poller: false });
    expect(await tokenMode.poller.pollOnce()).toMatchObject({ repos: 1, enqueued: 2 });
    await tokenMode.stop();
  });
});
