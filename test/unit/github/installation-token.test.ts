// Installation tokens: renewed before use when close to expiry, and once more after a 401, for git and REST alike.
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GitHubClients } from "../../../src/github/clients.js";
import { withInstallationTokenRefresh } from "../../../src/github/installation-token.js";
import { testPrivateKey } from "../../support/venom-process.js";

const api = "https://api.github.com";
const log = pino({ level: "silent" });
const privateKey = testPrivateKey();

function appProbot(baseUrl = api): Probot {
  return new Probot({ appId: 1, privateKey, log, baseUrl, Octokit: withInstallationTokenRefresh(ProbotOctokit, { log }) });
}

function clients(probot: Probot, apiBaseUrl = api): GitHubClients {
  return new GitHubClients(probot, { mode: "app", apiBaseUrl, webBaseUrl: apiBaseUrl.replace(/\/api\/v3$/, ""), enterprise: apiBaseUrl !== api });
}

/** Answers the next access-token request with `token`, expiring `lifetimeMs` from now. */
function issues(token: string, lifetimeMs: number, host = api): nock.Scope {
  return nock(host)
    .post("/app/installations/1/access_tokens")
    .reply(201, { token, expires_at: new Date(Date.now() + lifetimeMs).toISOString(), permissions: {}, repository_selection: "all" });
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  vi.useRealTimers();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("installation tokens", () => {
  it("gitToken renews a token with minutes left, then serves the renewed one from the cache", async () => {
    const github = clients(appProbot());
    const first = issues("ghs_almostexpired", 2 * 60_000);
    const second = issues("ghs_renewed", 60 * 60_000);
    expect(await github.gitToken(1)).toBe("ghs_renewed");
    expect(await github.gitToken(1)).toBe("ghs_renewed");
    expect(first.isDone() && second.isDone()).toBe(true);
  });

  it("on GitHub Enterprise the new token comes from the Enterprise host, not api.github.com", async () => {
    const enterprise = "https://ghe.example.com/api/v3";
    const github = clients(appProbot(enterprise), enterprise);
    const first = issues("ghs_enterprise_one", 60 * 60_000, enterprise);
    const second = issues("ghs_enterprise_two", 60 * 60_000, enterprise);
    expect(await github.gitToken(1)).toBe("ghs_enterprise_one");
    expect(await github.gitToken(1, { refresh: true })).toBe("ghs_enterprise_two");
    expect(first.isDone() && second.isDone()).toBe(true);
  });

  it("gitToken with refresh fetches a new token even when the cached one looks fresh", async () => {
    const github = clients(appProbot());
    issues("ghs_refused", 60 * 60_000);
    issues("ghs_replacement", 60 * 60_000);
    expect(await github.gitToken(1)).toBe("ghs_refused");
    expect(await github.gitToken(1, { refresh: true })).toBe("ghs_replacement");
  });

  it("REST calls carry the renewed token once the cached one nears its end", async () => {
    const octokit = await appProbot().auth(1);
    issues("ghs_almostexpired", 60_000);
    issues("ghs_renewed", 60 * 60_000);
    const read = nock(api).get("/repos/octo/calc/issues/1").matchHeader("authorization", "token ghs_renewed").reply(200, { number: 1 });
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { owner: "octo", repo: "calc", issue_number: 1 });
    expect(data).toMatchObject({ number: 1 });
    expect(read.isDone()).toBe(true);
  });

  it("a REST call refused with 401 (token expired or revoked) is sent once more with a new token", async () => {
    // Only Date is faked: auth-app retries a 401 with the same token for 5 s after creating it (replication delay).
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const octokit = await appProbot().auth(1);
    issues("ghs_revoked", 60 * 60_000);
    issues("ghs_replacement", 60 * 60_000);
    const refused = nock(api).get("/repos/octo/calc/issues/1").matchHeader("authorization", "token ghs_revoked").reply(401, { message: "Bad credentials" });
    const read = nock(api).get("/repos/octo/calc/issues/1").matchHeader("authorization", "token ghs_replacement").reply(200, { number: 1 });
    const request = () => octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { owner: "octo", repo: "calc", issue_number: 1 });

    // The first token is fetched and cached; a minute later GitHub refuses it.
    await octokit.auth({ type: "installation" });
    vi.setSystemTime(Date.now() + 60_000);
    const { data } = await request();
    expect(data).toMatchObject({ number: 1 });
    expect(refused.isDone() && read.isDone()).toBe(true);
  });

  it("a second 401 in a row is GitHub's answer: the error reaches the caller", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const octokit = await appProbot().auth(1);
    const tokens = issues("ghs_one", 60 * 60_000);
    issues("ghs_two", 60 * 60_000);
    await octokit.auth({ type: "installation" });
    vi.setSystemTime(Date.now() + 60_000);
    // The old token once; the new one twice, as auth-app re-sends a token it has just created once (1 s later) for
    // GitHub's replication delay. Each refusal comes a minute later, so that is all it re-sends.
    const refusals = nock(api)
      .get("/repos/octo/calc")
      .times(3)
      .reply(() => {
        vi.setSystemTime(Date.now() + 60_000);
        return [401, { message: "Bad credentials" }];
      });
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "octo", repo: "calc" })).rejects.toMatchObject({ status: 401 });
    expect(refusals.isDone() && tokens.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
