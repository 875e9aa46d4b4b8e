// Bench of a follow-up round's git work: the issue's kept clone brought to the PR head (what changed only) against a fresh clone.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { followUpWorkspace } from "../../../src/pipeline/follow-up/follow-up-workspace.js";
import { FakeGitHub } from "../../support/fake-github.js";
import { buildSyntheticRepo } from "./synthetic-repo.js";

const execFileAsync = promisify(execFile);

export interface RoundSample {
  milliseconds: number;
  /** Response bytes the git server sent (counted on the wire by a proxy in front of the fake). */
  bytesFetched: number;
  requests: number;
}

export interface FollowUpRoundBench {
  files: number;
  commits: number;
  /** Each round: a reviewer's commit touching this many files, then the round's workspace made ready. */
  filesChangedPerRound: number;
  fresh: RoundSample[];
  reused: RoundSample[];
}

/** Counts the bytes of every response passing through, in front of the fake GitHub. */
async function countingProxy(target: string): Promise<{ url: string; bytes: () => number; requests: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  let bytes = 0;
  let requests = 0;
  const server: Server = createServer((incoming, outgoing) => {
    requests += 1;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host } },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.on("data", (chunk: Buffer) => (bytes += chunk.length));
        response.pipe(outgoing);
      },
    );
    forward.on("error", () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A reviewer's (or the app's previous round's) commit on the branch, straight into the bare repo through a scratch clone. */
async function pushCommit(bare: string, branch: string, files: string[], round: number): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "venom-bench-push-"));
  const git = (...args: string[]) => execFileAsync("git", args, { cwd: work, maxBuffer: 64 * 1024 * 1024 });
  try {
    await git("clone", "--quiet", "--depth", "1", "--branch", branch, `file://${bare}`, ".");
    for (const file of files) await execFileAsync("sh", ["-c", `printf '\\n// review round ${round}\\n' >> "$1"`, "sh", file], { cwd: work });
    await git("-c", "user.name=reviewer", "-c", "user.email=r@example.com", "commit", "--quiet", "-am", `review round ${round}`);
    await git("push", "--quiet", "origin", `HEAD:${branch}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `rounds` follow-up rounds on a `files`-file repository: each once with the kept workspace, once with a fresh clone. */
export async function benchFollowUpRound(options: { files: number; commits: number; rounds: number; progress: (message: string) => void }): Promise<FollowUpRoundBench> {
  const github = await FakeGitHub.start();
  const proxy = await countingProxy(github.url);
  const directories: string[] = [];
  const scratch = (prefix: string) => {
    const directory = mkdtempSync(path.join(tmpdir(), prefix));
    directories.push(directory);
    return directory;
  };
  try {
    const repo = "octo/followup";
    await github.createRepo(repo, { files: { "README.md": "# follow-up bench\n" } });
    const bare = github.bareRepoPath(repo);
    options.progress(`follow-up: building ${repo} (${options.files} files, ${options.commits} commits)`);
    const synthetic = await buildSyntheticRepo(bare, "main", { files: options.files, commits: options.commits });
    const branch = "issue-1";
    await execFileAsync("git", ["branch", branch, "main"], { cwd: bare });
    const touched = synthetic.paths.filter((file) => file.endsWith(".ts")).slice(0, 2);
    const workspaceOptions = (dataDir: string) => ({
      dataDir,
      repo,
      issue: 1,
      cloneUrl: `${proxy.url}/${repo}.git`,
      token: github.token,
      refreshToken: async () => github.token,
      branch,
      author: { name: "venom-integrator[bot]", email: "venom-integrator[bot]@users.noreply.github.com" },
    });
    const quiet = { warn: () => undefined };
    const measure = async (dataDir: string): Promise<RoundSample & { reused: boolean }> => {
      const [bytesBefore, requestsBefore] = [proxy.bytes(), proxy.requests()];
      await execFileAsync("sync", []).catch(() => undefined);
      const started = performance.now();
      const { reused } = await followUpWorkspace(workspaceOptions(dataDir), quiet);
      const milliseconds = performance.now() - started;
      return { milliseconds, bytesFetched: proxy.bytes() - bytesBefore, requests: proxy.requests() - requestsBefore, reused };
    };

    const kept = scratch("venom-bench-followup-kept-");
    await measure(kept); // the round that clones first (the kept workspace starts here)
    const fresh: RoundSample[] = [];
    const reused: RoundSample[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      options.progress(`follow-up: round ${round}/${options.rounds}: a reviewer's commit on ${touched.length} files, then the kept workspace vs a fresh clone`);
      await pushCommit(bare, branch, touched, round);
      const again = await measure(kept);
      if (!again.reused) throw new Error("the kept workspace was not reused");
      reused.push({ milliseconds: again.milliseconds, bytesFetched: again.bytesFetched, requests: again.requests });
      const cold = await measure(scratch("venom-bench-followup-fresh-"));
      fresh.push({ milliseconds: cold.milliseconds, bytesFetched: cold.bytesFetched, requests: cold.requests });
    }
    return { files: synthetic.paths.length, commits: synthetic.commits, filesChangedPerRound: touched.length, fresh, reused };
  } finally {
    await proxy.close();
    await github.stop();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  }
}
