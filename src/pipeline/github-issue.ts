// The GitHub side of one issue: read it, keep the status comment, react, open or update the pull request.
import type { Octokit } from "../github/clients.js";
import { gitHubError } from "../github/github-error.js";
import { permanentError, transientError } from "../errors.js";
import { REPO_CONFIG_PATH } from "../config/repo-config-path.js";
import { createMasker } from "../log.js";
import { STATUS_MARKER } from "./status-comment.js";

export interface IssueDetails {
  number: number;
  title: string;
  body: string;
  state: string;
  author: string;
  authorAssociation: string;
  htmlUrl: string;
  isPullRequest: boolean;
  /** Label names and assignee logins as they are now: whether the run's trigger still holds. */
  labels: string[];
  assignees: string[];
}

export interface IssueComment {
  id: number;
  body: string;
  author: string;
  authorType: string;
  authorAssociation: string;
}

export interface PullRequestRef {
  number: number;
  url: string;
  created: boolean;
}

export class GitHubIssue {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly #octokit: Octokit;
  readonly #mask: (text: string) => string;

  /**
   * `mask` runs on everything this class publishes (status comment, pull request title and body), which carry
   * model text and checks' output: pass `createMasker(config.secrets)`; the default masks token shapes only.
   */
  constructor(octokit: Octokit, fullName: string, issueNumber: number, options: { mask?: (text: string) => string } = {}) {
    const [owner, repo] = fullName.split("/");
    if (!owner || !repo) throw permanentError(`"${fullName}" is not an owner/repository name.`);
    this.owner = owner;
    this.repo = repo;
    this.number = issueNumber;
    this.#octokit = octokit;
    this.#mask = options.mask ?? createMasker();
  }

