// PlatformSkill: the seed's GitHub + notification API, typed, for the CLI, the dashboard and scripts.
import type { VenomConfig } from "../config/env.js";
import { VenomError } from "../errors.js";
import type { GitHubClients, Octokit } from "../github/clients.js";
import { gitHubError } from "../github/github-error.js";
import type { Channel, DeliveryResult, Notifier } from "./notify/notifier.js";

export interface PlatformIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  assignees: string[];
  url: string;
}

export interface PlatformIssueDetails extends PlatformIssue {
  author: string;
  comments: Array<{ id: number; author: string; body: string; createdAt: string; url: string }>;
}

export interface PlatformConnection {
  github: { configured: boolean; connected: boolean; login?: string; mode?: string; rateLimitRemaining?: number; error?: string };
  discord: { configured: boolean };
  slack: { configured: boolean };
  teams: { configured: boolean };
}

/** Raw issue shape from the REST API (the fields this skill reads). */
interface RestIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  created_at: string;
  updated_at: string;
  html_url: string;
  labels: Array<string | { name?: string }>;
  assignees?: Array<{ login: string }> | null;
  user?: { login: string } | null;
  pull_request?: unknown;
}

export class PlatformSkill {
  readonly #config: VenomConfig;
  readonly #github: GitHubClients;
  readonly #notifier: Notifier;

  constructor(options: { config: VenomConfig; github: GitHubClients; notifier: Notifier }) {
    this.#config = options.config;
    this.#github = options.github;
    this.#notifier = options.notifier;
  }

  /** Open (or `state`) issues assigned to VENOM_ASSIGNEE (token mode: the token's user); pull requests are filtered out. */
  async getAssignedIssues(options: { state?: "open" | "closed" | "all"; repo?: string } = {}): Promise<PlatformIssue[]> {
    const { octokit, owner, repo } = await this.#client(options.repo);
    const assignee = await this.#github.assignee();
    if (!assignee) {
      throw new VenomError(
        "user",
        this.#github.mode === "app"
          ? "No assignee is set: GitHub Apps cannot be assigned issues; set VENOM_ASSIGNEE to the login whose assignments Venom handles."
          : "Could not tell which user the app acts as; run venom doctor.",
      );
    }
    try {
      const issues = (await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        assignee,
        state: options.state ?? "open",
        per_page: 100,
      })) as RestIssue[];
      return issues.filter((issue) => !issue.pull_request).map(toIssue);
    } catch (error) {
      throw gitHubError(`list issues of ${owner}/${repo}`, error);
    }
  }

  async getIssueDetails(issueNumber: number, options: { repo?: string } = {}): Promise<PlatformIssueDetails> {
    const { octokit, owner, repo } = await this.#client(options.repo);
    try {
      const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: issueNumber });
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100,
      });
      return {
        ...toIssue(data as RestIssue),
        author: data.user?.login ?? "ghost",
        comments: comments.map((comment) => ({
          id: comment.id,
          author: comment.user?.login ?? "ghost",
          body: comment.body ?? "",
          createdAt: comment.created_at,
          url: comment.html_url,
        })),
      };
    } catch (error) {
      throw gitHubError(`read issue #${issueNumber} of ${owner}/${repo}`, error);
    }
  }

  async createPullRequest(options: {
    branch: string;
    title: string;
    body: string;
    base?: string;
    draft?: boolean;
    repo?: string;
  }): Promise<{ number: number; url: string }> {
    const { octokit, owner, repo } = await this.#client(options.repo);
    try {
      const base = options.base ?? (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: options.branch,
        base,
        title: options.title,
        body: options.body,
        draft: options.draft ?? false,
      });
      return { number: data.number, url: data.html_url };
    } catch (error) {
      throw gitHubError(`open a pull request from ${options.branch} in ${owner}/${repo}`, error);
    }
  }

  async commentOnIssue(issueNumber: number, text: string, options: { repo?: string } = {}): Promise<{ id: number; url: string }> {
    const { octokit, owner, repo } = await this.#client(options.repo);
    try {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: text });
      return { id: data.id, url: data.html_url };
    } catch (error) {
      throw gitHubError(`comment on #${issueNumber} of ${owner}/${repo}`, error);
    }
  }

  /** Sends to one channel or every configured one; a failed webhook is reported, never thrown. */
  sendNotification(message: string, channel: Channel | "all" = "all"): Promise<DeliveryResult[]> {
    return this.#notifier.send({ title: "Venom Integrator", message, status: "info" }, channel);
  }

  /** The seed's check_connection(): GitHub probed live (identity and quota), webhooks by configuration. */
  async checkConnection(): Promise<PlatformConnection> {
    const channels = new Set(this.#notifier.configured());
    const result: PlatformConnection = {
      github: { configured: this.#config.github.mode !== "none", connected: false },
      discord: { configured: channels.has("discord") },
      slack: { configured: channels.has("slack") },
      teams: { configured: channels.has("teams") },
    };
    if (this.#config.github.mode === "none") {
      result.github.error = "GitHub not configured: set APP_ID and PRIVATE_KEY, or GITHUB_TOKEN and GITHUB_REPO_NAME";
      return result;
    }
    try {
      const login = await this.#github.botLogin();
      result.github = { configured: true, connected: true, mode: this.#config.github.mode, ...(login ? { login } : {}) };
    } catch (error) {
      result.github.error = gitHubError("read the authenticated identity", error).message;
    }
    return result;
  }

  async #client(repoName?: string): Promise<{ octokit: Octokit; owner: string; repo: string }> {
    if (this.#config.github.mode === "none") {
      throw new VenomError("user", "GitHub not configured: set APP_ID and PRIVATE_KEY, or GITHUB_TOKEN and GITHUB_REPO_NAME.");
    }
    const fullName = repoName ?? this.#config.github.repo;
    if (!fullName) throw new VenomError("user", "No repository given: pass a repo (owner/name) or set GITHUB_REPO_NAME.");
    const [owner, repo] = fullName.split("/");
    if (!owner || !repo) throw new VenomError("user", `"${fullName}" is not an owner/repository name.`);
    if (this.#config.github.mode === "token") return { octokit: await this.#github.forInstallation(), owner, repo };
    let installationId: number;
    try {
      installationId = await this.#github.installationFor(owner, repo);
    } catch (error) {
      throw gitHubError(`find the App's installation on ${fullName}`, error);
    }
    return { octokit: await this.#github.forInstallation(installationId), owner, repo };
  }
}

function toIssue(issue: RestIssue): PlatformIssue {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? "",
    state: issue.state,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
    labels: issue.labels.map((label) => (typeof label === "string" ? label : (label.name ?? ""))).filter(Boolean),
    assignees: (issue.assignees ?? []).map((assignee) => assignee.login),
    url: issue.html_url,
  };
}
