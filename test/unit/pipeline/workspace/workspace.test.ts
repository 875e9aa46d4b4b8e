import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import { checkRunner } from "../../../support/sandboxes.js";
import { gitAuthEnv } from "../../../../src/pipeline/workspace/git-auth.js";
import { Workspace } from "../../../../src/pipeline/workspace/workspace.js";
import { FakeGitHub } from "../../../support/fake-github.js";
import { createBareRepository, createRepository, git, removeDirectories, temporaryDirectory, writeFiles } from "../git-fixture.js";

const author = { name: "venom-integrator[bot]", email: "1+venom-integrator[bot]@users.noreply.github.com" };
const token = "ghs_unit0token0that0must0never0touch0disk";
const directories: string[] = [];

function temporary(prefix?: string): string {
  const directory = temporaryDirectory(prefix);
  directories.push(directory);
  return directory;
}

/** Every file under `directory` (`.git` included) whose bytes contain one of `needles`. */
function filesContaining(directory: string, needles: string[]): string[] {
  const found: string[] = [];
  const visit = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const absolute = path.join(current, entry.name);
      if (entry.isDirectory()) visit(absolute);
      else if (entry.isFile()) {
        const content = readFileSync(absolute);
        if (needles.some((needle) => content.includes(needle))) found.push(absolute);
      }
    }
  };
  visit(directory);
  return found;
}

afterAll(() => removeDirectories(...directories));

describe("gitAuthEnv", () => {
  it("scopes a Basic x-access-token header to the GitHub host, through the environment only", () => {
    expect(gitAuthEnv("abc123", "http://127.0.0.1:1234/")).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.http://127.0.0.1:1234/.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("x-access-token:abc123").toString("base64")}`,
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "",
    });
  });
});

