// ProjectBoard against the fake GitHub's GraphQL endpoint, through @octokit/graphql as the app's Octokit uses it
// (a GHE REST base URL `…/api/v3` → GraphQL at `…/api/graphql`).
import { graphql } from "@octokit/graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProjectBoard, type GraphqlCall } from "../../../src/github/project-board.js";
import { FakeGitHub } from "../../support/fake-github.js";

let github: FakeGitHub;
let call: GraphqlCall;
const repo = "octo-org/app";

beforeAll(async () => {
  github = await FakeGitHub.start();
  await github.createRepo(repo);
  const client = graphql.defaults({ baseUrl: github.apiUrl, headers: { authorization: `token ${github.token}` } });
  call = (query, variables) => client(query, variables);
});

afterAll(async () => github.stop());

describe("ProjectBoard", () => {
  it("adds the issue once, resolves names once, and sets the option by name (case-insensitive)", async () => {
    const project = github.projects.addProject({ owner: "octo-org", number: 1 });
    const issue = github.addIssue(repo, { title: "t", body: "" });
    const board = new ProjectBoard(call, { owner: "octo-org", number: 1, field: "status" });
    const before = github.projects.requests.length;
    expect(await board.moveIssue(repo, issue.number, "in progress")).toBeUndefined();
    expect(await board.moveIssue(repo, issue.number, "In review")).toBeUndefined();
    expect(github.projects.statusHistory(project, repo, issue.number)).toEqual(["In progress", "In review"]);
    expect(github.projects.requests.slice(before).map((request) => request.operation)).toEqual([
      "VenomOrganizationProject",
      "VenomIssueItems",
      "VenomAddItem",
      "VenomSetField",
      "VenomSetField",
    ]);
  });

  it("finds an item the issue already has instead of adding another", async () => {
    const project = github.projects.addProject({ owner: "octo-org", number: 2 });
    const issue = github.addIssue(repo, { title: "t", body: "" });
    await new ProjectBoard(call, { owner: "octo-org", number: 2, field: "Status" }).moveIssue(repo, issue.number, "Todo");
    const before = github.projects.requests.length;
    expect(await new ProjectBoard(call, { owner: "octo-org", number: 2, field: "Status" }).moveIssue(repo, issue.number, "Done")).toBeUndefined();
    expect(github.projects.requests.slice(before).map((request) => request.operation)).not.toContain("VenomAddItem");
    expect(project.items).toHaveLength(1);
  });

  it("falls back to a user's project when the owner is not an organisation", async () => {
    const project = github.projects.addProject({ owner: "alice", number: 7, ownerType: "User" });
    const issue = github.addIssue(repo, { title: "t", body: "" });
    expect(await new ProjectBoard(call, { owner: "alice", number: 7, field: "Status" }).moveIssue(repo, issue.number, "Done")).toBeUndefined();
    expect(github.projects.statusHistory(project, repo, issue.number)).toEqual(["Done"]);
  });

  it("answers a line, never throws, for a missing project, field or option, and for GraphQL refusals", async () => {
    github.projects.addProject({ owner: "octo-org", number: 3, field: "Stage", options: ["Doing"] });
    const issue = github.addIssue(repo, { title: "t", body: "" });
    expect(await new ProjectBoard(call, { owner: "octo-org", number: 99, field: "Status" }).moveIssue(repo, issue.number, "Done")).toMatch(
      /^Project: no project 99 found for octo-org \(Could not resolve to a ProjectV2 with the number 99\.\)/,
    );
    expect(await new ProjectBoard(call, { owner: "ghost", number: 1, field: "Status" }).moveIssue(repo, issue.number, "Done")).toMatch(/^Project: no project 1 found for ghost/);
    expect(await new ProjectBoard(call, { owner: "octo-org", number: 3, field: "Status" }).moveIssue(repo, issue.number, "Done")).toMatch(
      /has no single-select field "Status"; check `project.field`/,
    );
    expect(await new ProjectBoard(call, { owner: "octo-org", number: 3, field: "Stage" }).moveIssue(repo, issue.number, "Done")).toMatch(
      /has no "Done" option in field "Stage" \(options: doing\)/,
    );
    const refusing: GraphqlCall = () => Promise.reject(Object.assign(new Error("Resource not accessible by integration"), { errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration" }] }));
    expect(await new ProjectBoard(refusing, { owner: "octo-org", number: 1, field: "Status" }).moveIssue(repo, issue.number, "Done")).toBe(
      'Project: could not set "Status" to "Done" on project octo-org#1: Resource not accessible by integration.',
    );
    const forbidden: GraphqlCall = () => Promise.reject(Object.assign(new Error("Forbidden"), { status: 403 }));
    expect(await new ProjectBoard(forbidden, { owner: "octo-org", number: 1, field: "Status" }).moveIssue(repo, issue.number, "Done")).toContain("Projects");
  });
});
