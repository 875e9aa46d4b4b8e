// The poller over more repositories than one page holds: every repository is polled, every page of every list is a
// conditional request, and an idle cycle costs GitHub's rate limit nothing (`npm run bench:poll` measures 1,000).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { FakeGitHub } from "../support/fake-github.js";
import { testPrivateKey } from "../support/venom-process.js";

const REPOS = 300;
const names = Array.from({ length: REPOS }, (_, index) => `bigorg/repo-${String(index).padStart(4, "0")}`);
let github: FakeGitHub;
let venom: Venom;

beforeAll(async () => {
  github = await FakeGitHub.start();
  github.addRestOnlyRepos(names);
  // The last repositories are on the last page of `GET /installation/repositories` (3 pages of 100).
  github.addIssue(names[REPOS - 1] as string, { title: "Last page", labels: ["venom"] });
  github.addIssue(names[150] as string, { title: "Second page", labels: ["venom"] });
  github.addIssue(names[3] as string, { title: "Not for us", labels: ["bug"] });
  // More triggered issues in one repository than one page of its issue list holds: the oldest are on page 2.
  for (let index = 0; index < 120; index++) github.addIssue(names[7] as string, { title: `Busy ${index}`, labels: ["venom"] });
  const config = readConfig(
    {
      APP_ID: "1",
      PRIVATE_KEY: testPrivateKey(),
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-poll-scale-")),
      ENABLE_ISSUE_POLLING: "true",
    },
    "/tmp",
  );
  venom = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
  await venom.startBackground({ worker: false, poller: false });
});
afterAll(async () => {
  await venom?.stop();
  await github?.stop();
});

function restRequestsSince(index: number) {
  return github.requests.slice(index).filter((request) => request.path.startsWith("/api/v3/"));
}

describe(`polling ${REPOS} repositories`, () => {
  it("reads every page of repositories and finds triggered issues on any of them", async () => {
    const first = await venom.poller.pollOnce();
    expect(first).toMatchObject({ repos: REPOS, failed: 0, enqueued: 122 });
    for (const [repo, issue] of [[names[150], 1], [names[REPOS - 1], 1], [names[7], 1], [names[7], 120]] as const) {
      expect(await venom.queue.latestStatus(repo as string, issue)).toMatchObject({ state: "queued" });
    }
    expect(await venom.queue.latestStatus(names[3] as string, 1)).toBeUndefined();
    const repositoryPages = github.requests.filter((request) => request.path === "/api/v3/installation/repositories");
    expect(repositoryPages.length).toBe(REPOS / 100);
  });

  it("an idle cycle is all 304s: every page asked with If-None-Match, none counted against the rate limit", async () => {
    const mark = github.requests.length;
    const before = github.rateLimitedCount();
    const idle = await venom.poller.pollOnce();
    expect(github.rateLimitedCount() - before).toBe(0);
    expect(idle).toMatchObject({ repos: REPOS, enqueued: 0, failed: 0 });
    expect(idle.notModified).toBe(idle.requests);
    const sent = restRequestsSince(mark);
    // Token creation (POST, JWT) is cached; everything else is a conditional GET answered 304.
    expect(sent.filter((request) => request.method === "GET").every((request) => request.status === 304 && request.ifNoneMatch)).toBe(true);
    // One page of issues per repository (two for the busy one); no venom.yml re-read without a push.
    expect(sent.filter((request) => request.path.endsWith("/issues")).length).toBe(REPOS + 1);
    expect(sent.some((request) => request.path.includes("/contents/"))).toBe(false);
  });

  it("a changed cycle pays only for what changed", async () => {
    github.addIssue(names[REPOS / 2] as string, { title: "New", labels: ["venom"] });
    const before = github.rateLimitedCount();
    const changed = await venom.poller.pollOnce();
    expect(changed).toMatchObject({ enqueued: 1, failed: 0 });
    expect(github.rateLimitedCount() - before).toBe(1);
  });

  it("a repository that cannot be read (removed meanwhile) is counted and skipped; the others are still polled", async () => {
    github.failNext("GET", new RegExp(`/repos/${names[10]}/issues$`), 404);
    github.addIssue(names[20] as string, { title: "Still found", labels: ["venom"] });
    expect(await venom.poller.pollOnce()).toMatchObject({ repos: REPOS, failed: 1, enqueued: 1 });
    expect(await venom.poller.pollOnce()).toMatchObject({ failed: 0, enqueued: 0 });
  });
});
