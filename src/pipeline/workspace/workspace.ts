// A git working copy for one job: clone, branch, commit and push, with the token given per command only.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SimpleGit } from "simple-git";
import { errorMessage, permanentError, VenomError } from "../../errors.js";
import type { CheckRun, CheckRunner, RunCommandsOptions } from "../guardian.js";
import { gitAuthEnv, gitHostUrl } from "./git-auth.js";
import {
  assertBranchName,
  baseGitEnvironment,
  gitCommand as git,
  localBranchExists,
  remoteFailure,
  SAFE_GIT_SETTINGS,
  tokenRefused,
} from "./git-command.js";
import { resolveSafePath } from "./paths.js";

export interface GitAuthor {
  name: string;
  email: string;
}

export interface CloneOptions {
  /** `VENOM_DATA_DIR`; the clone goes to `<dataDir>/workspaces/<owner>__<name>__<jobId>`. */
  dataDir: string;
  /** `owner/name`. */
  repo: string;
  /** Without credentials, e.g. `https://github.com/owner/name.git`. */
  cloneUrl: string;
  /** Installation token; kept in memory and handed to git through the environment only. */
  token?: string;
  /**
   * A new token, asked for once when GitHub refuses the current one (401: expired or revoked); the refused
   * command then runs again with it. Without it, a refused token fails the command.
   */
  refreshToken?: () => Promise<string>;
  /** The branch to start from (the config's `base`); absent: the remote's default branch. */
  branch?: string;
  jobId: string | number;
  /** Identity of the commits the app makes. */
  author: GitAuthor;
}

/** How `checkoutBranch` got its branch: from the remote, an existing local branch, or a new one from HEAD. */
export type BranchOrigin = "remote" | "local" | "created";

const remoteBranchDepth = 50;

function safeName(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, "_");
}

export function workspaceRoot(options: Pick<CloneOptions, "dataDir" | "repo" | "jobId">): string {
  const [owner = "", name = ""] = options.repo.split("/");
  return path.join(path.resolve(options.dataDir, "workspaces"), `${safeName(owner)}__${safeName(name)}__${safeName(String(options.jobId))}`);
}

export class Workspace {
  readonly root: string;
  readonly #environment: Record<string, string>;
  #hostUrl: string | undefined;
  #token: string | undefined;
  readonly #refreshToken: (() => Promise<string>) | undefined;
  /** Cloned by us: has an `origin` we may fetch from and push to, and a directory we may delete. */
  readonly #cloned: boolean;
  readonly #author: GitAuthor | undefined;
  /** Set for a worktree the app added to a local repository (`venom fix`): that repository's root. */
  readonly #worktreeOf: string | undefined;
  /** `.git/config` as the app left it, restored before committing if anything changed it since. */
  #configSnapshot: string | undefined;

  private constructor(options: {
    root: string;
    cloned: boolean;
    hostUrl?: string;
    token?: string;
    refreshToken?: () => Promise<string>;
    author?: GitAuthor;
    worktreeOf?: string;
  }) {
    this.root = options.root;
    this.#cloned = options.cloned;
    this.#worktreeOf = options.worktreeOf;
    this.#hostUrl = options.hostUrl;
    this.#token = options.token;
    this.#refreshToken = options.refreshToken;
    this.#author = options.author;
    this.#environment = baseGitEnvironment();
  }