describe("Workspace on a local repository", () => {
  it("reports changes, diffs new files, commits, and commits nothing when nothing changed", async () => {
    const root = await createRepository({ "README.md": "# Demo\n", "src/app.ts": "export {};\n" });
    directories.push(root);
    const workspace = await Workspace.openLocal(path.join(root, "src"), { author });
    expect(workspace.root).toBe(root);
    const base = await workspace.headSha();

    expect(await workspace.changedFiles()).toEqual([]);
    expect(await workspace.diff()).toBe("");
    expect(await workspace.commit("nothing")).toBeUndefined();
    expect(await workspace.headSha()).toBe(base);

    writeFiles(root, { "README.md": "# Demo\nMore.\n", "src/new file.ts": "export const x = 1;\n" });
    writeFileSync(path.join(root, "src/app.ts"), "export {};\n", { flag: "w" });
    await git(root, "rm", "--quiet", "src/app.ts");
    expect(await workspace.changedFiles()).toEqual(["README.md", "src/app.ts", "src/new file.ts"]);

    const patch = await workspace.diff();
    expect(patch).toContain("+More.");
    expect(patch).toContain("diff --git a/src/new file.ts b/src/new file.ts");
    expect(patch).toContain("+export const x = 1;");
    expect(patch).toContain("deleted file mode");

    const sha = await workspace.commit("Fix #1: demo");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(sha).toBe(await workspace.headSha());
    expect(await git(root, "log", "-1", "--format=%an <%ae>|%s")).toBe(`${author.name} <${author.email}>|Fix #1: demo\n`);
    expect(await workspace.changedFiles()).toEqual([]);
    expect(await workspace.commit("again")).toBeUndefined();
  });

  it("creates a branch, reuses it on the next run, never deletes the user's repository", async () => {
    const root = await createRepository({ "a.txt": "a\n" });
    directories.push(root);
    const workspace = await Workspace.openLocal(root);
    expect(await workspace.checkoutBranch("issue-7")).toBe("created");
    writeFiles(root, { "a.txt": "b\n" });
    await workspace.commit("change");
    await git(root, "checkout", "--quiet", "main");
    expect(await workspace.checkoutBranch("issue-7")).toBe("local");
    expect(readFileSync(path.join(root, "a.txt"), "utf8")).toBe("b\n");
    await expect(workspace.checkoutBranch("--force")).rejects.toThrow(/not a valid branch name/);
    await expect(workspace.push("issue-7", token)).rejects.toThrow(/no remote/);
    await workspace.remove();
    expect(existsSync(path.join(root, "a.txt"))).toBe(true);
  });

  it("keepOnly leaves HEAD plus exactly the model's changes; setup and check leftovers go, the user's ignored files stay", async () => {
    const root = await createRepository({ "a.txt": "a\n", "b.txt": "b\n", "gone.txt": "x\n", ".gitignore": ".env\nbuild/\n" });
    directories.push(root);
    writeFiles(root, { ".env": "SECRET=1\n" });
    const workspace = await Workspace.openLocal(root);
    await workspace.checkoutBranch("issue-9");
    // What setup and checks did: a tracked file changed, new files, ignored build output, a planted config line.
    writeFiles(root, { "b.txt": "changed by a check\n", "report.txt": "coverage\n", "build/out.js": "x", "a.txt": "formatted by a check\n" });
    const configBefore = readFileSync(path.join(root, ".git/config"), "utf8");
    writeFileSync(path.join(root, ".git/config"), `${configBefore}[core]\n\tfsmonitor = touch /tmp/pwned\n`);
    await workspace.keepOnly([
      ["a.txt", Buffer.from("fixed by the model\n")],
      ["docs/new.md", Buffer.from("# New\n")],
      ["gone.txt", null],
    ]);
    expect(await workspace.changedFiles()).toEqual(["a.txt", "docs/new.md", "gone.txt"]);
    expect(readFileSync(path.join(root, "a.txt"), "utf8")).toBe("fixed by the model\n");
    expect(readFileSync(path.join(root, "b.txt"), "utf8")).toBe("b\n");
    expect(existsSync(path.join(root, "report.txt"))).toBe(false);
    expect(readFileSync(path.join(root, ".env"), "utf8")).toBe("SECRET=1\n");
    expect(readFileSync(path.join(root, ".git/config"), "utf8")).toBe(configBefore);
    await expect(workspace.keepOnly([["../outside.txt", Buffer.from("x")]])).rejects.toThrow(/Refused to keep/);
  });

  it("refuses a directory that is not a repository with a user error", async () => {
    const error = await Workspace.openLocal(temporary()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("user");
  });

  it("runs setup commands through the Guardian's runner in the workspace", async () => {
    const root = await createRepository({ "a.txt": "" });
    directories.push(root);
    const workspace = await Workspace.openLocal(root);
    const run = await workspace.runSetup(["echo ready > setup.log"], checkRunner("none"));
    expect(run.passed).toBe(true);
    expect(readFileSync(path.join(root, "setup.log"), "utf8")).toBe("ready\n");
  });
});

describe("Workspace cloned from a remote", () => {
  let remote: { bare: string; url: string };
  let dataDir: string;
  let gitLog: string;
  const originalPath = process.env.PATH;

  beforeAll(async () => {
    remote = await createBareRepository({ "README.md": "# Remote\n", "src/app.ts": "export {};\n" });
    directories.push(remote.bare);
    dataDir = temporary("venom-data-");
    // A git wrapper first on PATH records every argv, to prove the token never appears there.
    const bin = temporary("venom-bin-");
    gitLog = path.join(bin, "argv.log");
    const realGit = (await import("node:child_process")).execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    writeFileSync(path.join(bin, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${gitLog}"\nexec "${realGit}" "$@"\n`);
    chmodSync(path.join(bin, "git"), 0o755);
    process.env.PATH = `${bin}:${originalPath ?? ""}`;
  });

  afterEach(() => {
    process.env.PATH = `${path.dirname(gitLog)}:${originalPath ?? ""}`;
  });

  afterAll(() => {
    process.env.PATH = originalPath;
  });

  const clone = (jobId: string) =>
    Workspace.clone({ dataDir, repo: "octo/demo", cloneUrl: remote.url, token, branch: "main", jobId, author });

  it("clones shallow into <dataDir>/workspaces/<owner>__<name>__<jobId>, hooks off, identity set", async () => {
    const stale = path.join(dataDir, "workspaces", "octo__demo__job1");
    mkdirSync(stale, { recursive: true });
    writeFileSync(path.join(stale, "leftover.txt"), "old");

    const workspace = await clone("job1");
    expect(workspace.root).toBe(stale);
    expect(existsSync(path.join(stale, "leftover.txt"))).toBe(false);
    expect(readFileSync(path.join(stale, "README.md"), "utf8")).toBe("# Remote\n");
    expect((await git(stale, "config", "core.hooksPath")).trim()).toBe("/dev/null");
    expect((await git(stale, "config", "user.name")).trim()).toBe(author.name);
    expect((await git(stale, "rev-parse", "--is-shallow-repository")).trim()).toBe("true");
    expect(await git(stale, "remote", "get-url", "origin")).toBe(`${remote.url}\n`);

    writeFiles(stale, { ".git/hooks/pre-commit": "#!/bin/sh\nexit 1\n" });
    chmodSync(path.join(stale, ".git/hooks/pre-commit"), 0o755);
    expect(await workspace.checkoutBranch("issue-1")).toBe("created");
    writeFiles(stale, { "src/app.ts": "export const fixed = true;\n" });
    const sha = await workspace.commit("Fix #1");
    await workspace.push("issue-1", token);
    expect((await git(remote.bare, "rev-parse", "refs/heads/issue-1")).trim()).toBe(sha);

    expect(filesContaining(stale, [token, Buffer.from(`x-access-token:${token}`).toString("base64")])).toEqual([]);
    expect(readFileSync(path.join(stale, ".git/config"), "utf8")).not.toMatch(/extraHeader|x-access-token/i);
    expect(readFileSync(gitLog, "utf8")).not.toContain(token);
    await workspace.remove();
    expect(existsSync(stale)).toBe(false);
  });

  it("a re-run builds on the remote branch; a branch moved by an earlier attempt is overwritten", async () => {
    const first = await clone("job2");
    expect(await first.checkoutBranch("issue-2")).toBe("created");
    writeFiles(first.root, { "one.txt": "1\n" });
    const firstSha = await first.commit("first attempt");
    await first.push("issue-2", token);

    const second = await clone("job3");
    expect(await second.checkoutBranch("issue-2")).toBe("remote");
    expect(readFileSync(path.join(second.root, "one.txt"), "utf8")).toBe("1\n");
    expect((await git(second.root, "rev-parse", "--abbrev-ref", "issue-2@{upstream}")).trim()).toBe("origin/issue-2");
    writeFiles(second.root, { "two.txt": "2\n" });
    const secondSha = await second.commit("second attempt");
    expect((await git(second.root, "rev-parse", `${secondSha}^`)).trim()).toBe(firstSha);
    await second.push("issue-2", token);
    expect((await git(remote.bare, "rev-parse", "refs/heads/issue-2")).trim()).toBe(secondSha);

    // The first workspace is now behind: its push is rejected, then forced onto the app's own branch.
    writeFiles(first.root, { "three.txt": "3\n" });
    const thirdSha = await first.commit("racing attempt");
    await first.push("issue-2", token);
    expect((await git(remote.bare, "rev-parse", "refs/heads/issue-2")).trim()).toBe(thirdSha);
    await first.remove();
    await second.remove();
  });

  it("says a missing remote branch or repository plainly", async () => {
    const workspace = await clone("job4");
    expect(await workspace.checkoutBranch("issue-4", { remoteExists: false })).toBe("created");
    await workspace.remove();
    const error = await Workspace.clone({
      dataDir,
      repo: "octo/missing",
      cloneUrl: `file://${path.join(dataDir, "missing.git")}`,
      branch: "main",
      jobId: "job5",
      author,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).message).toMatch(/^git clone of octo\/missing failed: /);
    expect(existsSync(path.join(dataDir, "workspaces", "octo__missing__job5"))).toBe(false);
    await expect(
      Workspace.clone({ dataDir, repo: "o/r", cloneUrl: `http://x:${token}@127.0.0.1/o/r.git`, branch: "main", jobId: 1, author }),
    ).rejects.toThrow(/must not carry credentials/);
    await expect(
      Workspace.clone({ dataDir, repo: "o/r", cloneUrl: "ext::sh -c touch% /tmp/pwned", branch: "main", jobId: 1, author }),
    ).rejects.toThrow(/must be http\(s\):\/\/ or file:\/\//);
  });
});

describe("Workspace over git smart HTTP", () => {
  let github: FakeGitHub;
  let dataDir: string;

  beforeAll(async () => {
    github = await FakeGitHub.start();
    await github.createRepo("octo/web", { files: { "README.md": "# Web\n" } });
    dataDir = temporary("venom-data-");
  });

  afterAll(async () => {
    await github.stop();
  });

  it("sends the token as a Basic header on every git request and writes it nowhere", async () => {
    const cloneUrl = `${github.url}/octo/web.git`;
    const workspace = await Workspace.clone({ dataDir, repo: "octo/web", cloneUrl, token: github.token, branch: "main", jobId: 9, author });
    expect(await workspace.checkoutBranch("issue-9")).toBe("created");
    writeFiles(workspace.root, { "fix.txt": "fixed\n" });
    const sha = await workspace.commit("Fix #9");
    await workspace.push("issue-9", github.token);
    expect(github.branchSha("octo/web", "issue-9")).toBe(sha);

    const gitRequests = github.requests.filter((request) => request.path.startsWith("/octo/web.git"));
    expect(gitRequests.length).toBeGreaterThan(0);
    const expected = `Basic ${Buffer.from(`x-access-token:${github.token}`).toString("base64")}`;
    expect(gitRequests.every((request) => request.authorization === expected && !request.url.includes(github.token))).toBe(true);

    const base64 = Buffer.from(`x-access-token:${github.token}`).toString("base64");
    expect(filesContaining(workspace.root, [github.token, base64])).toEqual([]);
    expect(statSync(workspace.root).isDirectory()).toBe(true);

    const again = await Workspace.clone({ dataDir, repo: "octo/web", cloneUrl, token: github.token, branch: "main", jobId: 10, author });
    expect(await again.checkoutBranch("issue-9")).toBe("remote");
    expect(readFileSync(path.join(again.root, "fix.txt"), "utf8")).toBe("fixed\n");
    expect(filesContaining(again.root, [github.token, base64])).toEqual([]);
    await again.remove();
    await workspace.remove();
  });

  it("fails permanently with a refused token, without prompting", async () => {
    const error = await Workspace.clone({
      dataDir,
      repo: "octo/web",
      cloneUrl: `${github.url}/octo/web.git`,
      token: "ghs_wrong",
      branch: "main",
      jobId: 11,
      author,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("permanent");
    expect((error as VenomError).message).not.toContain("ghs_wrong");
  });
});

describe("Workspace whose installation token expires mid-run", () => {
  let github: FakeGitHub;
  let dataDir: string;

  beforeAll(async () => {
    github = await FakeGitHub.start();
    await github.createRepo("octo/late", { files: { "README.md": "# Late\n" } });
    dataDir = temporary("venom-data-");
  });

  afterAll(async () => {
    await github.stop();
  });

  it("asks for a new token once when GitHub refuses the current one (401), and the push goes through", async () => {
    const cloneToken = github.issueToken().token;
    const refreshed: string[] = [];
    const refreshToken = async () => {
      refreshed.push(github.issueToken().token);
      return refreshed.at(-1) as string;
    };
    const cloneUrl = `${github.url}/octo/late.git`;
    const workspace = await Workspace.clone({ dataDir, repo: "octo/late", cloneUrl, token: cloneToken, refreshToken, branch: "main", jobId: 21, author });
    await workspace.checkoutBranch("issue-21");
    writeFiles(workspace.root, { "fix.txt": "fixed\n" });
    const sha = await workspace.commit("Fix #21");

    github.expireTokens();
    await workspace.push("issue-21", cloneToken);
    expect(github.branchSha("octo/late", "issue-21")).toBe(sha);
    expect(refreshed).toHaveLength(1);
    const pushes = github.requests.filter((request) => request.path === "/octo/late.git/git-receive-pack");
    const basic = (token: string) => `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    expect(pushes.map((request) => request.authorization)).toEqual([basic(refreshed[0] as string)]);
    await workspace.remove();
  });

  it("without a way to refresh, an expired token fails the push permanently, saying so", async () => {
    const token = github.issueToken().token;
    const workspace = await Workspace.clone({ dataDir, repo: "octo/late", cloneUrl: `${github.url}/octo/late.git`, token, branch: "main", jobId: 22, author });
    await workspace.checkoutBranch("issue-22");
    writeFiles(workspace.root, { "fix.txt": "fixed\n" });
    await workspace.commit("Fix #22");
    github.expireTokens();
    const error = await workspace.push("issue-22", token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("permanent");
    expect((error as VenomError).message).not.toContain(token);
    await workspace.remove();
  });
});
