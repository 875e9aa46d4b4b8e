// The fake GitHub's Git Data API (blobs, trees, commits, refs) on real git plumbing in the fake's bare repositories,
// plus `GET /users/{username}` and issue events. Shapes follow GitHub's REST answers (@octokit/openapi-types): only
// the fields a client reads are filled in.
//
// Commit verification, as GitHub models it: a commit created through `POST /git/commits` with an App installation
// token and no `author`, `committer` or `signature` is signed by GitHub for the App (author and committer are the
// App's bot, `verification.verified: true, reason: "valid"`). With a personal token (`ghp_…`/`github_pat_…`) or
// with an explicit author/committer it is `verified: false, reason: "unsigned"`; with a caller-supplied `signature`
// the signature is embedded but the fake knows no keys: `verified: false, reason: "unknown_key"`. Commits pushed over
// git are `unsigned`.
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GitDataContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  url: URL;
  /** The credential the request was authenticated with (the Authorization header's second word). */
  token?: string;
}

export interface GitDataReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type AddGitDataRoute = (
  method: string,
  template: string,
  handler: (context: GitDataContext) => GitDataReply | Promise<GitDataReply>,
) => void;

/** What the fake GitHub lends this module: its repositories, users, issues and error shapes. */
export interface GitDataHost {
  url: string;
  apiUrl: string;
  appId: number;
  appSlug: string;
  newId(): number;
  user(login: string): unknown;
  /** The repository's full name as created (routes match it case-insensitively); throws notFound() when unknown. */
  fullName(owner: string, repo: string): string;
  bareRepoPath(fullName: string): string;
  issueExists(fullName: string, number: number): boolean;
  paginate<T>(items: T[], query: URLSearchParams, url: URL): { items: T[]; headers: Record<string, string> };
  notFound(): Error;
  validationFailed(errors: unknown[]): Error;
  /** An error answer `{ message, documentation_url }` with this status. */
  error(status: number, message: string): Error;
  /** A ref moved through the API: the fake treats it as a push (pushed_at, pull request heads). */
  refUpdated(fullName: string, ref: string, sha: string | undefined): void;
}

export interface CommitVerification {
  verified: boolean;
  reason: string;
  signature: string | null;
  payload: string | null;
  verifiedAt: string | null;
}

export type IssueEventKind = "labeled" | "unlabeled" | "assigned" | "unassigned";

export interface IssueEventRecord {
  id: number;
  issueNumber: number;
  event: IssueEventKind;
  actor: string;
  createdAt: string;
  label?: string;
  assignee?: string;
}

interface Identity {
  name: string;
  email: string;
  /** `<seconds> <+hhmm>` as git stores it. */
  when: string;
}

interface ParsedCommit {
  sha: string;
  tree: string;
  parents: string[];
  author: Identity;
  committer: Identity;
  message: string;
  gpgsig?: string;
  /** The object without its gpgsig header: what a signature covers. */
  payload: string;
}

interface RepoGitData {
  verifications: Map<string, CommitVerification>;
  apiCommits: string[];
  events: IssueEventRecord[];
}

const MODES: Record<string, "blob" | "tree" | "commit"> = {
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "040000": "tree",
  "160000": "commit",
};
const FULL_SHA = /^[0-9a-f]{40}$/;
const UNSIGNED: CommitVerification = { verified: false, reason: "unsigned", signature: null, payload: null, verifiedAt: null };

export class FakeGitData {
  readonly #host: GitDataHost;
  readonly #repos = new Map<string, RepoGitData>();

  constructor(host: GitDataHost) {
    this.#host = host;
  }

