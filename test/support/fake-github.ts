// In-process fake GitHub for end-to-end tests: a REST subset under /api/v3 plus git smart HTTP via git http-backend.
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createGunzip } from "node:zlib";
import { FakeActions } from "./fake-github-actions.js";
import { FakeChecks, type PullHead } from "./fake-github-checks.js";
import { FakeProjects } from "./fake-github-graphql.js";
import { FakeGitData, type IssueEventRecord } from "./fake-github-git-data.js";

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface FakeGitHubOptions {
  /** Installation/PAT token accepted on REST and (as the Basic password) on git; default `ghs_faketoken0123456789abcdef0123456789`. */
  token?: string;
  /** The App's slug; the token's identity is `<appSlug>[bot]`. Default `venom-integrator`. */
  appSlug?: string;
  /** Where bare repos live (`<rootDir>/<owner>/<name>.git`); default a fresh temp directory removed by stop(). */
  rootDir?: string;
  /**
   * Lifetime of the installation tokens `POST /app/installations/{id}/access_tokens` hands out: each call then
   * issues a new token, refused (401) once it expires. Default: the one fixed `token`, valid until expireTokens().
   */
  tokenLifetimeMs?: number;
  /** Delay before each REST answer, standing in for the network round trip to GitHub (default 0). For benchmarks. */
  latencyMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v3/repos/o/r/issues` or `/o/r.git/info/refs`. */
  path: string;
  /** Path with the query string, as sent. */
  url: string;
  status: number;
  authorization?: string;
  ifNoneMatch?: string;
  /** The `X-GitHub-Api-Version` header as sent, if any. */
  apiVersion?: string;
}

export interface User {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  url: string;
  html_url: string;
  type: "User" | "Bot";
  site_admin: boolean;
}

export interface Label {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface ReactionSummary {
  url: string;
  total_count: number;
  "+1": number;
  "-1": number;
  laugh: number;
  confused: number;
  heart: number;
  hooray: number;
  rocket: number;
  eyes: number;
}

export interface Issue {
  url: string;
  repository_url: string;
  labels_url: string;
  comments_url: string;
  events_url: string;
  html_url: string;
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  user: User;
  labels: Label[];
  state: "open" | "closed";
  state_reason: string | null;
  locked: boolean;
  assignee: User | null;
  assignees: User[];
  milestone: null;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: string;
  active_lock_reason: null;
  reactions: ReactionSummary;
  performed_via_github_app: null;
  draft?: boolean;
  pull_request?: { url: string; html_url: string; diff_url: string; patch_url: string; merged_at: string | null };
}

export interface Comment {
  url: string;
  html_url: string;
  issue_url: string;
  id: number;
  node_id: string;
  user: User;
  body: string;
  created_at: string;
  updated_at: string;
  author_association: string;
  reactions: ReactionSummary;
  performed_via_github_app: null;
}

export interface Repository {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  owner: User;
  private: boolean;
  visibility: "public" | "private";
  html_url: string;
  description: string | null;
  fork: boolean;
  url: string;
  clone_url: string;
  default_branch: string;
  archived: boolean;
  disabled: boolean;
  has_issues: boolean;
  created_at: string;
  updated_at: string;
  pushed_at: string;
  permissions: { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean };
}

export interface PullBranch {
  label: string;
  ref: string;
  sha: string;
  user: User;
  repo: Repository;
}

export interface Pull {
  url: string;
  id: number;
  node_id: string;
  html_url: string;
  diff_url: string;
  patch_url: string;
  issue_url: string;
  comments_url: string;
  number: number;
  state: "open" | "closed";
  locked: boolean;
  title: string;
  body: string | null;
  user: User;
  labels: Label[];
  assignee: User | null;
  assignees: User[];
  requested_reviewers: User[];
  draft: boolean;
  merged: boolean;
  mergeable: boolean | null;
  merged_at: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: string;
  head: PullBranch;
  base: PullBranch;
}

interface FaultOptions {
  times?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const DEFAULT_TOKEN = "ghs_faketoken0123456789abcdef0123456789";
/** The fake App's id (`GET /app`); check runs created with its tokens carry it. */
export const FAKE_APP_ID = 1;
const DOCUMENTATION_URL = "https://docs.github.com/rest";
const RATE_LIMIT = 5000;
const REACTION_CONTENTS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"] as const;
const LEGACY_PERMISSION: Record<Permission, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};
const PERMISSION_RANK: Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

interface RepoState {
  owner: string;
  name: string;
  fullName: string;
  id: number;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  /** Last push to any branch (GitHub's `pushed_at`, whole seconds). */
  pushedAt: string;
  nextNumber: number;
  issues: Map<number, IssueRecord>;
  comments: CommentRecord[];
  /** Inline review comments on pull requests (replies carry `inReplyTo`). */
  reviewComments: ReviewCommentRecord[];
  permissions: Map<string, Permission>;
  /** Keyed `issue:<number>` or `comment:<id>`. */
  reactions: Map<string, ReactionRecord[]>;
}

interface IssueRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull?: PullRecord;
}

interface ReviewCommentRecord {
  id: number;
  pullNumber: number;
  /** The review it was submitted with, when it was. */
  reviewId?: number;
  path: string;
  line: number | null;
  diffHunk: string;
  body: string;
  user: string;
  inReplyTo?: number;
  createdAt: string;
}

interface PullRecord {
  id: number;
  headOwner: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  draft: boolean;
}

interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

interface ReactionRecord {
  id: number;
  content: string;
  user: string;
  createdAt: string;
}

interface Fault {
  method: string;
  pathRegex: RegExp;
  status: number;
  remaining: number;
  headers: Record<string, string>;
  body: unknown;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  url: URL;
  /** The credential the request carried (installation token, PAT or JWT). */
  token?: string;
}

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  /** "token": the installation/PAT token; "jwt": any App JWT (three dot-separated parts). */
  auth: "token" | "jwt";
  handler: (context: Context) => Reply | Promise<Reply>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const notFound = (): HttpError => new HttpError(404, { message: "Not Found", documentation_url: DOCUMENTATION_URL });
const validationFailed = (errors: unknown[]): HttpError =>
  new HttpError(422, { message: "Validation Failed", errors, documentation_url: DOCUMENTATION_URL });

export class FakeGitHub {
  readonly url: string;
  readonly host: string;
  readonly apiUrl: string;
  readonly token: string;
  readonly appSlug: string;
  readonly rootDir: string;
  readonly requests: RecordedRequest[] = [];
  /** Reviews, check runs and suites, statuses, workflow runs and job logs, with their test helpers. */
  readonly checks: FakeChecks;
  /** Git Data API (blobs, trees, commits, refs), users and issue events: fake-github-git-data.ts. */
  readonly gitData: FakeGitData;
  /** workflow_dispatch: declared workflows, recorded dispatches, the runs they start (fake-github-actions.ts). */
  readonly actions: FakeActions;
  /** GraphQL at /api/graphql: Projects (v2) and their items (fake-github-graphql.ts). */
  readonly projects: FakeProjects;

  readonly #server: Server;
  readonly #ownsRootDir: boolean;
  readonly #httpBackend: string;
  readonly #repos = new Map<string, RepoState>();
  readonly #routes: Route[];
  readonly #faults: Fault[] = [];
  readonly #rateLimitReset = Math.floor(Date.now() / 1000) + 3600;
  readonly #tokenLifetimeMs: number | undefined;
  readonly #latencyMs: number;
  /** Every token accepted so far (the fixed one included) → when it stops working (ms since the epoch). */
  readonly #tokenExpiry = new Map<string, number>();
  #rateLimitUsed = 0;
  #nextId = 1000;

  private constructor(server: Server, port: number, options: FakeGitHubOptions) {
    this.#server = server;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.apiUrl = `${this.url}/api/v3`;
    this.token = options.token ?? DEFAULT_TOKEN;
    this.#tokenLifetimeMs = options.tokenLifetimeMs;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#tokenExpiry.set(this.token, Number.POSITIVE_INFINITY);
    this.appSlug = options.appSlug ?? "venom-integrator";
    this.#ownsRootDir = options.rootDir === undefined;
    this.rootDir = options.rootDir ?? mkdtempSync(join(tmpdir(), "fake-github-"));
    mkdirSync(this.rootDir, { recursive: true });
    this.#httpBackend = join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");
    this.checks = new FakeChecks({
      url: this.url,
      apiUrl: this.apiUrl,
      appId: FAKE_APP_ID,
      appSlug: this.appSlug,
      newId: () => this.#newId(),
      user: (login) => this.#user(login),
      authorAssociation: (fullName, login) => this.#authorAssociation(this.#repo(fullName), login),
      fullName: (owner, repo) => {
        const state = this.#repos.get(`${owner}/${repo}`.toLowerCase());
        if (!state) throw notFound();
        return state.fullName;
      },
      pull: (fullName, number) => this.#pullHeads(fullName).find((pull) => pull.number === number),
      pulls: (fullName) => this.#pullHeads(fullName),
      paginate: (items, query, url) => this.#paginate(items, query, url),
      notFound,
      validationFailed,
    });
    this.gitData = new FakeGitData({
      url: this.url,
      apiUrl: this.apiUrl,
      appId: FAKE_APP_ID,
      appSlug: this.appSlug,
      newId: () => this.#newId(),
      user: (login) => this.#user(login),
      fullName: (owner, repo) => {
        const state = this.#repos.get(`${owner}/${repo}`.toLowerCase());
        if (!state) throw notFound();
        return state.fullName;
      },
      bareRepoPath: (fullName) => this.bareRepoPath(fullName),
      issueExists: (fullName, number) => this.#repos.get(fullName.toLowerCase())?.issues.has(number) === true,
      paginate: (items, query, url) => this.#paginate(items, query, url),
      notFound,
      validationFailed,
      error: (status, message) => new HttpError(status, { message, documentation_url: DOCUMENTATION_URL }),
      // A ref moved through the API is a push for the rest of the fake: pushed_at moves; pull request heads follow
      // the branch already (they are read from the bare repository).
      refUpdated: (fullName) => {
        const repo = this.#repos.get(fullName.toLowerCase());
        if (repo) repo.pushedAt = timestamp();
      },
    });
    this.actions = new FakeActions(
      {
        url: this.url,
        apiUrl: this.apiUrl,
        newId: () => this.#newId(),
        fullName: (owner, repo) => {
          const state = this.#repos.get(`${owner}/${repo}`.toLowerCase());
          if (!state) throw notFound();
          return state.fullName;
        },
        branchSha: (fullName, branch) => this.branchSha(fullName, branch),
        paginate: (items, query, url) => this.#paginate(items, query, url),
        notFound,
        error: (status, message) => new HttpError(status, { message, documentation_url: DOCUMENTATION_URL }),
      },
      this.checks,
    );
    this.projects = new FakeProjects({
      newId: () => this.#newId(),
      issueNodeId: (fullName, number) => {
        const issue = this.#repos.get(fullName.toLowerCase())?.issues.get(number);
        return issue && !issue.pull ? nodeId("Issue", issue.id) : undefined;
      },
      markReady: (id) => {
        for (const repo of this.#repos.values()) {
          for (const issue of repo.issues.values()) {
            if (issue.pull && nodeId("PullRequest", issue.pull.id) === id) {
              issue.pull.draft = false;
              return true;
            }
          }
        }
        return false;
      },
    });
    this.#routes = this.#buildRoutes();
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const fake = new FakeGitHub(server, (server.address() as AddressInfo).port, options);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => void fake.#handle(request, response));
    return fake;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
    if (this.#ownsRootDir) rmSync(this.rootDir, { recursive: true, force: true });
  }

  // ---- state set-up -------------------------------------------------------------------------

  /** Creates a bare repo `<rootDir>/<owner>/<name>.git` holding one initial commit of `files`. */
  async createRepo(
    fullName: string,
    options: { files?: Record<string, string>; defaultBranch?: string; private?: boolean } = {},
  ): Promise<void> {
    const [owner, name] = splitFullName(fullName);
    if (this.#repos.has(fullName.toLowerCase())) throw new Error(`repo ${fullName} already exists`);
    const defaultBranch = options.defaultBranch ?? "main";
    const bare = join(this.rootDir, owner, `${name}.git`);
    mkdirSync(dirname(bare), { recursive: true });
    await git(["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`, bare]);
    const settings: Array<[string, string]> = [
      ["http.receivepack", "true"],
      ["uploadpack.allowFilter", "true"],
      ["uploadpack.allowAnySHA1InWant", "true"],
      ["uploadpack.allowReachableSHA1InWant", "true"],
    ];
    for (const [key, value] of settings) await git(["config", key, value], bare);
    const work = mkdtempSync(join(tmpdir(), "fake-github-work-"));
    try {
      await git(["init", "--quiet", `--initial-branch=${defaultBranch}`, work]);
      for (const [path, content] of Object.entries(options.files ?? {})) {
        const target = join(work, path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
      await git(["add", "--all"], work);
      await git(["commit", "--quiet", "--allow-empty", "-m", "Initial commit"], work);
      await git(["push", "--quiet", bare, `HEAD:refs/heads/${defaultBranch}`], work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    this.#register(owner, name, defaultBranch, options.private ?? false);
  }

  /**
   * Repositories with REST state only (issues, comments, labels) and no git repository behind them: contents
   * answer 404 and git refuses them. For poll-scale tests over hundreds of repositories, which need no clone.
   */
  addRestOnlyRepos(fullNames: string[]): void {
    for (const fullName of fullNames) {
      const [owner, name] = splitFullName(fullName);
      if (this.#repos.has(fullName.toLowerCase())) throw new Error(`repo ${fullName} already exists`);
      this.#register(owner, name, "main", false);
    }
  }

  #register(owner: string, name: string, defaultBranch: string, isPrivate: boolean): void {
    const now = timestamp();
    this.#repos.set(`${owner}/${name}`.toLowerCase(), {
      owner,
      name,
      fullName: `${owner}/${name}`,
      id: this.#newId(),
      defaultBranch,
      private: isPrivate,
      createdAt: now,
      pushedAt: now,
      nextNumber: 1,
      issues: new Map(),
      comments: [],
      reviewComments: [],
      permissions: new Map(),
      reactions: new Map(),
    });
  }

  /** Adds an issue; numbers are per repo and shared with pull requests. */
  addIssue(
    fullName: string,
    issue: {
      title: string;
      body?: string;
      labels?: string[];
      assignees?: string[];
      user?: string;
      state?: "open" | "closed";
    },
  ): Issue {
    const repo = this.#repo(fullName);
    const record = this.#newIssue(repo, {
      title: issue.title,
      body: issue.body ?? null,
      labels: issue.labels ?? [],
      assignees: issue.assignees ?? [],
      user: issue.user ?? "octocat",
    });
    if (issue.state === "closed") setIssueState(record, "closed", "completed");
    return this.#issueJson(repo, record);
  }

  addComment(fullName: string, issueNumber: number, body: string, user = "octocat"): Comment {
    const repo = this.#repo(fullName);
    const issue = repo.issues.get(issueNumber);
    if (!issue) throw new Error(`no issue #${issueNumber} in ${fullName}`);
    return this.#commentJson(repo, this.#newComment(repo, issue, body, user));
  }

  /**
   * Adds `label` to the issue or pull request as `actor` did (a human, in tests), recording GitHub's `labeled` event
   * with that actor. A label the issue already has changes nothing and records no event (undefined), as on GitHub.
   */
  labelIssue(fullName: string, issueNumber: number, label: string, actor: string): IssueEventRecord | undefined {
    const repo = this.#repo(fullName);
    const issue = repo.issues.get(issueNumber);
    if (!issue) throw new Error(`no issue #${issueNumber} in ${fullName}`);
    if (includesLogin(issue.labels, label)) return undefined;
    issue.labels = [...issue.labels, label];
    issue.updatedAt = timestamp();
    return this.gitData.recordIssueEvent(repo.fullName, issueNumber, { event: "labeled", actor, label });
  }

  /** The issue's recorded events (labeled, unlabeled, assigned, unassigned), oldest first. */
  issueEvents(fullName: string, issueNumber: number): IssueEventRecord[] {
    return this.gitData.issueEvents(this.#repo(fullName).fullName, issueNumber);
  }

  /**
   * How GitHub verifies `sha`: `{ verified: true, reason: "valid" }` for a commit the App created through
   * `POST /git/commits` with its installation token and no author/committer/signature; undefined for a commit that
   * never went through that route (pushed over git: GitHub reports it `unsigned`).
   */
  commitVerification(fullName: string, sha: string): { verified: boolean; reason: string } | undefined {
    return this.gitData.commitVerification(this.#repo(fullName).fullName, sha);
  }

  /** The commits created through `POST /git/commits`, oldest first; a sha missing here was pushed over git. */
  apiCommits(fullName: string): string[] {
    return this.gitData.apiCommits(this.#repo(fullName).fullName);
  }

  setPermission(fullName: string, username: string, permission: Permission): void {
    this.#repo(fullName).permissions.set(username.toLowerCase(), permission);
  }

  /** A new installation token, as `POST /app/installations/{id}/access_tokens` issues (default lifetime one hour). */
  issueToken(lifetimeMs = this.#tokenLifetimeMs ?? 3600_000): { token: string; expiresAt: number } {
    const token = `ghs_${randomUUID().replace(/-/g, "")}`;
    const expiresAt = Date.now() + lifetimeMs;
    this.#tokenExpiry.set(token, expiresAt);
    return { token, expiresAt };
  }

  /**
   * Every token issued so far (the fixed `token` included) stops working now, whatever its `expires_at` said:
   * REST answers 401 Bad credentials and git 401, as GitHub does for an expired or revoked token. The next
   * access-token request issues a new one.
   */
  expireTokens(): void {
    const now = Date.now();
    for (const token of this.#tokenExpiry.keys()) this.#tokenExpiry.set(token, now);
  }

  /** Every token this fake accepted at some point (for checks that none leaked). */
  issuedTokens(): string[] {
    return [...this.#tokenExpiry.keys()];
  }

  /** Queues `times` (default 1) canned responses for requests (REST or git) whose method and path match. */
  failNext(method: string, pathRegex: RegExp, status: number, options: FaultOptions = {}): void {
    this.#faults.push({
      method: method.toUpperCase(),
      pathRegex,
      status,
      remaining: options.times ?? 1,
      headers: options.headers ?? {},
      body: options.body,
    });
  }

  // ---- inspection ---------------------------------------------------------------------------

  /** Issues proper (pull requests, which GitHub also lists as issues, are left out; see pulls()). */
  issues(fullName: string): Issue[] {
    const repo = this.#repo(fullName);
    return [...repo.issues.values()].filter((issue) => !issue.pull).map((issue) => this.#issueJson(repo, issue));
  }

  comments(fullName: string, issueNumber: number): Comment[] {
    const repo = this.#repo(fullName);
    return repo.comments
      .filter((comment) => comment.issueNumber === issueNumber)
      .map((comment) => this.#commentJson(repo, comment));
  }

  /** An inline review comment on a pull request, as a reviewer would leave it. */
  addReviewComment(fullName: string, pullNumber: number, comment: { path: string; line?: number; body: string; user: string; diffHunk?: string }): ReviewCommentRecord {
    const repo = this.#repo(fullName);
    const record: ReviewCommentRecord = {
      id: this.#newId(),
      pullNumber,
      path: comment.path,
      line: comment.line ?? null,
      diffHunk: comment.diffHunk ?? "@@ -1 +1 @@",
      body: comment.body,
      user: comment.user,
      createdAt: timestamp(),
    };
    repo.reviewComments.push(record);
    return record;
  }

  /** A submitted review, with its inline comments (`comments`) linked to it as GitHub does. */
  addReview(
    fullName: string,
    pullNumber: number,
    review: { user: string; state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED"; body?: string; comments?: Array<{ path: string; line?: number; body: string; diffHunk?: string }> },
  ): { review: ReturnType<FakeChecks["addReview"]>; comments: ReviewCommentRecord[] } {
    const submitted = this.checks.addReview(fullName, pullNumber, review);
    const comments = (review.comments ?? []).map((comment) => {
      const added = this.addReviewComment(fullName, pullNumber, { ...comment, user: review.user });
      added.reviewId = submitted.id;
      return added;
    });
    return { review: submitted, comments };
  }

  /** The pull request's inline review comments and replies, oldest first. */
  reviewComments(fullName: string, pullNumber: number): ReviewCommentRecord[] {
    return this.#repo(fullName).reviewComments.filter((comment) => comment.pullNumber === pullNumber);
  }

  pulls(fullName: string): Pull[] {
    const repo = this.#repo(fullName);
    return [...repo.issues.values()].filter((issue) => issue.pull).map((issue) => this.#pullJson(repo, issue));
  }

  /** Reaction contents on `issue:<number>` or `comment:<id>`, in the order they were added. */
  reactions(fullName: string, subject: string): string[] {
    return (this.#repo(fullName).reactions.get(subject) ?? []).map((reaction) => reaction.content);
  }

  branchSha(fullName: string, branch: string): string | undefined {
    return gitSync(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], this.bareRepoPath(fullName));
  }

  readFile(fullName: string, ref: string, path: string): string | undefined {
    if (ref.startsWith("-")) return undefined;
    return gitSync(["show", `${ref}:${path}`], this.bareRepoPath(fullName), false);
  }

  bareRepoPath(fullName: string): string {
    const repo = this.#repos.get(fullName.toLowerCase());
    if (repo) return join(this.rootDir, repo.owner, `${repo.name}.git`);
    const [owner, name] = splitFullName(fullName);
    return join(this.rootDir, owner, `${name}.git`);
  }

  /** REST responses that counted against the rate limit: all of them except 304 Not Modified. */
  rateLimitedCount(): number {
    return this.#rateLimitUsed;
  }

  // ---- request dispatch ---------------------------------------------------------------------

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.url);
    const method = (request.method ?? "GET").toUpperCase();
    const record = (status: number): void => {
      this.requests.push({
        method,
        path: url.pathname,
        url: request.url ?? "/",
        status,
        authorization: request.headers.authorization,
        ifNoneMatch: header(request, "if-none-match"),
        apiVersion: header(request, "x-github-api-version"),
      });
    };
    if (url.pathname === "/api/graphql" && method === "POST") {
      await this.#serveGraphql(request, response, record);
      return;
    }
    const isRest = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
    if (isRest && this.#latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#latencyMs));
    try {
      const fault = this.#takeFault(method, url.pathname);
      if (isRest) {
        let reply: Reply;
        try {
          if (fault) {
            await drain(request);
            reply = {
              status: fault.status,
              body: fault.body ?? { message: STATUS_CODES[fault.status] ?? "Error", documentation_url: DOCUMENTATION_URL },
              headers: fault.headers,
            };
          } else {
            reply = await this.#serveRest(request, method, url);
          }
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          reply = { status: error.status, body: error.body };
        }
        this.#sendRest(request, response, method, reply, record);
        return;
      }
      const gitPath = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|HEAD|git-upload-pack|git-receive-pack|objects\/.+))$/.exec(
        url.pathname,
      );
      if (fault) {
        await drain(request);
        record(fault.status);
        response.writeHead(fault.status, { "content-type": "text/plain", ...fault.headers });
        response.end(typeof fault.body === "string" ? fault.body : `${STATUS_CODES[fault.status] ?? "Error"}\n`);
        return;
      }
      const log = method === "GET" ? this.checks.downloadLog(url.pathname) : undefined;
      if (log !== undefined) {
        record(200);
        response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        response.end(log);
        return;
      }
      if (gitPath) {
        await this.#serveGit(request, response, method, url, gitPath, record);
        return;
      }
      await drain(request);
      record(404);
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("Not Found\n");
    } catch (error) {
      record(500);
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(`fake-github internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }

  /** GraphQL (GHE's `/api/graphql`): a valid token, then the projects module answers; errors ride in a 200 as on GitHub. */
  async #serveGraphql(request: IncomingMessage, response: ServerResponse, record: (status: number) => void): Promise<void> {
    const rawBody = (await readBody(request)).toString("utf8");
    let reply: { status: number; body: unknown };
    try {
      this.#authorize(request, "token");
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new HttpError(400, { message: "Problems parsing JSON", documentation_url: DOCUMENTATION_URL });
      }
      reply = this.projects.serve(body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      reply = { status: error.status, body: error.body };
    }
    record(reply.status);
    response.writeHead(reply.status, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(reply.body));
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((fault) => {
      fault.pathRegex.lastIndex = 0;
      return (fault.method === method || fault.method === "*") && fault.pathRegex.test(path);
    });
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  async #serveRest(request: IncomingMessage, method: string, url: URL): Promise<Reply> {
    const path = url.pathname.slice("/api/v3".length) || "/";
    const rawBody = (await readBody(request)).toString("utf8");
    let body: unknown = {};
    if (rawBody.trim() !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new HttpError(400, { message: "Problems parsing JSON", documentation_url: DOCUMENTATION_URL });
      }
    }
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      this.#authorize(request, route.auth);
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1] ?? "")));
      const token = /^\w+\s+(\S+)\s*$/.exec(request.headers.authorization ?? "")?.[1];
      return route.handler({ params, query: url.searchParams, body, url, token });
    }
    this.#authorize(request, "token");
    throw notFound();
  }

  #authorize(request: IncomingMessage, kind: "token" | "jwt"): void {
    const match = /^(\w+)\s+(\S+)\s*$/.exec(request.headers.authorization ?? "");
    const scheme = match?.[1]?.toLowerCase();
    const credential = match?.[2] ?? "";
    const accepted =
      kind === "jwt"
        ? scheme === "bearer" && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential)
        : (scheme === "token" || scheme === "bearer") && this.#tokenValid(credential);
    if (!accepted) throw new HttpError(401, { message: "Bad credentials", documentation_url: DOCUMENTATION_URL });
  }

  #tokenValid(token: string): boolean {
    return (this.#tokenExpiry.get(token) ?? 0) > Date.now();
  }

  #sendRest(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    reply: Reply,
    record: (status: number) => void,
  ): void {
    let status = reply.status;
    let text = reply.body === undefined || status === 204 ? "" : JSON.stringify(reply.body);
    const headers: Record<string, string> = {
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": randomUUID().toUpperCase(),
    };
    if (method === "GET" && status === 200) {
      const etag = `W/"${sha1(text)}"`;
      headers.etag = etag;
      if (etagMatches(header(request, "if-none-match"), etag)) {
        status = 304;
        text = "";
      }
    }
    if (status !== 304) this.#rateLimitUsed += 1;
    Object.assign(headers, {
      "x-ratelimit-limit": String(RATE_LIMIT),
      "x-ratelimit-remaining": String(Math.max(0, RATE_LIMIT - this.#rateLimitUsed)),
      "x-ratelimit-reset": String(this.#rateLimitReset),
      "x-ratelimit-used": String(this.#rateLimitUsed),
      "x-ratelimit-resource": "core",
    });
    if (text !== "") headers["content-type"] = "application/json; charset=utf-8";
    Object.assign(headers, reply.headers ?? {});
    record(status);
    response.writeHead(status, headers);
    response.end(text);
  }

  // ---- git smart HTTP -----------------------------------------------------------------------

  async #serveGit(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    url: URL,
    gitPath: RegExpExecArray,
    record: (status: number) => void,
  ): Promise<void> {
    const refuse = async (status: number, text: string, headers: Record<string, string> = {}): Promise<void> => {
      await drain(request);
      record(status);
      response.writeHead(status, { "content-type": "text/plain", ...headers });
      response.end(text);
    };
    const authorization = request.headers.authorization ?? "";
    const basic = /^basic\s+(\S+)\s*$/i.exec(authorization);
    if (!basic) return refuse(401, "Authentication required\n", { "www-authenticate": 'Basic realm="GitHub"' });
    const decoded = Buffer.from(basic[1] ?? "", "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (colon < 0 || user !== "x-access-token" || !this.#tokenExpiry.has(password)) {
      return refuse(403, "Permission denied\n");
    }
    if (!this.#tokenValid(password)) {
      // GitHub's answer to an expired token: 401, which git reports as an authentication failure.
      return refuse(401, "remote: Invalid username or token.\n", { "www-authenticate": 'Basic realm="GitHub"' });
    }
    const repo = this.#repos.get(`${gitPath[1]}/${gitPath[2]}`.toLowerCase());
    if (!repo) return refuse(404, "Repository not found.\n");

    const gitProtocol = header(request, "git-protocol");
    const child = spawn(this.#httpBackend, [], {
      env: gitEnv({
        GIT_PROJECT_ROOT: this.rootDir,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: `/${repo.owner}/${repo.name}.git${gitPath[3] ?? ""}`,
        REQUEST_METHOD: method,
        QUERY_STRING: url.search.replace(/^\?/, ""),
        CONTENT_TYPE: header(request, "content-type") ?? "",
        REMOTE_USER: user,
        REMOTE_ADDR: request.socket.remoteAddress ?? "127.0.0.1",
        SERVER_PROTOCOL: `HTTP/${request.httpVersion}`,
        ...(gitProtocol ? { GIT_PROTOCOL: gitProtocol, HTTP_GIT_PROTOCOL: gitProtocol } : {}),
      }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const encoding = header(request, "content-encoding")?.toLowerCase();
    const input = encoding === "gzip" || encoding === "x-gzip" ? request.pipe(createGunzip()) : request;
    input.on("error", () => child.kill());
    child.stdin.on("error", () => undefined);
    input.pipe(child.stdin);

    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    await new Promise<void>((resolve) => {
      let head = Buffer.alloc(0);
      let started = false;
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = headerEnd(head);
        if (!end) return;
        child.stdout.off("data", onData);
        child.stdout.pause();
        started = true;
        const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString("latin1"));
        record(status);
        response.writeHead(status, headers);
        response.write(head.subarray(end.index + end.length));
        child.stdout.pipe(response);
        response.on("close", () => resolve());
      };
      child.stdout.on("data", onData);
      child.on("error", (error) => {
        stderr += String(error);
      });
      child.on("close", (code) => {
        // GitHub's pushed_at moves with every push, to any branch.
        if (code === 0 && gitPath[3] === "/git-receive-pack") repo.pushedAt = timestamp();
        if (started) return;
        record(500);
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(`git http-backend failed: ${stderr}\n`);
        resolve();
      });
    });
  }

  // ---- REST routes --------------------------------------------------------------------------

  #buildRoutes(): Route[] {
    const routes: Route[] = [];
    const add = (method: string, template: string, handler: Route["handler"], auth: Route["auth"] = "token"): void => {
      const names: string[] = [];
      const source = template.replace(/\{(\w+)(\*?)\}/g, (_whole, name: string, rest: string) => {
        names.push(name);
        if (rest) return "(.*)";
        return name === "number" || name === "id" ? "(\\d+)" : "([^/]+)";
      });
      routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, auth, handler });
    };
    const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });
    const created = (body: unknown): Reply => ({ status: 201, body });

    // GitHub App (JWT) endpoints
    add("GET", "/app", () => ok(this.#appJson()), "jwt");
    add("GET", "/app/installations", ({ query, url }) => {
      const { items, headers } = this.#paginate([this.#installationJson()], query, url);
      return ok(items, headers);
    }, "jwt");
    add("GET", "/app/installations/{id}", ({ params }) => ok(this.#installation(params.id)), "jwt");
    add(
      "POST",
      "/app/installations/{id}/access_tokens",
      ({ params }) => {
        const installation = this.#installation(params.id);
        const issued =
          this.#tokenLifetimeMs === undefined && this.#tokenValid(this.token)
            ? { token: this.token, expiresAt: Date.now() + 3600_000 }
            : this.issueToken();
        return created({
          token: issued.token,
          expires_at: timestamp(issued.expiresAt),
          permissions: installation.permissions,
          repository_selection: "selected",
        });
      },
      "jwt",
    );
    add("GET", "/repos/{owner}/{repo}/installation", (context) => {
      this.#repoOf(context);
      return ok(this.#installationJson());
    }, "jwt");
    add("GET", "/orgs/{org}/installation", ({ params }) => ok(this.#installationFor(params.org)), "jwt");
    add("GET", "/users/{username}/installation", ({ params }) => ok(this.#installationFor(params.username)), "jwt");

    // identity and repositories
    add("GET", "/user", () => ok(this.#user(`${this.appSlug}[bot]`)));
    add("GET", "/installation/repositories", ({ query, url }) => {
      const all = [...this.#repos.values()].map((repo) => this.#repoJson(repo));
      const { items, headers } = this.#paginate(all, query, url);
      return ok({ total_count: all.length, repository_selection: "selected", repositories: items }, headers);
    });
    add("GET", "/repos/{owner}/{repo}", (context) => ok(this.#repoJson(this.#repoOf(context))));
    add("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", (context) => {
      const repo = this.#repoOf(context);
      const permission = this.#permission(repo, context.params.username ?? "");
      const rank = PERMISSION_RANK.indexOf(permission);
      return ok({
        permission: LEGACY_PERMISSION[permission],
        role_name: permission,
        user: {
          ...this.#user(context.params.username ?? ""),
          permissions: {
            admin: rank >= 5,
            maintain: rank >= 4,
            push: rank >= 3,
            triage: rank >= 2,
            pull: rank >= 1,
          },
          role_name: permission,
        },
      });
    });

    // issues
    add("GET", "/repos/{owner}/{repo}/issues", (context) => {
      const repo = this.#repoOf(context);
      const { query } = context;
      const state = query.get("state") ?? "open";
      const labels = splitList(query.get("labels")).map((label) => label.toLowerCase());
      const assignee = query.get("assignee");
      const creator = query.get("creator");
      const since = query.get("since") ? Date.parse(query.get("since") ?? "") : undefined;
      const matching = [...repo.issues.values()].filter((issue) => {
        if (state !== "all" && issue.state !== state) return false;
        const names = issue.labels.map((label) => label.toLowerCase());
        if (!labels.every((label) => names.includes(label))) return false;
        if (assignee === "none" && issue.assignees.length > 0) return false;
        if (assignee === "*" && issue.assignees.length === 0) return false;
        if (assignee && assignee !== "none" && assignee !== "*" && !includesLogin(issue.assignees, assignee)) return false;
        if (creator && issue.user.toLowerCase() !== creator.toLowerCase()) return false;
        if (since !== undefined && !Number.isNaN(since) && Date.parse(issue.updatedAt) < since) return false;
        return true;
      });
      const sorted = this.#sortIssues(repo, matching, query.get("sort") ?? "created", query.get("direction") ?? "desc");
      const { items, headers } = this.#paginate(sorted, query, context.url);
      return ok(
        items.map((issue) => this.#issueJson(repo, issue)),
        headers,
      );
    });
    add("POST", "/repos/{owner}/{repo}/issues", (context) => {
      const repo = this.#repoOf(context);
      const body = asRecord(context.body);
      const title = stringField(body, "title");
      if (!title) throw validationFailed([{ resource: "Issue", field: "title", code: "missing_field" }]);
      const issue = this.#newIssue(repo, {
        title,
        body: stringField(body, "body") ?? null,
        labels: labelNames(body.labels),
        assignees: labelNames(body.assignees),
        user: `${this.appSlug}[bot]`,
      });
      return created(this.#issueJson(repo, issue));
    });
    add("GET", "/repos/{owner}/{repo}/issues/comments", (context) => {
      const repo = this.#repoOf(context);
      const since = context.query.get("since") ? Date.parse(context.query.get("since") ?? "") : undefined;
      const matching = repo.comments.filter(
        (comment) => since === undefined || Number.isNaN(since) || Date.parse(comment.updatedAt) >= since,
      );
      const sortKey = context.query.get("sort") === "updated" ? "updatedAt" : "createdAt";
      const descending = context.query.get("direction") === "desc";
      const sorted = [...matching].sort(
        (a, b) => (Date.parse(a[sortKey]) - Date.parse(b[sortKey]) || a.id - b.id) * (descending ? -1 : 1),
      );
      const { items, headers } = this.#paginate(sorted, context.query, context.url);
      return ok(
        items.map((comment) => this.#commentJson(repo, comment)),
        headers,
      );
    });
    add("GET", "/repos/{owner}/{repo}/issues/comments/{id}", (context) => {
      const repo = this.#repoOf(context);
      return ok(this.#commentJson(repo, this.#commentOf(repo, context.params.id)));
    });
    add("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}", (context) => {
      const repo = this.#repoOf(context);
      const comment = this.#commentOf(repo, context.params.id);
      const body = stringField(asRecord(context.body), "body");
      if (body === undefined) throw validationFailed([{ resource: "IssueComment", field: "body", code: "missing_field" }]);
      comment.body = body;
      comment.updatedAt = timestamp();
      return ok(this.#commentJson(repo, comment));
    });
    add("GET", "/repos/{owner}/{repo}/issues/comments/{id}/reactions", (context) => {
      const repo = this.#repoOf(context);
      const comment = this.#commentOf(repo, context.params.id);
      return ok(this.#reactionList(repo, `comment:${comment.id}`));
    });
    add("POST", "/repos/{owner}/{repo}/issues/comments/{id}/reactions", (context) => {
      const repo = this.#repoOf(context);
      const comment = this.#commentOf(repo, context.params.id);
      return this.#react(repo, `comment:${comment.id}`, context.body);
    });
    add("GET", "/repos/{owner}/{repo}/issues/{number}", (context) => {
      const repo = this.#repoOf(context);
      return ok(this.#issueJson(repo, this.#issueOf(repo, context.params.number)));
    });
    add("PATCH", "/repos/{owner}/{repo}/issues/{number}", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      const before = { labels: [...issue.labels], assignees: [...issue.assignees] };
      this.#updateIssue(issue, asRecord(context.body));
      this.#recordChanges(repo, { ...issue, ...before }, issue, `${this.appSlug}[bot]`);
      return ok(this.#issueJson(repo, issue));
    });
    add("GET", "/repos/{owner}/{repo}/issues/{number}/comments", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      const since = context.query.get("since") ? Date.parse(context.query.get("since") ?? "") : undefined;
      const matching = repo.comments.filter(
        (comment) =>
          comment.issueNumber === issue.number &&
          (since === undefined || Number.isNaN(since) || Date.parse(comment.updatedAt) >= since),
      );
      const { items, headers } = this.#paginate(matching, context.query, context.url);
      return ok(
        items.map((comment) => this.#commentJson(repo, comment)),
        headers,
      );
    });
    add("POST", "/repos/{owner}/{repo}/issues/{number}/comments", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      const body = stringField(asRecord(context.body), "body");
      if (!body) throw validationFailed([{ resource: "IssueComment", field: "body", code: "missing_field" }]);
      return created(this.#commentJson(repo, this.#newComment(repo, issue, body, `${this.appSlug}[bot]`)));
    });
    add("GET", "/repos/{owner}/{repo}/issues/{number}/reactions", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      return ok(this.#reactionList(repo, `issue:${issue.number}`));
    });
    add("POST", "/repos/{owner}/{repo}/issues/{number}/reactions", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      return this.#react(repo, `issue:${issue.number}`, context.body);
    });
    add("GET", "/repos/{owner}/{repo}/issues/{number}/labels", (context) => {
      const repo = this.#repoOf(context);
      return ok(this.#issueOf(repo, context.params.number).labels.map((name) => this.#labelJson(repo, name)));
    });
    const setLabels = (replace: boolean) => (context: Context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      const body = context.body;
      const names = labelNames(Array.isArray(body) ? body : asRecord(body).labels);
      const labels = replace ? [] : [...issue.labels];
      for (const name of names) if (!includesLogin(labels, name)) labels.push(name);
      this.#recordChanges(repo, issue, { labels }, `${this.appSlug}[bot]`);
      issue.labels = labels;
      issue.updatedAt = timestamp();
      return ok(issue.labels.map((name) => this.#labelJson(repo, name)));
    };
    add("POST", "/repos/{owner}/{repo}/issues/{number}/labels", setLabels(false));
    add("PUT", "/repos/{owner}/{repo}/issues/{number}/labels", setLabels(true));
    add("DELETE", "/repos/{owner}/{repo}/issues/{number}/labels", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      this.#recordChanges(repo, issue, { labels: [] }, `${this.appSlug}[bot]`);
      issue.labels = [];
      issue.updatedAt = timestamp();
      return { status: 204 };
    });
    add("DELETE", "/repos/{owner}/{repo}/issues/{number}/labels/{name}", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#issueOf(repo, context.params.number);
      const name = (context.params.name ?? "").toLowerCase();
      if (!issue.labels.some((label) => label.toLowerCase() === name)) {
        throw new HttpError(404, { message: "Label does not exist", documentation_url: DOCUMENTATION_URL });
      }
      const remaining = issue.labels.filter((label) => label.toLowerCase() !== name);
      this.#recordChanges(repo, issue, { labels: remaining }, `${this.appSlug}[bot]`);
      issue.labels = remaining;
      issue.updatedAt = timestamp();
      return ok(issue.labels.map((label) => this.#labelJson(repo, label)));
    });

    // contents, branches, refs
    add("GET", "/repos/{owner}/{repo}/contents/{path*}", async (context) => {
      const repo = this.#repoOf(context);
      const ref = context.query.get("ref") || repo.defaultBranch;
      return ok(await this.#contents(repo, ref, (context.params.path ?? "").replace(/\/+$/, "")));
    });
    add("GET", "/repos/{owner}/{repo}/branches/{branch*}", async (context) => {
      const repo = this.#repoOf(context);
      const branch = context.params.branch ?? "";
      const sha = this.branchSha(repo.fullName, branch);
      if (!sha) throw new HttpError(404, { message: "Branch not found", documentation_url: DOCUMENTATION_URL });
      const commit = await this.#commitJson(repo, sha);
      return ok({
        name: branch,
        commit,
        _links: {
          self: `${this.apiUrl}/repos/${repo.fullName}/branches/${encodeURIComponent(branch)}`,
          html: `${this.url}/${repo.fullName}/tree/${branch}`,
        },
        protected: false,
        protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
        protection_url: `${this.apiUrl}/repos/${repo.fullName}/branches/${encodeURIComponent(branch)}/protection`,
      });
    });
    const getRef = (context: Context): Reply => {
      const repo = this.#repoOf(context);
      const ref = (context.params.ref ?? "").replace(/\/+$/, "");
      const branch = /^heads\/(.+)$/.exec(ref)?.[1];
      const sha = branch ? this.branchSha(repo.fullName, branch) : undefined;
      if (!sha) throw notFound();
      return ok({
        ref: `refs/${ref}`,
        node_id: nodeId("Ref", `${repo.id}:${ref}`),
        url: `${this.apiUrl}/repos/${repo.fullName}/git/refs/${ref}`,
        object: { sha, type: "commit", url: `${this.apiUrl}/repos/${repo.fullName}/git/commits/${sha}` },
      });
    };
    add("GET", "/repos/{owner}/{repo}/git/ref/{ref*}", getRef);
    add("GET", "/repos/{owner}/{repo}/git/refs/{ref*}", getRef);
    // Creates a branch at an existing commit; GitHub answers 422 "Reference already exists" for a taken name.
    add("POST", "/repos/{owner}/{repo}/git/refs", async (context) => {
      const repo = this.#repoOf(context);
      const body = asRecord(context.body);
      const ref = stringField(body, "ref") ?? "";
      const sha = stringField(body, "sha") ?? "";
      const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
      if (!branch || !/^[0-9a-f]{40}$/.test(sha)) throw validationFailed([{ resource: "Reference", field: branch ? "sha" : "ref", code: "invalid" }]);
      if (this.branchSha(repo.fullName, branch)) throw new HttpError(422, { message: "Reference already exists", documentation_url: DOCUMENTATION_URL });
      const cwd = this.bareRepoPath(repo.fullName);
      if ((await tryGit(["cat-file", "-e", `${sha}^{commit}`], cwd)) === undefined) {
        throw new HttpError(422, { message: "Object does not exist", documentation_url: DOCUMENTATION_URL });
      }
      await git(["update-ref", ref, sha], cwd);
      repo.pushedAt = timestamp();
      return created({
        ref,
        node_id: nodeId("Ref", `${repo.id}:${ref}`),
        url: `${this.apiUrl}/repos/${repo.fullName}/git/${ref}`,
        object: { sha, type: "commit", url: `${this.apiUrl}/repos/${repo.fullName}/git/commits/${sha}` },
      });
    });

    // pull requests
    add("GET", "/repos/{owner}/{repo}/pulls", (context) => {
      const repo = this.#repoOf(context);
      const { query } = context;
      const state = query.get("state") ?? "open";
      const head = query.get("head");
      const base = query.get("base");
      const matching = [...repo.issues.values()].filter((issue) => {
        const pull = issue.pull;
        if (!pull) return false;
        if (state !== "all" && issue.state !== state) return false;
        if (head) {
          const [headOwner, headRef] = head.includes(":") ? splitOnce(head, ":") : [repo.owner, head];
          if (pull.headOwner.toLowerCase() !== headOwner.toLowerCase() || pull.headRef !== headRef) return false;
        }
        if (base && pull.baseRef !== base) return false;
        return true;
      });
      const sorted = this.#sortIssues(repo, matching, query.get("sort") ?? "created", query.get("direction") ?? "desc");
      const { items, headers } = this.#paginate(sorted, query, context.url);
      return ok(
        items.map((issue) => this.#pullJson(repo, issue)),
        headers,
      );
    });
    add("POST", "/repos/{owner}/{repo}/pulls", async (context) => {
      const repo = this.#repoOf(context);
      return created(this.#pullJson(repo, await this.#createPull(repo, asRecord(context.body))));
    });
    add("GET", "/repos/{owner}/{repo}/pulls/{number}", (context) => {
      const repo = this.#repoOf(context);
      return ok(this.#pullJson(repo, this.#pullOf(repo, context.params.number)));
    });
    add("GET", "/repos/{owner}/{repo}/pulls/{number}/comments", (context) => {
      const repo = this.#repoOf(context);
      const pull = this.#pullOf(repo, context.params.number);
      const { items, headers } = this.#paginate(this.reviewComments(repo.fullName, pull.number), context.query, context.url);
      return ok(items.map((comment) => this.#reviewCommentJson(repo, comment)), headers);
    });
    add("POST", "/repos/{owner}/{repo}/pulls/{number}/comments/{id}/replies", (context) => {
      const repo = this.#repoOf(context);
      const pull = this.#pullOf(repo, context.params.number);
      const parent = repo.reviewComments.find((comment) => comment.id === Number(context.params.id) && comment.pullNumber === pull.number);
      if (!parent) throw notFound();
      const body = stringField(asRecord(context.body), "body");
      if (!body) throw validationFailed([{ resource: "PullRequestReviewComment", field: "body", code: "missing_field" }]);
      const reply: ReviewCommentRecord = { ...parent, id: this.#newId(), body, user: `${this.appSlug}[bot]`, inReplyTo: parent.inReplyTo ?? parent.id, createdAt: timestamp() };
      repo.reviewComments.push(reply);
      return created(this.#reviewCommentJson(repo, reply));
    });
    // The PR's files with their patches against the merge base, as GitHub's "Files changed" tab shows them.
    add("GET", "/repos/{owner}/{repo}/pulls/{number}/files", async (context) => {
      const repo = this.#repoOf(context);
      const pull = this.#pullJson(repo, this.#pullOf(repo, context.params.number));
      const bare = this.bareRepoPath(repo.fullName);
      const range = `${pull.base.sha}...${pull.head.sha}`;
      const statuses: Record<string, string> = { A: "added", D: "removed", M: "modified" };
      const entries = (await git(["diff", "--name-status", "--no-renames", range], bare)).split("\n").filter(Boolean);
      const files = await Promise.all(
        entries.map(async (entry) => {
          const [status = "M", filename = ""] = entry.split("\t");
          const patch = (await git(["diff", "--no-color", "--no-renames", range, "--", filename], bare)).split("\n");
          const hunkStart = patch.findIndex((line) => line.startsWith("@@"));
          return { sha: sha1(filename), filename, status: statuses[status] ?? "modified", patch: patch.slice(Math.max(hunkStart, 0)).join("\n").trimEnd() };
        }),
      );
      return ok(files);
    });
    add("PATCH", "/repos/{owner}/{repo}/pulls/{number}", (context) => {
      const repo = this.#repoOf(context);
      const issue = this.#pullOf(repo, context.params.number);
      const body = asRecord(context.body);
      this.#updateIssue(issue, { title: body.title, body: body.body, state: body.state });
      const base = stringField(body, "base");
      if (base && issue.pull) {
        const baseSha = this.branchSha(repo.fullName, base);
        if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
        issue.pull.baseRef = base;
        issue.pull.baseSha = baseSha;
      }
      return ok(this.#pullJson(repo, issue));
    });
    add("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews/{id}/comments", (context) => {
      const repo = this.#repoOf(context);
      const pull = this.#pullOf(repo, context.params.number);
      const comments = this.reviewComments(repo.fullName, pull.number).filter((comment) => comment.reviewId === Number(context.params.id));
      const { items, headers } = this.#paginate(comments, context.query, context.url);
      return ok(items.map((comment) => this.#reviewCommentJson(repo, comment)), headers);
    });
    // Reviews, check runs and suites, statuses, workflow runs and job logs: fake-github-checks.ts.
    this.checks.register((method, template, handler) => add(method, template, handler));
    // Git Data API (blobs, trees, commits, ref updates), users and issue events: fake-github-git-data.ts.
    this.gitData.register((method, template, handler) => add(method, template, handler));
    // workflow_dispatch and the dispatched runs: fake-github-actions.ts.
    this.actions.register((method, template, handler) => add(method, template, handler));
    return routes;
  }

  /** Where each pull request's head and base are (for the check and review routes). */
  #pullHeads(fullName: string): PullHead[] {
    const repo = this.#repos.get(fullName.toLowerCase());
    if (!repo) return [];
    return [...repo.issues.values()].flatMap((issue) => {
      const pull = issue.pull;
      if (!pull) return [];
      const headSha = this.branchSha(repo.fullName, pull.headRef) ?? pull.headSha;
      return [{ number: issue.number, headRef: pull.headRef, headSha, baseRef: pull.baseRef, baseSha: pull.baseSha }];
    });
  }

  // ---- REST helpers -------------------------------------------------------------------------

  #repo(fullName: string): RepoState {
    const repo = this.#repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake-github: unknown repo ${fullName} (call createRepo first)`);
    return repo;
  }

  #repoOf(context: Context): RepoState {
    const repo = this.#repos.get(`${context.params.owner}/${context.params.repo}`.toLowerCase());
    if (!repo) throw notFound();
    return repo;
  }

  #issueOf(repo: RepoState, number: string | undefined): IssueRecord {
    const issue = repo.issues.get(Number(number));
    if (!issue) throw notFound();
    return issue;
  }

  #pullOf(repo: RepoState, number: string | undefined): IssueRecord {
    const issue = this.#issueOf(repo, number);
    if (!issue.pull) throw notFound();
    return issue;
  }

  #commentOf(repo: RepoState, id: string | undefined): CommentRecord {
    const comment = repo.comments.find((candidate) => candidate.id === Number(id));
    if (!comment) throw notFound();
    return comment;
  }

  #newId(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  #newIssue(
    repo: RepoState,
    fields: { title: string; body: string | null; labels: string[]; assignees: string[]; user: string },
  ): IssueRecord {
    const now = timestamp();
    const issue: IssueRecord = {
      number: repo.nextNumber,
      id: this.#newId(),
      title: fields.title,
      body: fields.body,
      state: "open",
      stateReason: null,
      labels: [...fields.labels],
      assignees: [...fields.assignees],
      user: fields.user,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    repo.nextNumber += 1;
    repo.issues.set(issue.number, issue);
    // An issue opened with labels or assignees: GitHub records them as `labeled`/`assigned` events by the issue's
    // author (addIssue's `user`, or the App's bot for `POST /issues`).
    this.#recordChanges(repo, { ...issue, labels: [], assignees: [] }, issue, issue.user);
    return issue;
  }

  #newComment(repo: RepoState, issue: IssueRecord, body: string, user: string): CommentRecord {
    const now = timestamp();
    const comment: CommentRecord = { id: this.#newId(), issueNumber: issue.number, body, user, createdAt: now, updatedAt: now };
    repo.comments.push(comment);
    issue.updatedAt = now;
    return comment;
  }

  /** Issue events for the labels and assignees `after` adds to or removes from `before`, done by `actor`. */
  #recordChanges(
    repo: RepoState,
    before: Pick<IssueRecord, "number" | "labels" | "assignees">,
    after: Partial<Pick<IssueRecord, "labels" | "assignees">>,
    actor: string,
  ): void {
    const record = (event: Parameters<FakeGitData["recordIssueEvent"]>[2]) => this.gitData.recordIssueEvent(repo.fullName, before.number, event);
    for (const [key, added, removed] of [["labels", "labeled", "unlabeled"], ["assignees", "assigned", "unassigned"]] as const) {
      const next = after[key];
      if (!next) continue;
      const field = key === "labels" ? "label" : "assignee";
      for (const name of next) if (!includesLogin(before[key], name)) record({ event: added, actor, [field]: name });
      for (const name of before[key]) if (!includesLogin(next, name)) record({ event: removed, actor, [field]: name });
    }
  }

  #updateIssue(issue: IssueRecord, body: Record<string, unknown>): void {
    if (typeof body.title === "string") issue.title = body.title;
    if (typeof body.body === "string" || body.body === null) issue.body = body.body;
    if (Array.isArray(body.labels)) issue.labels = labelNames(body.labels);
    if (Array.isArray(body.assignees)) issue.assignees = labelNames(body.assignees);
    if (typeof body.assignee === "string") issue.assignees = [body.assignee];
    if (body.state === "open" || body.state === "closed") {
      const reason = typeof body.state_reason === "string" ? body.state_reason : undefined;
      if (body.state !== issue.state) setIssueState(issue, body.state, reason);
    } else if (body.state !== undefined) {
      throw validationFailed([{ resource: "Issue", field: "state", code: "invalid" }]);
    }
    issue.updatedAt = timestamp();
  }

  async #createPull(repo: RepoState, body: Record<string, unknown>): Promise<IssueRecord> {
    const title = stringField(body, "title");
    const headSpec = stringField(body, "head");
    const baseRef = stringField(body, "base");
    if (!title) throw validationFailed([{ resource: "PullRequest", field: "title", code: "missing_field" }]);
    if (!headSpec) throw validationFailed([{ resource: "PullRequest", field: "head", code: "missing_field" }]);
    if (!baseRef) throw validationFailed([{ resource: "PullRequest", field: "base", code: "missing_field" }]);
    const [headOwner, headRef] = headSpec.includes(":") ? splitOnce(headSpec, ":") : [repo.owner, headSpec];
    const existing = [...repo.issues.values()].find(
      (issue) =>
        issue.state === "open" &&
        issue.pull?.headRef === headRef &&
        issue.pull.headOwner.toLowerCase() === headOwner.toLowerCase(),
    );
    if (existing) {
      throw validationFailed([
        { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headOwner}:${headRef}.` },
      ]);
    }
    const headSha = headOwner.toLowerCase() === repo.owner.toLowerCase() ? this.branchSha(repo.fullName, headRef) : undefined;
    if (!headSha) throw validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    const baseSha = this.branchSha(repo.fullName, baseRef);
    if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    const ahead = Number((await git(["rev-list", "--count", `${baseSha}..${headSha}`], this.bareRepoPath(repo.fullName))).trim());
    if (ahead === 0) {
      throw validationFailed([
        { resource: "PullRequest", code: "custom", message: `No commits between ${baseRef} and ${headRef}` },
      ]);
    }
    const issue = this.#newIssue(repo, {
      title,
      body: stringField(body, "body") ?? null,
      labels: [],
      assignees: [],
      user: `${this.appSlug}[bot]`,
    });
    issue.pull = { id: this.#newId(), headOwner: repo.owner, headRef, headSha, baseRef, baseSha, draft: body.draft === true };
    return issue;
  }

  #sortIssues(repo: RepoState, issues: IssueRecord[], sort: string, direction: string): IssueRecord[] {
    const key = (issue: IssueRecord): number =>
      sort === "updated"
        ? Date.parse(issue.updatedAt)
        : sort === "comments"
          ? repo.comments.filter((comment) => comment.issueNumber === issue.number).length
          : Date.parse(issue.createdAt);
    const sign = direction === "asc" ? 1 : -1;
    return [...issues].sort((a, b) => (key(a) - key(b) || a.number - b.number) * sign);
  }

  #paginate<T>(items: T[], query: URLSearchParams, url: URL): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page")) || 30));
    const page = Math.max(1, Number(query.get("page")) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (target: number, rel: string): string => {
      const params = new URLSearchParams(query);
      params.set("page", String(target));
      return `<${this.url}${url.pathname}?${params.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, "prev"));
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    if (page > 1) links.push(link(1, "first"));
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(", ") } : {},
    };
  }

  #permission(repo: RepoState, username: string): Permission {
    const set = repo.permissions.get(username.toLowerCase());
    if (set) return set;
    return username.toLowerCase() === repo.owner.toLowerCase() ? "admin" : "read";
  }

  #authorAssociation(repo: RepoState, login: string): string {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
    const set = repo.permissions.get(login.toLowerCase());
    return set && set !== "none" ? "COLLABORATOR" : "NONE";
  }

  #react(repo: RepoState, subject: string, body: unknown): Reply {
    const content = stringField(asRecord(body), "content");
    if (!content || !(REACTION_CONTENTS as readonly string[]).includes(content)) {
      throw validationFailed([{ resource: "Reaction", field: "content", code: "invalid" }]);
    }
    const user = `${this.appSlug}[bot]`;
    const list = repo.reactions.get(subject) ?? [];
    repo.reactions.set(subject, list);
    const existing = list.find((reaction) => reaction.content === content && reaction.user === user);
    if (existing) return { status: 200, body: this.#reactionJson(existing) };
    const reaction: ReactionRecord = { id: this.#newId(), content, user, createdAt: timestamp() };
    list.push(reaction);
    return { status: 201, body: this.#reactionJson(reaction) };
  }

  #reactionList(repo: RepoState, subject: string): unknown[] {
    return (repo.reactions.get(subject) ?? []).map((reaction) => this.#reactionJson(reaction));
  }

  async #contents(repo: RepoState, ref: string, path: string): Promise<unknown> {
    if (ref.startsWith("-")) throw notFound();
    const cwd = this.bareRepoPath(repo.fullName);
    if (!existsSync(cwd)) throw notFound();
    const spec = `${ref}:${path}`;
    const type = (await tryGit(["cat-file", "-t", spec], cwd))?.trim();
    const name = path.split("/").pop() ?? "";
    const links = (sha: string, kind: "blob" | "tree", entryPath: string) => ({
      url: `${this.apiUrl}/repos/${repo.fullName}/contents/${entryPath}?ref=${encodeURIComponent(ref)}`,
      git_url: `${this.apiUrl}/repos/${repo.fullName}/git/${kind}s/${sha}`,
      html_url: `${this.url}/${repo.fullName}/${kind}/${ref}/${entryPath}`,
      download_url: kind === "blob" ? `${this.url}/${repo.fullName}/raw/${ref}/${entryPath}` : null,
    });
    if (type === "blob") {
      const sha = (await git(["rev-parse", spec], cwd)).trim();
      const content = await gitBuffer(["cat-file", "blob", sha], cwd);
      const fileLinks = links(sha, "blob", path);
      return {
        type: "file",
        encoding: "base64",
        size: content.length,
        name,
        path,
        content: (content.toString("base64").match(/.{1,60}/g) ?? []).join("\n") + (content.length > 0 ? "\n" : ""),
        sha,
        ...fileLinks,
        _links: { self: fileLinks.url, git: fileLinks.git_url, html: fileLinks.html_url },
      };
    }
    if (type === "tree") {
      const listing = await git(["ls-tree", "-l", spec], cwd);
      return listing
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [meta = "", entryName = ""] = splitOnce(line, "\t");
          const [mode = "", kind = "", sha = "", size = "0"] = meta.split(/\s+/);
          const entryPath = path ? `${path}/${entryName}` : entryName;
          const entryType = kind === "tree" ? "dir" : kind === "commit" ? "submodule" : mode === "120000" ? "symlink" : "file";
          const entryLinks = links(sha, kind === "tree" ? "tree" : "blob", entryPath);
          return {
            type: entryType,
            size: kind === "blob" ? Number(size) : 0,
            name: entryName,
            path: entryPath,
            sha,
            ...entryLinks,
            _links: { self: entryLinks.url, git: entryLinks.git_url, html: entryLinks.html_url },
          };
        });
    }
    throw notFound();
  }

  async #commitJson(repo: RepoState, sha: string): Promise<unknown> {
    const format = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x00");
    const output = await git(["log", "-1", `--format=${format}`, sha], this.bareRepoPath(repo.fullName));
    const [hash = sha, tree = "", parents = "", authorName, authorEmail, authorDate, committerName, committerEmail, committerDate, message = ""] =
      output.split("\0");
    return {
      sha: hash,
      node_id: nodeId("Commit", hash),
      url: `${this.apiUrl}/repos/${repo.fullName}/commits/${hash}`,
      html_url: `${this.url}/${repo.fullName}/commit/${hash}`,
      commit: {
        message: message.replace(/\n+$/, ""),
        author: { name: authorName, email: authorEmail, date: authorDate },
        committer: { name: committerName, email: committerEmail, date: committerDate },
        tree: { sha: tree, url: `${this.apiUrl}/repos/${repo.fullName}/git/trees/${tree}` },
        verification: this.gitData.verificationJson(repo.fullName, hash),
      },
      parents: parents
        .split(" ")
        .filter((parent) => parent !== "")
        .map((parent) => ({ sha: parent, url: `${this.apiUrl}/repos/${repo.fullName}/commits/${parent}` })),
    };
  }

  // ---- JSON shapes --------------------------------------------------------------------------

  #user(login: string): User {
    const id = numericId(login);
    return {
      login,
      id,
      node_id: nodeId("User", id),
      avatar_url: `${this.url}/avatars/u/${id}`,
      url: `${this.apiUrl}/users/${encodeURIComponent(login)}`,
      html_url: `${this.url}/${login.endsWith("[bot]") ? `apps/${login.slice(0, -"[bot]".length)}` : login}`,
      type: login.endsWith("[bot]") ? "Bot" : "User",
      site_admin: false,
    };
  }

  #repoJson(repo: RepoState): Repository {
    return {
      id: repo.id,
      node_id: nodeId("Repository", repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner: this.#user(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      html_url: `${this.url}/${repo.fullName}`,
      description: null,
      fork: false,
      url: `${this.apiUrl}/repos/${repo.fullName}`,
      clone_url: `${this.url}/${repo.fullName}.git`,
      default_branch: repo.defaultBranch,
      archived: false,
      disabled: false,
      has_issues: true,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: repo.pushedAt,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    };
  }

  #labelJson(repo: RepoState, name: string): Label {
    const id = numericId(`${repo.fullName}#${name.toLowerCase()}`);
    return {
      id,
      node_id: nodeId("Label", id),
      url: `${this.apiUrl}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`,
      name,
      color: sha1(name.toLowerCase()).slice(0, 6),
      default: false,
      description: null,
    };
  }

  #reactionSummary(repo: RepoState, subject: string, url: string): ReactionSummary {
    const list = repo.reactions.get(subject) ?? [];
    const count = (content: string): number => list.filter((reaction) => reaction.content === content).length;
    return {
      url,
      total_count: list.length,
      "+1": count("+1"),
      "-1": count("-1"),
      laugh: count("laugh"),
      confused: count("confused"),
      heart: count("heart"),
      hooray: count("hooray"),
      rocket: count("rocket"),
      eyes: count("eyes"),
    };
  }

  #reactionJson(reaction: ReactionRecord): unknown {
    return {
      id: reaction.id,
      node_id: nodeId("Reaction", reaction.id),
      user: this.#user(reaction.user),
      content: reaction.content,
      created_at: reaction.createdAt,
    };
  }

  #issueJson(repo: RepoState, issue: IssueRecord): Issue {
    const api = `${this.apiUrl}/repos/${repo.fullName}`;
    const url = `${api}/issues/${issue.number}`;
    const assignees = issue.assignees.map((login) => this.#user(login));
    const json: Issue = {
      url,
      repository_url: api,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${this.url}/${repo.fullName}/${issue.pull ? "pull" : "issues"}/${issue.number}`,
      id: issue.id,
      node_id: nodeId(issue.pull ? "PullRequest" : "Issue", issue.id),
      number: issue.number,
      title: issue.title,
      body: issue.body,
      user: this.#user(issue.user),
      labels: issue.labels.map((name) => this.#labelJson(repo, name)),
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      assignee: assignees[0] ?? null,
      assignees,
      milestone: null,
      comments: repo.comments.filter((comment) => comment.issueNumber === issue.number).length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: this.#authorAssociation(repo, issue.user),
      active_lock_reason: null,
      reactions: this.#reactionSummary(repo, `issue:${issue.number}`, `${url}/reactions`),
      performed_via_github_app: null,
    };
    if (issue.pull) {
      json.draft = issue.pull.draft;
      json.pull_request = {
        url: `${api}/pulls/${issue.number}`,
        html_url: `${this.url}/${repo.fullName}/pull/${issue.number}`,
        diff_url: `${this.url}/${repo.fullName}/pull/${issue.number}.diff`,
        patch_url: `${this.url}/${repo.fullName}/pull/${issue.number}.patch`,
        merged_at: null,
      };
    }
    return json;
  }

  #reviewCommentJson(repo: RepoState, comment: ReviewCommentRecord): Record<string, unknown> {
    const url = `${this.apiUrl}/repos/${repo.fullName}/pulls/comments/${comment.id}`;
    return {
      url,
      id: comment.id,
      node_id: nodeId("PullRequestReviewComment", comment.id),
      pull_request_review_id: comment.reviewId ?? null,
      diff_hunk: comment.diffHunk,
      path: comment.path,
      line: comment.line,
      side: "RIGHT",
      body: comment.body,
      user: this.#user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.createdAt,
      html_url: `${this.url}/${repo.fullName}/pull/${comment.pullNumber}#discussion_r${comment.id}`,
      pull_request_url: `${this.apiUrl}/repos/${repo.fullName}/pulls/${comment.pullNumber}`,
      author_association: this.#authorAssociation(repo, comment.user),
      ...(comment.inReplyTo !== undefined ? { in_reply_to_id: comment.inReplyTo } : {}),
    };
  }

  #commentJson(repo: RepoState, comment: CommentRecord): Comment {
    const url = `${this.apiUrl}/repos/${repo.fullName}/issues/comments/${comment.id}`;
    const kind = repo.issues.get(comment.issueNumber)?.pull ? "pull" : "issues";
    return {
      url,
      html_url: `${this.url}/${repo.fullName}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.apiUrl}/repos/${repo.fullName}/issues/${comment.issueNumber}`,
      id: comment.id,
      node_id: nodeId("IssueComment", comment.id),
      user: this.#user(comment.user),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.#authorAssociation(repo, comment.user),
      reactions: this.#reactionSummary(repo, `comment:${comment.id}`, `${url}/reactions`),
      performed_via_github_app: null,
    };
  }

  #pullJson(repo: RepoState, issue: IssueRecord): Pull {
    const pull = issue.pull;
    if (!pull) throw new Error(`#${issue.number} is not a pull request`);
    const api = `${this.apiUrl}/repos/${repo.fullName}`;
    const repoJson = this.#repoJson(repo);
    const owner = this.#user(repo.owner);
    const issueJson = this.#issueJson(repo, issue);
    return {
      url: `${api}/pulls/${issue.number}`,
      id: pull.id,
      node_id: nodeId("PullRequest", pull.id),
      html_url: `${this.url}/${repo.fullName}/pull/${issue.number}`,
      diff_url: `${this.url}/${repo.fullName}/pull/${issue.number}.diff`,
      patch_url: `${this.url}/${repo.fullName}/pull/${issue.number}.patch`,
      issue_url: `${api}/issues/${issue.number}`,
      comments_url: `${api}/issues/${issue.number}/comments`,
      number: issue.number,
      state: issue.state,
      locked: false,
      title: issue.title,
      body: issue.body,
      user: issueJson.user,
      labels: issueJson.labels,
      assignee: issueJson.assignee,
      assignees: issueJson.assignees,
      requested_reviewers: [],
      draft: pull.draft,
      merged: false,
      mergeable: null,
      merged_at: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: issueJson.author_association,
      head: {
        label: `${pull.headOwner}:${pull.headRef}`,
        ref: pull.headRef,
        sha: this.branchSha(repo.fullName, pull.headRef) ?? pull.headSha,
        user: owner,
        repo: repoJson,
      },
      base: {
        label: `${repo.owner}:${pull.baseRef}`,
        ref: pull.baseRef,
        sha: this.branchSha(repo.fullName, pull.baseRef) ?? pull.baseSha,
        user: owner,
        repo: repoJson,
      },
    };
  }

  #installationJson() {
    const first = this.#repos.values().next().value as RepoState | undefined;
    const account = this.#user(first?.owner ?? "octocat");
    return {
      id: 1,
      account,
      app_id: 1,
      app_slug: this.appSlug,
      target_id: account.id,
      target_type: account.type === "Bot" ? "User" : account.type,
      repository_selection: "selected",
      access_tokens_url: `${this.apiUrl}/app/installations/1/access_tokens`,
      repositories_url: `${this.apiUrl}/installation/repositories`,
      html_url: `${this.url}/settings/installations/1`,
      permissions: { contents: "write", issues: "write", pull_requests: "write", metadata: "read" },
      events: ["issues", "issue_comment", "pull_request"],
      created_at: "2024-01-01T00:00:00Z",
      updated_at: "2024-01-01T00:00:00Z",
      single_file_name: null,
      suspended_at: null,
      suspended_by: null,
    };
  }

  #installation(id: string | undefined) {
    if (id !== "1") throw notFound();
    return this.#installationJson();
  }

  #installationFor(owner: string | undefined): unknown {
    const known = [...this.#repos.values()].some((repo) => repo.owner.toLowerCase() === (owner ?? "").toLowerCase());
    if (!known) throw notFound();
    return this.#installationJson();
  }

  #appJson(): unknown {
    const first = this.#repos.values().next().value as RepoState | undefined;
    return {
      id: 1,
      slug: this.appSlug,
      node_id: nodeId("Integration", 1),
      client_id: "Iv1.fakefakefakefake",
      name: this.appSlug,
      description: "Fake GitHub App",
      external_url: this.url,
      html_url: `${this.url}/apps/${this.appSlug}`,
      owner: this.#user(first?.owner ?? "octocat"),
      permissions: { contents: "write", issues: "write", pull_requests: "write", metadata: "read" },
      events: ["issues", "issue_comment", "pull_request"],
      installations_count: 1,
      created_at: "2024-01-01T00:00:00Z",
      updated_at: "2024-01-01T00:00:00Z",
    };
  }
}

