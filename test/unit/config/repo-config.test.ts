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
    });
  });

  it.each([
    ["checks: npm test", /checks .*expected array/i],
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
});