  #repo(fullName: string): RepoGitData {
    const key = fullName.toLowerCase();
    let repo = this.#repos.get(key);
    if (!repo) {
      repo = { verifications: new Map(), apiCommits: [], events: [] };
      this.#repos.set(key, repo);
    }
    return repo;
  }

  // ---- test helpers ---------------------------------------------------------------------------

  /** How GitHub would verify the commit: undefined for a sha this fake never saw created through the API. */
  commitVerification(fullName: string, sha: string): { verified: boolean; reason: string } | undefined {
    const record = this.#repo(fullName).verifications.get(sha);
    return record ? { verified: record.verified, reason: record.reason } : undefined;
  }

  /** Commits created through `POST /git/commits`, oldest first (commits pushed over git are not listed). */
  apiCommits(fullName: string): string[] {
    return [...this.#repo(fullName).apiCommits];
  }

  /** The `commit.verification` object of GitHub's commit JSON (pushed commits: unsigned). */
  verificationJson(fullName: string, sha: string): Record<string, unknown> {
    const record = this.#repo(fullName).verifications.get(sha) ?? UNSIGNED;
    return { verified: record.verified, reason: record.reason, signature: record.signature, payload: record.payload, verified_at: record.verifiedAt };
  }

  /** Records an issue event (the fake's issue routes and helpers call this). */
  recordIssueEvent(fullName: string, issueNumber: number, event: Omit<IssueEventRecord, "id" | "issueNumber" | "createdAt">): IssueEventRecord {
    const record: IssueEventRecord = { id: this.#host.newId(), issueNumber, createdAt: timestamp(), ...event };
    this.#repo(fullName).events.push(record);
    return record;
  }

  /** The issue's events, oldest first. */
  issueEvents(fullName: string, issueNumber: number): IssueEventRecord[] {
    return this.#repo(fullName).events.filter((event) => event.issueNumber === issueNumber);
  }

  // ---- REST routes ----------------------------------------------------------------------------

  register(add: AddGitDataRoute): void {
    const host = this.#host;
    const ok = (body: unknown, headers?: Record<string, string>): GitDataReply => ({ status: 200, body, ...(headers ? { headers } : {}) });
    const created = (body: unknown): GitDataReply => ({ status: 201, body });
    const fullName = (context: GitDataContext) => host.fullName(context.params.owner ?? "", context.params.repo ?? "");

    add("GET", "/users/{username}", (context) => ok(this.#userJson(context.params.username ?? "")));

    add("GET", "/repos/{owner}/{repo}/issues/{number}/events", (context) => {
      const name = fullName(context);
      const number = Number(context.params.number);
      if (!host.issueExists(name, number)) throw host.notFound();
      const { items, headers } = host.paginate(this.issueEvents(name, number), context.query, context.url);
      return ok(items.map((event) => this.#eventJson(name, event)), headers);
    });

    add("POST", "/repos/{owner}/{repo}/git/blobs", async (context) => {
      const name = fullName(context);
      const body = asRecord(context.body);
      const content = body.content;
      const encoding = body.encoding ?? "utf-8";
      if (typeof content !== "string") throw host.validationFailed([{ resource: "Blob", field: "content", code: "missing_field" }]);
      if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64") {
        throw host.validationFailed([{ resource: "Blob", field: "encoding", code: "invalid", message: `encoding must be utf-8 or base64` }]);
      }
      const bytes = encoding === "base64" ? Buffer.from(content, "base64") : Buffer.from(content, "utf8");
      const sha = await this.#writeBlob(name, bytes);
      return created({ sha, url: this.#api(name, `git/blobs/${sha}`) });
    });
    add("GET", "/repos/{owner}/{repo}/git/blobs/{sha}", async (context) => {
      const name = fullName(context);
      const sha = (context.params.sha ?? "").toLowerCase();
      if (!FULL_SHA.test(sha) || (await this.#type(name, sha)) !== "blob") throw host.notFound();
      const bytes = await runGit(["cat-file", "blob", sha], this.#bare(name));
      return ok({
        sha,
        node_id: nodeId("Blob", sha),
        size: bytes.length,
        url: this.#api(name, `git/blobs/${sha}`),
        content: (bytes.toString("base64").match(/.{1,60}/g) ?? []).join("\n") + (bytes.length > 0 ? "\n" : ""),
        encoding: "base64",
      });
    });

    add("POST", "/repos/{owner}/{repo}/git/trees", async (context) => {
      const name = fullName(context);
      const sha = await this.#createTree(name, asRecord(context.body));
      return created(await this.#treeJson(name, sha, false));
    });
    add("GET", "/repos/{owner}/{repo}/git/trees/{sha*}", async (context) => {
      const name = fullName(context);
      const spec = (context.params.sha ?? "").replace(/\/+$/, "");
      if (spec === "" || spec.startsWith("-")) throw host.notFound();
      const sha = await tryGit(["rev-parse", "--verify", "--quiet", `${spec}^{tree}`], this.#bare(name));
      if (!sha) throw host.notFound();
      const recursive = context.query.get("recursive");
      return ok(await this.#treeJson(name, sha.trim(), recursive !== null && recursive !== "" && recursive !== "0" && recursive !== "false"));
    });

    add("POST", "/repos/{owner}/{repo}/git/commits", async (context) => {
      const name = fullName(context);
      const sha = await this.#createCommit(name, asRecord(context.body), context.token ?? "");
      return created(await this.#gitCommitJson(name, sha));
    });
    add("GET", "/repos/{owner}/{repo}/git/commits/{sha}", async (context) => {
      const name = fullName(context);
      const sha = (context.params.sha ?? "").toLowerCase();
      if (!FULL_SHA.test(sha) || (await this.#type(name, sha)) !== "commit") throw host.notFound();
      return ok(await this.#gitCommitJson(name, sha));
    });

    // Moves a ref; like `git push` (with `force`, like `git push --force`). GitHub answers 422 for an unknown ref.
    add("PATCH", "/repos/{owner}/{repo}/git/refs/{ref*}", async (context) => {
      const name = fullName(context);
      const ref = refName(context.params.ref);
      const body = asRecord(context.body);
      const sha = typeof body.sha === "string" ? body.sha.toLowerCase() : "";
      if (!FULL_SHA.test(sha)) throw host.validationFailed([{ resource: "Reference", field: "sha", code: "invalid" }]);
      const cwd = this.#bare(name);
      const current = ref ? (await tryGit(["rev-parse", "--verify", "--quiet", ref], cwd))?.trim() : undefined;
      if (!ref || !current) throw host.error(422, "Reference does not exist");
      if ((await this.#type(name, sha)) !== "commit") throw host.error(422, "Object does not exist");
      if (body.force !== true && current !== sha) {
        const fastForward = (await tryGit(["merge-base", "--is-ancestor", current, sha], cwd)) !== undefined;
        if (!fastForward) throw host.error(422, "Update is not a fast forward");
      }
      await runGit(["update-ref", ref, sha, current], cwd);
      host.refUpdated(name, ref, sha);
      return ok(this.#refJson(name, ref, sha));
    });
    add("DELETE", "/repos/{owner}/{repo}/git/refs/{ref*}", async (context) => {
      const name = fullName(context);
      const ref = refName(context.params.ref);
      const cwd = this.#bare(name);
      const current = ref ? (await tryGit(["rev-parse", "--verify", "--quiet", ref], cwd))?.trim() : undefined;
      if (!ref || !current) throw host.error(422, "Reference does not exist");
      await runGit(["update-ref", "-d", ref, current], cwd);
      host.refUpdated(name, ref, undefined);
      return { status: 204 };
    });
  }

  // ---- git plumbing -----------------------------------------------------------------------------

  #bare(fullName: string): string {
    return this.#host.bareRepoPath(fullName);
  }

  #api(fullName: string, path: string): string {
    return `${this.#host.apiUrl}/repos/${fullName}/${path}`;
  }

  async #type(fullName: string, sha: string): Promise<string | undefined> {
    return (await tryGit(["cat-file", "-t", sha], this.#bare(fullName)))?.trim();
  }

  async #writeBlob(fullName: string, bytes: Buffer): Promise<string> {
    return (await runGit(["hash-object", "-w", "--stdin"], this.#bare(fullName), { input: bytes })).toString("utf8").trim();
  }

  /** `POST /git/trees`: the base tree read into a temporary index, the entries applied, then `git write-tree`. */
  async #createTree(fullName: string, body: Record<string, unknown>): Promise<string> {
    const host = this.#host;
    const cwd = this.#bare(fullName);
    const invalid = (message: string): Error => host.error(422, message);
    if (!Array.isArray(body.tree)) throw host.validationFailed([{ resource: "Tree", field: "tree", code: "missing_field" }]);
    const baseTree = body.base_tree;
    let baseSha: string | undefined;
    if (baseTree !== undefined && baseTree !== null) {
      const spec = typeof baseTree === "string" ? baseTree.toLowerCase() : "";
      baseSha = FULL_SHA.test(spec) ? (await tryGit(["rev-parse", "--verify", "--quiet", `${spec}^{tree}`], cwd))?.trim() : undefined;
      if (!baseSha) throw invalid("base_tree is not a valid tree oid");
    }
    const index = join(tmpdir(), `fake-github-index-${randomUUID()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await runGit(baseSha ? ["read-tree", baseSha] : ["read-tree", "--empty"], cwd, { env });
      const entries = new Map<string, { mode: string; sha: string }>();
      const staged = (await runGit(["ls-files", "--stage", "-z"], cwd, { env })).toString("utf8");
      for (const line of staged.split("\0")) {
        if (line === "") continue;
        const [meta = "", path = ""] = splitOnce(line, "\t");
        const [mode = "", sha = ""] = meta.split(" ");
        entries.set(path, { mode, sha });
      }
      const removeUnder = (path: string): void => {
        entries.delete(path);
        for (const key of [...entries.keys()]) if (key.startsWith(`${path}/`)) entries.delete(key);
        // A file standing where a directory now goes (`a` when adding `a/b`) gives way too.
        const parts = path.split("/");
        for (let depth = 1; depth < parts.length; depth += 1) entries.delete(parts.slice(0, depth).join("/"));
      };
      for (const [position, raw] of body.tree.entries()) {
        const entry = asRecord(raw);
        const path = entry.path;
        const mode = entry.mode;
        if (typeof path !== "string" || !validPath(path)) throw host.validationFailed([{ resource: "Tree", field: `tree[${position}].path`, code: "invalid" }]);
        if (typeof mode !== "string" || !(mode in MODES)) throw host.validationFailed([{ resource: "Tree", field: `tree[${position}].mode`, code: "invalid" }]);
        const type = MODES[mode] ?? "blob";
        if (entry.type !== undefined && entry.type !== type) throw host.validationFailed([{ resource: "Tree", field: `tree[${position}].type`, code: "invalid" }]);
        const hasContent = typeof entry.content === "string";
        if (entry.sha === null && !hasContent) {
          removeUnder(path);
          continue;
        }
        if (hasContent && typeof entry.sha === "string") throw invalid("Must supply either tree.sha or tree.content. Request will be rejected if both are present.");
        let sha: string;
        if (hasContent) {
          if (type !== "blob") throw invalid(`tree.content may only be given for blobs (${path})`);
          sha = await this.#writeBlob(fullName, Buffer.from(entry.content as string, "utf8"));
        } else if (typeof entry.sha === "string" && FULL_SHA.test(entry.sha.toLowerCase())) {
          sha = entry.sha.toLowerCase();
          if (type !== "commit" && (await this.#type(fullName, sha)) !== type) throw invalid(`tree.sha ${sha} is not a valid ${type}`);
        } else {
          throw invalid(`tree.sha ${String(entry.sha)} is not a valid ${type}`);
        }
        removeUnder(path);
        if (type === "tree") {
          const listing = (await runGit(["ls-tree", "-r", "-z", sha], cwd)).toString("utf8");
          for (const line of listing.split("\0")) {
            if (line === "") continue;
            const [meta = "", sub = ""] = splitOnce(line, "\t");
            const [subMode = "", , subSha = ""] = meta.split(" ");
            entries.set(`${path}/${sub}`, { mode: subMode, sha: subSha });
          }
        } else {
          entries.set(path, { mode, sha });
        }
      }
      rmSync(index, { force: true });
      await runGit(["read-tree", "--empty"], cwd, { env });
      const info = [...entries].map(([path, { mode, sha }]) => `${mode} ${sha}\t${path}\0`).join("");
      if (info !== "") await runGit(["update-index", "--add", "-z", "--index-info"], cwd, { env, input: Buffer.from(info, "utf8") });
      return (await runGit(["write-tree"], cwd, { env })).toString("utf8").trim();
    } finally {
      rmSync(index, { force: true });
      rmSync(`${index}.lock`, { force: true });
    }
  }

  async #treeJson(fullName: string, sha: string, recursive: boolean): Promise<unknown> {
    const args = recursive ? ["ls-tree", "-r", "-t", "-l", "-z", sha] : ["ls-tree", "-l", "-z", sha];
    const listing = (await runGit(args, this.#bare(fullName))).toString("utf8");
    const tree = listing
      .split("\0")
      .filter((line) => line !== "")
      .map((line) => {
        const [meta = "", path = ""] = splitOnce(line, "\t");
        const [mode = "", type = "", entrySha = "", size = "-"] = meta.split(/\s+/);
        const kind = type === "tree" ? "trees" : type === "blob" ? "blobs" : undefined;
        return {
          path,
          mode,
          type,
          sha: entrySha,
          ...(type === "blob" ? { size: Number(size) } : {}),
          ...(kind ? { url: this.#api(fullName, `git/${kind}/${entrySha}`) } : {}),
        };
      });
    return { sha, url: this.#api(fullName, `git/trees/${sha}`), tree, truncated: false };
  }

  async #createCommit(fullName: string, body: Record<string, unknown>, token: string): Promise<string> {
    const host = this.#host;
    const cwd = this.#bare(fullName);
    const message = body.message;
    if (typeof message !== "string") throw host.validationFailed([{ resource: "Commit", field: "message", code: "missing_field" }]);
    const tree = typeof body.tree === "string" ? body.tree.toLowerCase() : "";
    if (!FULL_SHA.test(tree) || (await this.#type(fullName, tree)) !== "tree") throw host.error(422, "Tree SHA does not exist");
    const parents = body.parents === undefined ? [] : body.parents;
    if (!Array.isArray(parents)) throw host.validationFailed([{ resource: "Commit", field: "parents", code: "invalid" }]);
    for (const parent of parents) {
      if (typeof parent !== "string" || !FULL_SHA.test(parent.toLowerCase()) || (await this.#type(fullName, parent.toLowerCase())) !== "commit") {
        throw host.error(422, "Parent SHA does not exist or is not a commit object");
      }
    }
    const now = gitDate(new Date().toISOString());
    const bot = `${host.appSlug}[bot]`;
    const self: Identity = { name: bot, email: `${host.appId}+${bot}@users.noreply.github.com`, when: now ?? "0 +0000" };
    const identity = (value: unknown, field: string): Identity | undefined => {
      if (value === undefined || value === null) return undefined;
      const record = asRecord(value);
      if (typeof record.name !== "string" || typeof record.email !== "string") {
        throw host.validationFailed([{ resource: "Commit", field, code: "invalid" }]);
      }
      const when = typeof record.date === "string" ? gitDate(record.date) : self.when;
      if (!when) throw host.validationFailed([{ resource: "Commit", field: `${field}.date`, code: "invalid" }]);
      return { name: record.name, email: record.email, when };
    };
    const author = identity(body.author, "author");
    const committer = identity(body.committer, "committer");
    const signature = typeof body.signature === "string" && body.signature !== "" ? body.signature : undefined;
    const personal = /^(ghp_|github_pat_|gho_)/.test(token);
    const signedByGitHub = !personal && !author && !committer && !signature;
    const authorLine = author ?? self;
    const committerLine = committer ?? author ?? self;
    const headers = [`tree ${tree}`, ...parents.map((parent: string) => `parent ${parent.toLowerCase()}`), `author ${formatIdentity(authorLine)}`, `committer ${formatIdentity(committerLine)}`];
    const payload = `${headers.join("\n")}\n\n${message}`;
    const sig = signature ?? (signedByGitHub ? fakeSignature(payload) : undefined);
    const object = sig ? `${headers.join("\n")}\ngpgsig ${sig.replace(/\n$/, "").split("\n").join("\n ")}\n\n${message}` : payload;
    const sha = (await runGit(["hash-object", "-t", "commit", "-w", "--stdin"], cwd, { input: Buffer.from(object, "utf8") })).toString("utf8").trim();
    const repo = this.#repo(fullName);
    repo.verifications.set(
      sha,
      signedByGitHub
        ? { verified: true, reason: "valid", signature: sig ?? null, payload, verifiedAt: timestamp() }
        : signature
          ? { verified: false, reason: "unknown_key", signature, payload, verifiedAt: null }
          : UNSIGNED,
    );
    if (!repo.apiCommits.includes(sha)) repo.apiCommits.push(sha);
    return sha;
  }

  async #parseCommit(fullName: string, sha: string): Promise<ParsedCommit> {
    const raw = (await runGit(["cat-file", "commit", sha], this.#bare(fullName))).toString("utf8");
    const split = raw.indexOf("\n\n");
    const head = split < 0 ? raw : raw.slice(0, split);
    const message = split < 0 ? "" : raw.slice(split + 2);
    const lines = head.split("\n");
    const parsed: ParsedCommit = { sha, tree: "", parents: [], author: emptyIdentity(), committer: emptyIdentity(), message, payload: "" };
    const kept: string[] = [];
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index] ?? "";
      const [key, value] = splitOnce(line, " ");
      if (key === "gpgsig") {
        const signature = [value];
        while ((lines[index + 1] ?? "").startsWith(" ")) {
          index += 1;
          signature.push((lines[index] ?? "").slice(1));
        }
        parsed.gpgsig = `${signature.join("\n")}\n`;
        continue;
      }
      kept.push(line);
      if (key === "tree") parsed.tree = value;
      else if (key === "parent") parsed.parents.push(value);
      else if (key === "author") parsed.author = parseIdentity(value);
      else if (key === "committer") parsed.committer = parseIdentity(value);
    }
    parsed.payload = `${kept.join("\n")}\n\n${message}`;
    return parsed;
  }

  async #gitCommitJson(fullName: string, sha: string): Promise<unknown> {
    const commit = await this.#parseCommit(fullName, sha);
    const person = (identity: Identity) => ({ name: identity.name, email: identity.email, date: isoDate(identity.when) });
    return {
      sha,
      node_id: nodeId("Commit", sha),
      url: this.#api(fullName, `git/commits/${sha}`),
      html_url: `${this.#host.url}/${fullName}/commit/${sha}`,
      author: person(commit.author),
      committer: person(commit.committer),
      message: commit.message,
      tree: { sha: commit.tree, url: this.#api(fullName, `git/trees/${commit.tree}`) },
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: this.#api(fullName, `git/commits/${parent}`),
        html_url: `${this.#host.url}/${fullName}/commit/${parent}`,
      })),
      verification: this.verificationJson(fullName, sha),
    };
  }

  #refJson(fullName: string, ref: string, sha: string): unknown {
    return {
      ref,
      node_id: nodeId("Ref", `${fullName}:${ref}`),
      url: this.#api(fullName, `git/${ref}`),
      object: { sha, type: "commit", url: this.#api(fullName, `git/commits/${sha}`) },
    };
  }

  #userJson(login: string): unknown {
    return {
      ...(this.#host.user(login) as Record<string, unknown>),
      name: null,
      company: null,
      blog: "",
      location: null,
      email: null,
      bio: null,
      public_repos: 0,
      followers: 0,
      following: 0,
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
    };
  }

  #eventJson(fullName: string, event: IssueEventRecord): unknown {
    const host = this.#host;
    const bot = `${host.appSlug}[bot]`;
    return {
      id: event.id,
      node_id: nodeId(`${event.event[0]?.toUpperCase() ?? ""}${event.event.slice(1)}Event`, event.id),
      url: this.#api(fullName, `issues/events/${event.id}`),
      actor: host.user(event.actor),
      event: event.event,
      commit_id: null,
      commit_url: null,
      created_at: event.createdAt,
      performed_via_github_app:
        event.actor === bot ? { id: host.appId, slug: host.appSlug, node_id: nodeId("Integration", host.appId), name: host.appSlug } : null,
      ...(event.label !== undefined ? { label: { name: event.label, color: labelColor(event.label) } } : {}),
      ...(event.assignee !== undefined ? { assignee: host.user(event.assignee), assigner: host.user(event.actor) } : {}),
    };
  }
}

// ---- small helpers ------------------------------------------------------------------------

/** `heads/x` (or `refs/heads/x`) → `refs/heads/x`; only branches and tags. */
function refName(raw: string | undefined): string | undefined {
  const ref = (raw ?? "").replace(/\/+$/, "").replace(/^refs\//, "");
  if (!/^(heads|tags)\/./.test(ref) || ref.split("/").some((part) => part === "" || part === ".." || part.startsWith("-"))) return undefined;
  return `refs/${ref}`;
}

function validPath(path: string): boolean {
  return path !== "" && path.split("/").every((part) => part !== "" && part !== "." && part !== ".." && part !== ".git" && !part.includes("\0"));
}

function emptyIdentity(): Identity {
  return { name: "", email: "", when: "0 +0000" };
}

function parseIdentity(value: string): Identity {
  const match = /^(.*) <([^>]*)> (\d+ [+-]\d{4})$/.exec(value);
  return match ? { name: match[1] ?? "", email: match[2] ?? "", when: match[3] ?? "0 +0000" } : { name: value, email: "", when: "0 +0000" };
}

function formatIdentity(identity: Identity): string {
  const clean = (text: string): string => text.replace(/[<>\n]/g, "").trim();
  return `${clean(identity.name)} <${clean(identity.email)}> ${identity.when}`;
}

/** An ISO 8601 date → git's `<seconds> <+hhmm>`, keeping the given offset; undefined when unparsable. */
function gitDate(iso: string): string | undefined {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) return undefined;
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  const tz = offset ? `${offset[1]}${offset[2]}${offset[3]}` : "+0000";
  return `${Math.floor(millis / 1000)} ${tz}`;
}

/** git's `<seconds> <+hhmm>` → GitHub's ISO 8601 in UTC (`2024-01-01T00:00:00Z`). */
function isoDate(when: string): string {
  return timestamp(Number(when.split(" ")[0] ?? 0) * 1000);
}

function fakeSignature(payload: string): string {
  const digest = Buffer.from(payload).toString("base64").slice(0, 64);
  return `-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJfakeGitHubSignature\n${digest}\n-----END PGP SIGNATURE-----\n`;
}

function labelColor(name: string): string {
  // The same colour the fake's label JSON gives (sha1 of the lower-cased name).
  return createHashHex(name.toLowerCase()).slice(0, 6);
}

function createHashHex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function timestamp(milliseconds = Date.now()): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`04:${kind}${id}`).toString("base64").replace(/=+$/, "");
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ""] : [text.slice(0, index), text.slice(index + separator.length)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** git in the fake's environment (no inherited GIT_*, no user config), with extra env and stdin. */
function runGit(args: string[], cwd: string, options: { env?: Record<string, string>; input?: Buffer } = {}): Promise<Buffer> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) env[key] = value;
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" }, options.env ?? {});
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`git ${args.join(" ")} failed: ${Buffer.concat(err).toString("utf8")}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}

async function tryGit(args: string[], cwd: string): Promise<string | undefined> {
  return runGit(args, cwd)
    .then((output) => output.toString("utf8"))
    .catch(() => undefined);
}