// ---- small helpers ------------------------------------------------------------------------

function timestamp(milliseconds = Date.now()): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** The id the fake gives a login (GitHub ids are numbers; this one is stable per login). */
export function numericId(text: string): number {
  return Number.parseInt(sha1(text).slice(0, 7), 16) + 1;
}

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`04:${kind}${id}`).toString("base64").replace(/=+$/, "");
}

function splitFullName(fullName: string): [string, string] {
  const [owner, name, ...rest] = fullName.split("/");
  if (!owner || !name || rest.length > 0) throw new Error(`expected owner/name, got ${fullName}`);
  return [owner, name];
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ""] : [text.slice(0, index), text.slice(index + separator.length)];
}

function splitList(value: string | null): string[] {
  return (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function includesLogin(list: string[], login: string): boolean {
  return list.some((entry) => entry.toLowerCase() === login.toLowerCase());
}

function setIssueState(issue: IssueRecord, state: "open" | "closed", reason?: string): void {
  issue.state = state;
  issue.closedAt = state === "closed" ? timestamp() : null;
  issue.stateReason = state === "closed" ? (reason ?? "completed") : "reopened";
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === "string" ? value : undefined;
}

/** Names from `["a"]` or `[{ name: "a" }]` (labels) or `["login"]` (assignees). */
function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((entry: unknown) => (typeof entry === "string" ? entry : stringField(asRecord(entry), "name")))
    .filter((name): name is string => typeof name === "string" && name !== "");
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string): string => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim() === "*" || bare(candidate) === bare(etag));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

