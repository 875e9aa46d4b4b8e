// GitHubIssue.comments reads every page: on a long thread the newest comments and the status comment come last.
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubIssue } from "../../../src/pipeline/github-issue.js";
import { STATUS_MARKER } from "../../../src/pipeline/status-comment.js";

const api = "https://api.github.com";
const path = "/repos/octo/long/issues/7/comments";

const comment = (id: number, body: string, login = "octocat", type = "User") => ({
  id,
  body,
  user: { login, type },
  author_association: "MEMBER",
});

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("GitHubIssue.comments", () => {
  it("follows Link rel=next past the first 100: the latest word and the status comment are found", async () => {
    const firstPage = Array.from({ length: 100 }, (_, index) => comment(index + 1, `comment ${index + 1}`));
    const secondPage = [
      comment(101, `${STATUS_MARKER}\nstatus`, "venom-integrator[bot]", "Bot"),
      comment(102, "Maintainer: use the v2 API instead"),
    ];
    const scope = nock(api)
      .get(path)
      .query({ per_page: "100" })
      .reply(200, firstPage, { link: `<${api}${path}?per_page=100&page=2>; rel="next", <${api}${path}?per_page=100&page=2>; rel="last"` })
      .get(path)
      .query({ per_page: "100", page: "2" })
      .reply(200, secondPage, { link: `<${api}${path}?per_page=100&page=1>; rel="first"` });
    const probot = new Probot({ githubToken: "ghp_test", log: pino({ level: "silent" }) });
    const issue = new GitHubIssue(await probot.auth(), "octo/long", 7);

    const comments = await issue.comments();
    expect(comments).toHaveLength(102);
    expect(comments.at(-1)?.body).toBe("Maintainer: use the v2 API instead");
    expect(GitHubIssue.findStatusComment(comments, "venom-integrator[bot]")?.id).toBe(101);
    expect(scope.isDone()).toBe(true);
  });
});
