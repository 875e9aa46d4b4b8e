// Every REST request the app sends GitHub carries `X-GitHub-Api-Version: 2022-11-28`: the App's JWT calls, token
// creation, the event Octokit of a webhook, the poller, and the skills.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { GITHUB_API_VERSION } from "../../src/github/api-version.js";
import { createLogger } from "../../src/log.js";
import { createVenom } from "../../src/venom.js";
import { example, type Payload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor } from "../support/venom-process.js";

const secret = "api-version-test-secret";
const repo = "Codertocat/Hello-World";
let github: FakeGitHub;

beforeAll(async () => {
  github = await FakeGitHub.start();
  github.addRestOnlyRepos([repo]);
  github.addIssue(repo, { title: "Polled", labels: ["venom"] });
  github.addComment(repo, 1, "a comment the skills read");
  github.setPermission(repo, "maintainer", "maintain");
});
afterAll(async () => {
  await github.stop();
});

function slashComment(): Payload {
  const payload = example("issue_comment", "created");
  payload.comment = { ...payload.comment!, body: "/venom fix", user: { ...payload.comment!.user, login: "maintainer", type: "User" } };
  payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
  payload.issue = { ...payload.issue, number: 1, state: "open" };
  delete payload.issue.pull_request;
  return payload;
}

describe("X-GitHub-Api-Version", () => {
  it("is on every request kind: App JWT, token creation, webhook event Octokit, poller, skills", async () => {
    const venom = await startVenom({
      env: {
        APP_ID: "1",
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: secret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-api-version-")),
        ENABLE_ISSUE_POLLING: "true",
      },
      script: "test/support/harness-server.ts",
      args: [],
    });
    try {
      expect((await deliver(venom.url, "issue_comment", slashComment(), { secret })).status).toBe(202);
      await waitFor(() => github.requests.some((request) => request.path.endsWith("/collaborators/maintainer/permission")), 15_000, "the permission check");
      await waitFor(() => github.requests.some((request) => request.path === `/api/v3/repos/${repo}/issues`), 15_000, "the first poll");
    } finally {
      await venom.stop();
    }

    // Token mode, in-process: the skills' Octokit.
    const config = readConfig(
      {
        GITHUB_TOKEN: github.token,
        GITHUB_REPO_NAME: repo,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-api-version-")),
      },
      "/tmp",
    );
    const inProcess = await createVenom({ config, log: await createLogger({ level: "warn", destination: new PassThrough() }) });
    try {
      expect((await inProcess.skills.platform.getIssueDetails(1)).comments).toHaveLength(1);
    } finally {
      await inProcess.stop();
    }

    const rest = github.requests.filter((request) => request.path.startsWith("/api/v3/"));
    const kinds = new Set(rest.map((request) => `${request.method} ${request.path.replace(/\/\d+(?=\/|$)/g, "/:n")}`));
    for (const kind of [
      "GET /api/v3/app/installations",
      "POST /api/v3/app/installations/:n/access_tokens",
      "GET /api/v3/installation/repositories",
      `GET /api/v3/repos/${repo}/collaborators/maintainer/permission`,
      `GET /api/v3/repos/${repo}/issues`,
      `GET /api/v3/repos/${repo}/issues/:n/comments`,
    ]) {
      expect(kinds).toContain(kind);
    }
    const without = rest.filter((request) => request.apiVersion !== GITHUB_API_VERSION).map((request) => `${request.method} ${request.url}`);
    expect(without).toEqual([]);
  });
});
