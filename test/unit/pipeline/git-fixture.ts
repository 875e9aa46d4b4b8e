// Temporary git repositories for pipeline tests, built with the real git binary.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const identity = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...process.env, ...identity }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export function temporaryDirectory(prefix = "venom-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** A fresh repository on `main` with `files` in one commit. */
export async function createRepository(files: Record<string, string>, root = temporaryDirectory()): Promise<string> {
  await git(root, "init", "--quiet", "--initial-branch=main");
  writeFiles(root, files);
  await git(root, "add", "--all");
  await git(root, "commit", "--quiet", "--allow-empty", "-m", "Initial commit");
  return root;
}

/** A bare repository (a stand-in for GitHub) holding `files` on `main`. */
export async function createBareRepository(files: Record<string, string>): Promise<{ bare: string; url: string }> {
  const work = await createRepository(files);
  const bare = temporaryDirectory("venom-bare-");
  await git(bare, "init", "--quiet", "--bare", "--initial-branch=main");
  await git(bare, "config", "uploadpack.allowFilter", "true");
  await git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
  rmSync(work, { recursive: true, force: true });
  return { bare, url: `file://${bare}` };
}

export function removeDirectories(...directories: string[]): void {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
}