  /** A fresh shallow, blob-less clone of `branch` for one job; a stale directory of the same job is replaced. */
  static async clone(options: CloneOptions): Promise<Workspace> {
    const parent = path.resolve(options.dataDir, "workspaces");
    const root = workspaceRoot(options);
    const url = new URL(options.cloneUrl);
    if (url.username || url.password) {
      throw permanentError("the clone URL must not carry credentials; pass the token separately");
    }
    // git's transports such as ext:: run commands; only plain fetches over HTTP(S) or a local path are allowed.
    if (!["http:", "https:", "file:"].includes(url.protocol)) {
      throw permanentError(`the clone URL must be http(s):// or file://, not ${url.protocol}`);
    }
    const workspace = Workspace.#forClone(root, options);

    await rm(root, { recursive: true, force: true });
    await mkdir(parent, { recursive: true });
    const settings = {
      // Set before checkout, so no hook (repository templates included) ever runs in a workspace.
      "core.hooksPath": "/dev/null",
      "user.name": options.author.name,
      "user.email": options.author.email,
    };
    const configFlags = Object.entries(settings).flatMap(([key, value]) => ["--config", `${key}=${value}`]);
    try {
      await workspace.#withToken(async () => {
        await rm(root, { recursive: true, force: true });
        await git(parent, workspace.#networkEnvironment()).clone(options.cloneUrl, root, [
          "--filter=blob:none",
          "--single-branch",
          ...(options.branch ? ["--branch", options.branch] : []),
          "--depth",
          "1",
          "--no-tags",
          ...configFlags,
        ]);
      });
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw remoteFailure(`clone of ${options.repo}`, error);
    }
    return workspace;
  }

  /** The clone an earlier job kept under the same `jobId` key (a follow-up's per-issue workspace), when it is on disk. */
  static async reopen(options: CloneOptions): Promise<Workspace | undefined> {
    const root = workspaceRoot(options);
    const head = await readFile(path.join(root, ".git", "HEAD"), "utf8").catch(() => undefined);
    return head === undefined ? undefined : Workspace.#forClone(root, options);
  }

  static #forClone(root: string, options: CloneOptions): Workspace {
    const url = new URL(options.cloneUrl);
    const hostUrl = url.protocol === "http:" || url.protocol === "https:" ? gitHostUrl(options.cloneUrl) : undefined;
    return new Workspace({ root, cloned: true, hostUrl, token: options.token, ...(options.refreshToken ? { refreshToken: options.refreshToken } : {}), author: options.author });
  }

  /**
   * An existing repository on this machine (`venom fix --repo PATH`): no remote is touched, the
   * directory is never deleted, and commits use `author` when given, else the repository's identity.
   */
  static async openLocal(directory: string, options: { author?: GitAuthor } = {}): Promise<Workspace> {
    let root: string;
    try {
      root = (await git(path.resolve(directory), baseGitEnvironment()).revparse(["--show-toplevel"])).trim();
    } catch (error) {
      throw new VenomError("user", `${directory} is not a git repository; pass the root of a git checkout.`, {
        cause: error,
      });
    }
    return new Workspace({ root, cloned: false, author: options.author });
  }

  /** Identity of the commits the app makes here; undefined: the repository's own. */
  get author(): GitAuthor | undefined {
    return this.#author;
  }

  /**
   * A worktree the app added to the local repository at `worktreeOf` (see local-worktree.ts): removed with
   * `remove()`, and `.git/config` as it is now is restored before committing.
   */
  static async attachWorktree(options: { root: string; worktreeOf: string; author?: GitAuthor }): Promise<Workspace> {
    const workspace = new Workspace({ root: options.root, cloned: false, worktreeOf: options.worktreeOf, ...(options.author ? { author: options.author } : {}) });
    workspace.#configSnapshot = await readFile(path.join(options.worktreeOf, ".git", "config"), "utf8").catch(() => undefined);
    return workspace;
  }

  /**
   * Makes `name` the current branch. In a clone, a branch that exists on the remote (a re-run) is
   * fetched and checked out tracking it, so new work lands on top of the earlier attempt; otherwise
   * it is created from HEAD. `remoteExists` skips the `ls-remote` when the caller already knows.
   */
  async checkoutBranch(name: string, options: { remoteExists?: boolean } = {}): Promise<BranchOrigin> {
    const origin = await this.#checkout(name, options);
    // From here on the repository's code may run; `.git/config` as it is now is the trusted one.
    this.#configSnapshot = await readFile(path.join(this.root, ".git", "config"), "utf8").catch(() => undefined);
    return origin;
  }

  async #checkout(name: string, options: { remoteExists?: boolean }): Promise<BranchOrigin> {
    await assertBranchName(this.#git(), name);
    if (this.#cloned) {
      const remoteExists = options.remoteExists ?? (await this.#remoteBranchExists(name));
      if (remoteExists) {
        const remoteRef = `refs/remotes/origin/${name}`;
        // A single-branch clone tracks only the base; register this branch so it can be tracked too.
        await this.#git().raw(["remote", "set-branches", "--add", "origin", name]);
        try {
          await this.#withToken(() =>
            this.#git(true).fetch([
              "--no-tags",
              "--filter=blob:none",
              "--depth",
              String(remoteBranchDepth),
              "origin",
              `+refs/heads/${name}:${remoteRef}`,
            ]),
          );
        } catch (error) {
          throw remoteFailure(`fetch of branch ${name}`, error);
        }
        // Checkout may fetch missing blobs lazily (partial clone), so it needs the credentials too.
        await this.#withToken(() => this.#git(true).raw(["checkout", "--quiet", "-B", name, remoteRef]));
        await this.#git().raw(["branch", "--quiet", `--set-upstream-to=origin/${name}`, name]);
        return "remote";
      }
    } else if (await localBranchExists(this.#git(), name)) {
      await this.#git().raw(["checkout", "--quiet", name]);
      return "local";
    }
    await this.#git().raw(["checkout", "--quiet", "-B", name]);
    return "created";
  }

  async #restoreConfig(): Promise<void> {
    if (this.#configSnapshot === undefined) return;
    const file = path.join(this.#worktreeOf ?? this.root, ".git", "config");
    const current = await readFile(file, "utf8").catch(() => undefined);
    if (current !== this.#configSnapshot) await writeFile(file, this.#configSnapshot);
  }

  /**
   * The config's `setup` commands, run by the Guardian's runner in the same isolation as the checks
   * but with network (they are the maintainers' own and install dependencies, e.g. `npm ci`).
   */
  async runSetup(
    commands: string[],
    runner: CheckRunner,
    options: Omit<RunCommandsOptions, "cwd" | "network"> = {},
  ): Promise<CheckRun> {
    return runner.runCommands(commands, { ...options, cwd: this.root, network: true });
  }

  /**
   * Leaves exactly HEAD plus `changes` (path → content, null for deleted) in the working tree:
   * whatever setup and checks created or modified is discarded, so a commit holds only what the
   * model did through its tools. In a clone, ignored files (build output, node_modules) go too.
   */
  async keepOnly(changes: Iterable<[string, Buffer | null]>): Promise<void> {
    await this.#restoreConfig();
    await this.#git().raw(["reset", "--quiet", "--hard"]);
    await this.#git().raw(["clean", "--quiet", "-fd", ...(this.#cloned || this.#worktreeOf ? ["-x"] : [])]);
    for (const [relative, content] of changes) {
      // The tree is back at HEAD: resolve again, so a symlink in it can never redirect a write.
      const safe = await resolveSafePath(this.root, relative, [".git/**"]);
      if (!safe.ok) throw permanentError(`Refused to keep ${relative}: ${safe.error.replace(/^Error:\s*/, "")}`);
      if (content === null) {
        await rm(safe.absolute, { force: true });
      } else {
        await mkdir(path.dirname(safe.absolute), { recursive: true });
        await writeFile(safe.absolute, content);
      }
    }
  }

  /** Paths changed against HEAD: staged, unstaged and untracked (ignored files excluded), sorted. */
  async changedFiles(): Promise<string[]> {
    const status = await this.#git().raw(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]);
    const paths = status
      .split("\0")
      .filter((entry) => entry.length > 3)
      .map((entry) => entry.slice(3));
    return [...new Set(paths)].sort();
  }

  /** The full patch of the working tree against HEAD, new files included (stages everything). */
  async diff(): Promise<string> {
    await this.#git().raw(["add", "--all"]);
    return this.#git().raw(["diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv", "--text", "--no-renames"]);
  }

  /** Commits every change; returns the new commit's sha, or undefined when there was nothing to commit. */
  async commit(message: string): Promise<string | undefined> {
    await this.#git().raw(["add", "--all"]);
    const staged = await this.#git().raw(["diff", "--cached", "--name-only", "-z"]);
    if (staged.length === 0) return undefined;
    // --no-verify: the repository's own hooks never run on the app's commits; the Guardian checks instead.
    const committer = git(this.root, { ...this.#environment, ...this.#identityEnvironment() });
    await committer.raw(["commit", "--quiet", "--no-verify", "-m", message]);
    return this.headSha();
  }

  /**
   * Pushes HEAD to `branch` on origin with `token` (a fresh installation token may replace the one
   * the clone used; one GitHub refuses is replaced once through `refreshToken`). If the remote branch moved on, it was an earlier attempt of this same job (a
   * crash after pushing, or a retry racing it): `issue-N` belongs to the app and this run was built
   * on what the remote held when it started, so overwriting with --force is the intended outcome.
   */
  async push(branch: string, token: string): Promise<void> {
    if (!this.#cloned) throw permanentError("a local workspace has no remote to push to");
    await assertBranchName(this.#git(), branch);
    this.#token = token;
    const refspec = `HEAD:refs/heads/${branch}`;
    try {
      await this.#withToken(() => this.#git(true).push(["origin", refspec]));
      return;
    } catch (error) {
      if (!/\[rejected\]|non-fast-forward|fetch first/i.test(errorMessage(error))) {
        throw remoteFailure(`push to ${branch}`, error);
      }
    }
    try {
      await this.#withToken(() => this.#git(true).push(["--force", "origin", refspec]));
    } catch (error) {
      throw remoteFailure(`push --force to ${branch}`, error);
    }
  }

  /**
   * Pushes HEAD to `branch` without force: "moved" when the remote branch has commits HEAD lacks (someone
   * pushed meanwhile), so the caller rebases onto them and tries again; nobody's commits are ever overwritten.
   */
  async pushWithoutForce(branch: string, token: string): Promise<"pushed" | "moved"> {
    if (!this.#cloned) throw permanentError("a local workspace has no remote to push to");
    await assertBranchName(this.#git(), branch);
    this.#token = token;
    try {
      await this.#withToken(() => this.#git(true).push(["origin", `HEAD:refs/heads/${branch}`]));
      return "pushed";
    } catch (error) {
      if (/\[rejected\]|non-fast-forward|fetch first/i.test(errorMessage(error))) return "moved";
      throw remoteFailure(`push to ${branch}`, error);
    }
  }

  /**
   * Brings the checked-out `branch` to the remote's head, fetching only the commits this clone lacks (a kept
   * workspace's cheap round). With `keepLocalCommits`, commits made here are replayed on top (rebase, else a
   * merge); otherwise the working tree is reset to the remote head, leftovers of earlier runs cleaned away.
   */
  async updateBranch(branch: string, options: { keepLocalCommits?: boolean } = {}): Promise<void> {
    const remoteRef = await this.#fetchBranch(branch);
    if (!options.keepLocalCommits) {
      await this.#withToken(() => this.#git(true).raw(["checkout", "--quiet", "--force", "-B", branch, remoteRef]));
      await this.#git().raw(["clean", "--quiet", "-fdx"]);
      this.#configSnapshot = await readFile(path.join(this.root, ".git", "config"), "utf8").catch(() => undefined);
      return;
    }
    // Rebase and merge may read blobs the partial clone lacks: they need the credentials too.
    const identity = this.#identityEnvironment();
    try {
      await this.#withToken(() => git(this.root, { ...this.#networkEnvironment(), ...identity }).raw(["rebase", "--quiet", remoteRef]));
      return;
    } catch {
      await this.#git().raw(["rebase", "--abort"]).catch(() => undefined);
    }
    try {
      await this.#withToken(() => git(this.root, { ...this.#networkEnvironment(), ...identity }).raw(["merge", "--quiet", "--no-edit", remoteRef]));
    } catch (error) {
      await this.#git().raw(["merge", "--abort"]).catch(() => undefined);
      throw permanentError(`${branch} changed on GitHub while Venom worked, and its change conflicts with the new commits: ${errorMessage(error).slice(0, 300)}`);
    }
  }

  /**
   * Makes `sha` — the same tree as HEAD, committed on GitHub through the API — this clone's HEAD on `branch`:
   * fetched (its objects are all here already but the commit) and taken with `reset --soft`, so the work tree
   * and a kept workspace's later rounds stand on exactly what GitHub holds.
   */
  async adoptRemoteCommit(branch: string, sha: string): Promise<void> {
    await this.#fetchBranch(branch);
    await this.#git().raw(["reset", "--quiet", "--soft", sha]);
  }

  /** Fetches only what this clone lacks of `branch` on origin into its remote-tracking ref, and names that ref. */
  async #fetchBranch(branch: string): Promise<string> {
    await assertBranchName(this.#git(), branch);
    const remoteRef = `refs/remotes/origin/${branch}`;
    try {
      await this.#withToken(() => this.#git(true).fetch(["--no-tags", "--filter=blob:none", "origin", `+refs/heads/${branch}:${remoteRef}`]));
    } catch (error) {
      throw remoteFailure(`fetch of branch ${branch}`, error);
    }
    return remoteRef;
  }

  /** The newest commit on `ref` (within `depth` commits) whose message contains `needle`: a commit an earlier attempt pushed. */
  async findCommit(ref: string, needle: string, depth = 20): Promise<string | undefined> {
    const found = await this.#git()
      .raw(["log", `-${depth}`, "--format=%H", "--fixed-strings", `--grep=${needle}`, ref, "--"])
      .catch(() => "");
    return found.split("\n").map((line) => line.trim()).find(Boolean);
  }

  /** Whether `ancestor` is in the history of `descendant` (both present in this clone). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.#git()
      .raw(["merge-base", "--is-ancestor", ancestor, descendant])
      .then(() => true, () => false);
  }

  /** Drops uncommitted changes (tracked and untracked, not ignored files): what a failed run left behind. */
  async discardChanges(): Promise<void> {
    await this.#git().raw(["reset", "--quiet", "--hard"]);
    await this.#git().raw(["clean", "--quiet", "-fd"]);
  }

  /** The checked-out branch (after a clone without `branch`: the remote's default branch). */
  async currentBranch(): Promise<string> {
    return (await this.#git().raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim();
  }

  async headSha(): Promise<string> {
    return (await this.#git().revparse(["HEAD"])).trim();
  }

  /** Deletes a cloned workspace or a worktree the app added; a local repository (`openLocal`) is never deleted. */
  async remove(): Promise<void> {
    if (this.#worktreeOf) {
      await git(this.#worktreeOf, this.#environment)
        .raw(["worktree", "remove", "--force", this.root])
        .catch(() => undefined);
      await rm(this.root, { recursive: true, force: true });
      await git(this.#worktreeOf, this.#environment).raw(["worktree", "prune"]).catch(() => undefined);
      return;
    }
    if (this.#cloned) await rm(this.root, { recursive: true, force: true });
  }

  /** The app's identity for commits it makes (commit, rebase, merge); empty: the repository's own. */
  #identityEnvironment(): Record<string, string> {
    if (!this.#author) return {};
    const { name, email } = this.#author;
    return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  }

  #networkEnvironment(): Record<string, string> {
    if (this.#token === undefined || this.#hostUrl === undefined) return this.#environment;
    return { ...this.#environment, ...gitAuthEnv(this.#token, this.#hostUrl, SAFE_GIT_SETTINGS) };
  }

  /** Runs a network command; when GitHub refuses the token (expired or revoked), once more with a new one. */
  async #withToken<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!this.#refreshToken || !tokenRefused(error)) throw error;
      this.#token = await this.#refreshToken();
      return run();
    }
  }

  #git(network = false): SimpleGit {
    return git(this.root, network ? this.#networkEnvironment() : this.#environment);
  }

  async #remoteBranchExists(name: string): Promise<boolean> {
    try {
      const heads = await this.#withToken(() => this.#git(true).raw(["ls-remote", "--heads", "origin", `refs/heads/${name}`]));
      return heads.trim().length > 0;
    } catch (error) {
      throw remoteFailure(`ls-remote for branch ${name}`, error);
    }
  }
}
