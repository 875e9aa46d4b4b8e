import { describe, expect, it } from "vitest";
import { DEFAULT_PROTECTED_PATHS, defaultRepoConfig, parseRepoConfig } from "../../../src/config/repo-config.js";

describe("parseRepoConfig", () => {
  it("has defaults when the file is absent or empty", () => {
    const config = defaultRepoConfig();
    expect(config).toMatchObject({
      branchPrefix: "issue-",
      checks: [],
      setup: [],
      protectedPaths: [...DEFAULT_PROTECTED_PATHS],
      maxIterations: 30,
      draftOnFailure: true,
      requirePlanApproval: false,
      maxCiRounds: 2,
    });
    // CI runs what these files say on the app's branch: the model may touch none of them.
    expect(config.protectedPaths).toEqual(
      expect.arrayContaining([".git/**", ".github/**", ".gitlab-ci.yml", ".circleci/**", "Jenkinsfile", "azure-pipelines.yml", ".travis.yml", "bitbucket-pipelines.yml"]),
    );
    expect(parseRepoConfig("")).toEqual(config);
    expect(parseRepoConfig("# only a comment\n")).toEqual(config);
  });

  it("reads every key and keeps the default protected paths", () => {
    const config = parseRepoConfig(`
label: fix-me
branch_prefix: venom/issue-
base: develop
checks: [npm test, npm run lint]
setup:
  - npm ci
protected_paths: ["secrets/**"]
max_iterations: 12
max_tokens: 50000
draft_on_failure: false
model: gpt-4o
require_plan_approval: true
max_ci_rounds: 0
`);
    expect(config).toEqual({
      label: "fix-me",
      branchPrefix: "venom/issue-",
      base: "develop",
      checks: ["npm test", "npm run lint"],
      setup: ["npm ci"],
      protectedPaths: [...DEFAULT_PROTECTED_PATHS, "secrets/**"],
      maxIterations: 12,
      maxTokens: 50000,
      draftOnFailure: false,
      model: "gpt-4o",
      requirePlanApproval: true,
      maxCiRounds: 0,
      ciChecks: false,
      ciTimeoutMinutes: 30,
      dispatchAfterPr: [],
    });
  });

  it.each([
    ["checks: npm test", /checks expected a list of commands, or "ci"/],
    ["max_iterations: 0", /max_iterations .*>=1|max_iterations .*too small/i],
    ["colour: red", /unknown key\(s\) colour/],
    ["checks: [", /not valid YAML/],
    ["branch_prefix: 'a b'", /branch_prefix may use letters/],
    ["max_ci_rounds: 11", /max_ci_rounds .*<=10|max_ci_rounds .*too big/i],
    ["max_ci_rounds: 1.5", /max_ci_rounds .*integer|max_ci_rounds .*expected int/i],
  ])("refuses %j with one line naming the key", (text, message) => {
    expect(() => parseRepoConfig(text)).toThrow(message);
    try {
      parseRepoConfig(text);
    } catch (error) {
      expect((error as Error).message).toMatch(/^\.github\/venom\.yml/);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("reads project (with its defaults) and dispatch_after_pr; both are off by default", () => {
    expect(defaultRepoConfig().project).toBeUndefined();
    expect(defaultRepoConfig().dispatchAfterPr).toEqual([]);
    expect(parseRepoConfig("project:\n  owner: octo-org\n  number: 5\n").project).toEqual({
      owner: "octo-org",
      number: 5,
      field: "Status",
      values: { running: "In progress", review: "In review", done: "Done", failed: "Blocked" },
    });
    const custom = parseRepoConfig("project: {owner: me, number: 1, field: Stage, values: {review: Reviewing}}\ndispatch_after_pr: [lint.yml, e2e.yaml]\n");
    expect(custom.project).toMatchObject({ field: "Stage", values: { running: "In progress", review: "Reviewing", done: "Done", failed: "Blocked" } });
    expect(custom.dispatchAfterPr).toEqual(["lint.yml", "e2e.yaml"]);
  });

  it("names the key of a bad project or workflow value in one line", () => {
    expect(() => parseRepoConfig("project: {owner: octo-org}\n")).toThrow(/^\.github\/venom\.yml: project\.number /);
    expect(() => parseRepoConfig("project: {owner: octo-org, number: 0}\n")).toThrow(/project\.number/);
    expect(() => parseRepoConfig("project: {owner: octo-org, number: 1, values: {merged: X}}\n")).toThrow(/project\.values unknown key\(s\) merged/);
    expect(() => parseRepoConfig("dispatch_after_pr: [.github/workflows/ci.yml]\n")).toThrow(/dispatch_after_pr\.0 must be a workflow file name/);
  });

  it('reads "checks: ci" (no local commands; CI decides) and ci_timeout_minutes', () => {
    expect(parseRepoConfig("checks: ci\n")).toMatchObject({ checks: [], ciChecks: true, ciTimeoutMinutes: 30 });
    expect(parseRepoConfig("checks: ci\nci_timeout_minutes: 45\n")).toMatchObject({ ciChecks: true, ciTimeoutMinutes: 45 });
    expect(parseRepoConfig("checks: [npm test]\n")).toMatchObject({ checks: ["npm test"], ciChecks: false });
    expect(() => parseRepoConfig("ci_timeout_minutes: 0\n")).toThrow(/ci_timeout_minutes/);
  });
});