  async details(): Promise<IssueDetails> {
    const { data } = await this.#call("read the issue", () =>
      this.#octokit.rest.issues.get({ owner: this.owner, repo: this.repo, issue_number: this.number }),
    );
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? "",
      state: data.state,
      author: data.user?.login ?? "ghost",
      authorAssociation: data.author_association ?? "NONE",
      htmlUrl: data.html_url,
      isPullRequest: data.pull_request !== undefined,
      labels: data.labels.map((label) => (typeof label === "string" ? label : (label.name ?? ""))).filter(Boolean),
      assignees: (data.assignees ?? []).map((assignee) => assignee.login),
    };
  }

  /** Every comment, oldest first, all pages: the newest (the maintainer's latest word, the status comment) come last. */
  async comments(): Promise<IssueComment[]> {
    const data = await this.#call("read the issue's comments", () =>
      this.#octokit.paginate(this.#octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: this.number, per_page: 100 }),
    );
    return data.map((comment) => ({
      id: comment.id,
      body: comment.body ?? "",
      author: comment.user?.login ?? "ghost",
      authorType: comment.user?.type ?? "User",
      authorAssociation: comment.author_association,
    }));
  }

  /** `.github/venom.yml` on the default branch, or undefined when the file does not exist. */
  async repoConfigText(): Promise<string | undefined> {
    try {
      const { data } = await this.#octokit.rest.repos.getContent({ owner: this.owner, repo: this.repo, path: REPO_CONFIG_PATH });
      if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
        throw permanentError(`${REPO_CONFIG_PATH} is not a file; make it a YAML file on the default branch.`);
      }
      return Buffer.from(data.content, "base64").toString("utf8");
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw gitHubError(`read ${REPO_CONFIG_PATH}`, error);
    }
  }

  /** A text file on the default branch (instruction files), or undefined when it does not exist or is not a file. */
  async defaultBranchFile(filePath: string): Promise<string | undefined> {
    try {
      const { data } = await this.#octokit.rest.repos.getContent({ owner: this.owner, repo: this.repo, path: filePath });
      if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
      return Buffer.from(data.content, "base64").toString("utf8");
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw gitHubError(`read ${filePath}`, error);
    }
  }

  /** The app's status comment from an earlier attempt, found by its marker. */
  static findStatusComment(comments: IssueComment[], botLogin: string | undefined): IssueComment | undefined {
    return comments
      .filter((comment) => comment.body.includes(STATUS_MARKER))
      .filter((comment) => comment.authorType === "Bot" || (botLogin !== undefined && comment.author === botLogin))
      .at(-1);
  }

  /** Creates the status comment, or edits it in place; returns its id. */
  async upsertComment(commentId: number | undefined, text: string): Promise<number> {
    const body = this.#mask(text);
    if (commentId !== undefined) {
      try {
        await this.#octokit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: commentId, body });
        return commentId;
      } catch (error) {
        // Deleted by someone: post a new one rather than fail the run.
        if ((error as { status?: number }).status !== 404) throw gitHubError("update the status comment", error);
      }
    }
    const { data } = await this.#call("post the status comment", () =>
      this.#octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: this.number, body }),
    );
    return data.id;
  }

  /** Reacts on the issue, or on one of its comments (the `/venom` command that triggered the run). */
  async react(content: "eyes" | "confused" | "rocket", commentId?: number): Promise<void> {
    await this.#call(`react ${content}`, () =>
      commentId === undefined
        ? this.#octokit.rest.reactions.createForIssue({ owner: this.owner, repo: this.repo, issue_number: this.number, content })
        : this.#octokit.rest.reactions.createForIssueComment({ owner: this.owner, repo: this.repo, comment_id: commentId, content }),
    );
  }

  /** The repository's default branch (the base of a pull request when `.github/venom.yml` names none). */
  async defaultBranch(): Promise<string> {
    const { data } = await this.#call("read the repository", () => this.#octokit.rest.repos.get({ owner: this.owner, repo: this.repo }));
    return data.default_branch;
  }

  /** Creates `branch` on GitHub at the head of `base`, or finds it already there (a re-run reuses its branch). */
  async ensureBranch(branch: string, base: string): Promise<{ created: boolean; sha: string }> {
    const existing = await this.#branchSha(branch);
    if (existing) return { created: false, sha: existing };
    const baseSha = await this.#branchSha(base);
    if (!baseSha) throw permanentError(`Could not create branch ${branch}: the base branch ${base} does not exist; create it or set base in ${REPO_CONFIG_PATH}.`);
    try {
      await this.#octokit.rest.git.createRef({ owner: this.owner, repo: this.repo, ref: `refs/heads/${branch}`, sha: baseSha });
      return { created: true, sha: baseSha };
    } catch (error) {
      // Created meanwhile by another run: GitHub answers 422 "Reference already exists", and the branch is reused.
      const raced = (error as { status?: number }).status === 422 ? await this.#branchSha(branch) : undefined;
      if (raced) return { created: false, sha: raced };
      throw gitHubError(`create branch ${branch}`, error);
    }
  }

  async #branchSha(branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.#octokit.rest.git.getRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw gitHubError(`read branch ${branch}`, error);
    }
  }

  /** Opens the pull request, or updates the one already open for the branch: never a second PR for one issue. */
  async openOrUpdatePullRequest(options: {
    branch: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
    knownNumber?: number;
  }): Promise<PullRequestRef> {
    const title = this.#mask(options.title);
    const body = this.#mask(options.body);
    // Creating first saves a listing in the common case; GitHub's 422 tells us when one is already open.
    const existing = options.knownNumber;
    if (existing === undefined) {
      try {
        const { data } = await this.#octokit.rest.pulls.create({
          owner: this.owner,
          repo: this.repo,
          head: options.branch,
          base: options.base,
          title,
          body,
          draft: options.draft,
          maintainer_can_modify: true,
        });
        return { number: data.number, url: data.html_url, created: true };
      } catch (error) {
        const alreadyExists = /already exists/i.test(JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? ""));
        if (!alreadyExists) throw gitHubError("open the pull request", error);
      }
    }
    const number = existing ?? (await this.#openPullFor(options.branch));
    if (number === undefined) throw transientError("GitHub said a pull request exists for the branch but lists none; retrying.");
    const { data } = await this.#call("update the pull request", () =>
      this.#octokit.rest.pulls.update({
        owner: this.owner,
        repo: this.repo,
        pull_number: number,
        title,
        body,
        state: "open",
      }),
    );
    return { number: data.number, url: data.html_url, created: false };
  }

  async #openPullFor(branch: string): Promise<number | undefined> {
    const { data } = await this.#call("list pull requests", () =>
      this.#octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, head: `${this.owner}:${branch}`, state: "open", per_page: 5 }),
    );
    return data[0]?.number;
  }

  async #call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw gitHubError(action, error);
    }
  }
}
