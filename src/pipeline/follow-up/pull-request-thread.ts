// The GitHub side of a follow-up: the app's open pull request for the branch, its diff, and the answers posted on it.
import { gitHubError } from "../../github/github-error.js";
import type { Octokit } from "../../github/clients.js";
import { permanentError } from "../../errors.js";
import type { InlineComment } from "./feedback.js";

export interface OpenPullRequest {
  number: number;
  url: string;
  headSha: string;
  base: string;
}

/** Files of the PR's diff shown to the Coder: enough for any review-sized change. */
const DIFF_FILES = 100;

export class PullRequestThread {
  readonly #octokit: Octokit;
  readonly #owner: string;
  readonly #repo: string;
  readonly #mask: (text: string) => string;

  constructor(octokit: Octokit, fullName: string, mask: (text: string) => string) {
    const [owner, repo] = fullName.split("/");
    if (!owner || !repo) throw permanentError(`"${fullName}" is not an owner/repository name.`);
    this.#octokit = octokit;
    this.#owner = owner;
    this.#repo = repo;
    this.#mask = mask;
  }

  /** The open PR whose head is `branch` (the known number first); undefined when it was closed or never opened. */
  async find(branch: string, knownNumber?: number): Promise<OpenPullRequest | undefined> {
    if (knownNumber !== undefined) {
      const { data } = await this.#call("read the pull request", () =>
        this.#octokit.rest.pulls.get({ owner: this.#owner, repo: this.#repo, pull_number: knownNumber }),
      );
      if (data.state === "open" && data.head.ref === branch) return { number: data.number, url: data.html_url, headSha: data.head.sha, base: data.base.ref };
    }
    const { data } = await this.#call("list pull requests", () =>
      this.#octokit.rest.pulls.list({ owner: this.#owner, repo: this.#repo, head: `${this.#owner}:${branch}`, state: "open", per_page: 5 }),
    );
    const pull = data[0];
    return pull ? { number: pull.number, url: pull.html_url, headSha: pull.head.sha, base: pull.base.ref } : undefined;
  }

  /** The PR's diff against its base as GitHub shows it (file patches), one request. */
  async diff(number: number): Promise<string> {
    const { data } = await this.#call("read the pull request's files", () =>
      this.#octokit.rest.pulls.listFiles({ owner: this.#owner, repo: this.#repo, pull_number: number, per_page: DIFF_FILES }),
    );
    return data
      .map((file) => `--- ${file.status === "added" ? "/dev/null" : `a/${file.filename}`}\n+++ ${file.status === "removed" ? "/dev/null" : `b/${file.filename}`}\n${file.patch ?? "(binary or too large to show)"}`)
      .join("\n");
  }

  /** A review's inline comments (webhooks do not carry them); a comment answering a thread stands for the thread's first. */
  async reviewComments(number: number, reviewId: number): Promise<InlineComment[]> {
    const comments = await this.#call("read the review's comments", () =>
      this.#octokit.paginate(this.#octokit.rest.pulls.listCommentsForReview, { owner: this.#owner, repo: this.#repo, pull_number: number, review_id: reviewId, per_page: 100 }),
    );
    return comments.map((comment) => {
      const line = (comment as { line?: number | null }).line;
      return {
        // GitHub takes replies to a thread's first comment only.
        id: comment.in_reply_to_id ?? comment.id,
        path: comment.path,
        ...(typeof line === "number" ? { line } : {}),
        diffHunk: comment.diff_hunk,
        body: comment.body,
        author: comment.user?.login ?? "ghost",
      };
    });
  }

  /** Answers an inline review comment in its own thread. */
  async reply(number: number, commentId: number, body: string): Promise<void> {
    await this.#call("reply to a review comment", () =>
      this.#octokit.rest.pulls.createReplyForReviewComment({
        owner: this.#owner,
        repo: this.#repo,
        pull_number: number,
        comment_id: commentId,
        body: this.#mask(body),
      }),
    );
  }

  /** Answers a review-level request (or a `/venom` PR comment) with one comment on the PR's conversation. */
  async comment(number: number, body: string): Promise<void> {
    await this.#call("comment on the pull request", () =>
      this.#octokit.rest.issues.createComment({ owner: this.#owner, repo: this.#repo, issue_number: number, body: this.#mask(body) }),
    );
  }

  /** Replies already in a comment's thread by `author` (a resumed attempt checks before answering again). */
  async repliedTo(number: number, author: string | undefined): Promise<Set<number>> {
    if (author === undefined) return new Set();
    const comments = await this.#call("read the review comments", () =>
      this.#octokit.paginate(this.#octokit.rest.pulls.listReviewComments, { owner: this.#owner, repo: this.#repo, pull_number: number, per_page: 100 }),
    );
    return new Set(comments.filter((comment) => comment.user?.login === author && comment.in_reply_to_id !== undefined).map((comment) => comment.in_reply_to_id as number));
  }

  async #call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw gitHubError(action, error);
    }
  }
}
