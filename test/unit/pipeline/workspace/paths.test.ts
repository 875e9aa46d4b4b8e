import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROTECTED_PATHS, resolveSafePath } from "../../../../src/pipeline/workspace/paths.js";
import { removeDirectories, temporaryDirectory, writeFiles } from "../git-fixture.js";

let root: string;
let outside: string;

beforeAll(() => {
  root = temporaryDirectory();
  outside = temporaryDirectory("venom-outside-");
  writeFiles(root, {
    "src/index.ts": "export {};\n",
    ".git/hooks/pre-commit": "#!/bin/sh\n",
    ".github/workflows/ci.yml": "on: push\n",
    ".github/venom.yml": "checks: []\n",
  });
  writeFileSync(path.join(outside, "secret.txt"), "secret\n");
  symlinkSync(path.join(outside, "secret.txt"), path.join(root, "link-out"));
  symlinkSync(outside, path.join(root, "dir-out"));
  symlinkSync(path.join(root, "src"), path.join(root, "dir-in"));
  symlinkSync(".github/workflows/ci.yml", path.join(root, "link-to-workflow"));
  symlinkSync(".git/hooks/pre-commit", path.join(root, "link-to-git"));
  symlinkSync(path.join(outside, "missing.txt"), path.join(root, "dangling"));
  mkdirSync(path.join(root, "empty"));
});

afterAll(() => removeDirectories(root, outside));

const resolve = (relative: string) => resolveSafePath(root, relative, [...DEFAULT_PROTECTED_PATHS]);

describe("resolveSafePath", () => {
  it.each([
    ["src/index.ts", "src/index.ts"],
    ["./src/../src/index.ts", "src/index.ts"],
    ["src/new/deep/file.ts", "src/new/deep/file.ts"],
    [".", "."],
    ["", "."],
    ["dir-in/index.ts", "dir-in/index.ts"],
    ["dir-in/brand-new.ts", "dir-in/brand-new.ts"],
  ])("accepts %j as %j", async (relative, expected) => {
    const result = await resolve(relative);
    expect(result).toEqual({ ok: true, relative: expected, absolute: path.join(root, expected) });
  });

  it.each([
    ["../x", "is outside the repository; use a path relative to the repository root."],
    ["src/../../x", "is outside the repository"],
    ["/etc/passwd", "is absolute; use a path relative to the repository root."],
    [".git/hooks/pre-commit", "is inside .git"],
    [".git", "is inside .git"],
    ["src/.git/config", "is inside .git"],
    [".GIT/config", "is inside .git"],
    [".github/workflows/ci.yml", "is protected"],
    [".github/workflows", "is protected"],
    [".GitHub/Workflows/ci.yml", "is protected"],
    // All of .github (the app's own settings, CODEOWNERS, composite actions) and other CIs' definitions.
    [".github/venom.yml", "is protected"],
    [".github/CODEOWNERS", "is protected"],
    [".github/actions/setup/action.yml", "is protected"],
    [".gitlab-ci.yml", "is protected"],
    [".circleci/config.yml", "is protected"],
    ["Jenkinsfile", "is protected"],
    ["azure-pipelines.yml", "is protected"],
    [".travis.yml", "is protected"],
    ["bitbucket-pipelines.yml", "is protected"],
    ["link-out", "is outside the repository through a symbolic link"],
    ["dir-out/secret.txt", "is outside the repository through a symbolic link"],
    ["dir-out/new-file.txt", "is outside the repository through a symbolic link"],
    ["dir-out/new/deeper/file.txt", "is outside the repository through a symbolic link"],
    ["link-to-workflow", "is protected through a symbolic link"],
    ["link-to-git", "is inside .git through a symbolic link"],
    ["dangling", "is a broken symbolic link"],
    ["bad\0name", "contains a NUL character"],
  ])("refuses %j", async (relative, reason) => {
    const result = await resolve(relative);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/^Error: path ".*" /);
    expect(result.error).toContain(reason);
  });

  it("uses the repository's own protected globs, and .git stays refused without them", async () => {
    const custom = await resolveSafePath(root, "src/index.ts", ["src/**"]);
    expect(custom.ok).toBe(false);
    expect(await resolveSafePath(root, ".github/workflows/ci.yml", [])).toMatchObject({ ok: true });
    expect(await resolveSafePath(root, ".git/config", [])).toMatchObject({ ok: false });
  });
});