async function drain(request: IncomingMessage): Promise<void> {
  if (!request.readableEnded) await readBody(request).catch(() => undefined);
}

function headerEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const [name = "", value = ""] = splitOnce(line, ":");
    if (name.trim() === "") continue;
    if (name.trim().toLowerCase() === "status") status = Number.parseInt(value.trim(), 10) || 500;
    else headers[name.trim()] = value.trim();
  }
  return { status, headers };
}

/** The environment for git children: no inherited GIT_* variables, no user/system config, a fixed identity. */
function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) env[key] = value;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Fake GitHub",
    GIT_AUTHOR_EMAIL: "fake-github@example.com",
    GIT_COMMITTER_NAME: "Fake GitHub",
    GIT_COMMITTER_EMAIL: "fake-github@example.com",
    ...extra,
  };
}

function gitBuffer(args: string[], cwd?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: gitEnv(), encoding: "buffer", maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(" ")} failed: ${stderr.toString("utf8") || error.message}`));
      else resolve(stdout);
    });
  });
}

async function git(args: string[], cwd?: string): Promise<string> {
  return (await gitBuffer(args, cwd)).toString("utf8");
}

async function tryGit(args: string[], cwd?: string): Promise<string | undefined> {
  return git(args, cwd).catch(() => undefined);
}

/** Synchronous git for the inspection helpers; undefined when git fails. */
function gitSync(args: string[], cwd: string, trim = true): string | undefined {
  if (!existsSync(cwd)) return undefined;
  try {
    const output = execFileSync("git", args, { cwd, env: gitEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return trim ? output.trim() || undefined : output;
  } catch {
    return undefined;
  }
}
