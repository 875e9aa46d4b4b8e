// Authenticated GitHub clients for both credential modes (App installation tokens, or GITHUB_TOKEN).
import type { Probot, ProbotOctokit } from "probot";
import type { GitHubConfig } from "../config/env.js";
import type { PollTarget } from "./poll-target.js";
import { BACKGROUND_REQUEST } from "../traffic/github-throttle.js";
import type { EtagCache, GitHubRequest } from "./conditional-request.js";
import { freshInstallationToken, type InstallationAuth } from "./installation-token.js";
import { mapLimited } from "./map-limited.js";

export type Octokit = ProbotOctokit;

export class GitHubClients {
  readonly #probot: Probot;
  readonly #config: GitHubConfig;
  #botLogin: Promise<string | undefined> | undefined;
  readonly #installations = new Map<string, number>();

  constructor(probot: Probot, config: GitHubConfig) {
    this.#probot = probot;
    this.#config = config;
  }

  get mode(): GitHubConfig["mode"] {
    return this.#config.mode;
  }

  /** An Octokit for the installation (App mode) or the token (token mode); tokens stay in memory. */
  async forInstallation(installationId?: number): Promise<Octokit> {
    if (this.#config.mode === "app") {
      if (installationId === undefined) throw new Error("An installation id is needed in App mode.");
      return this.#probot.auth(installationId);
    }
    return this.#probot.auth();
  }

  /** The App's installation on a repository (App mode), looked up once per repository. */
  async installationFor(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`;
    const known = this.#installations.get(key);
    if (known !== undefined) return known;
    const appOctokit = await this.#probot.auth();
    const { data } = await appOctokit.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
    this.#installations.set(key, data.id);
    return data.id;
  }

  /**
   * A token for git over HTTPS: GITHUB_TOKEN, or an installation token with minutes to spare (renewed when
   * close to expiry, or at once with `refresh` after GitHub refused it). Kept in memory only.
   */
  async gitToken(installationId?: number, options: { refresh?: boolean } = {}): Promise<string> {
    if (this.#config.mode === "token") return this.#config.token as string;
    const octokit = await this.forInstallation(installationId);
    return freshInstallationToken(octokit.auth as InstallationAuth, options);
  }

  /** The login whose assignment starts a run (see `triggerAssignee`); may look up the token's user. */
  async assignee(): Promise<string | undefined> {
    if (this.#config.assignee !== undefined || this.#config.mode !== "token") return this.#config.assignee;
    return triggerAssignee(this.#config, await this.botLogin());
  }

  /** `https://github.com/owner/name.git` (or the GitHub Enterprise host), without credentials. */
  cloneUrl(fullName: string): string {
    return `${this.#config.webBaseUrl}/${fullName}.git`;
  }

  /** The login the app acts as: `slug[bot]` in App mode, the token's user in token mode. */
  botLogin(): Promise<string | undefined> {
    this.#botLogin ??= this.#lookupBotLogin().catch((error: unknown) => {
      this.#botLogin = undefined;
      throw error;
    });
    return this.#botLogin;
  }

  async #lookupBotLogin(): Promise<string | undefined> {
    if (this.#config.mode === "none") return undefined;
    const octokit = await this.#probot.auth();
    if (this.#config.mode === "app") {
      const { data } = await octokit.request("GET /app");
      return data?.slug ? `${data.slug}[bot]` : undefined;
    }
    const { data } = await octokit.request("GET /user");
    return data.login;
  }

  /**
   * The repositories to poll, every page of every list fetched with conditional requests (an unchanged page is a
   * free 304), each with its `pushed_at` so the poller re-reads a repository's venom.yml only after a push.
   */
  async pollTargets(etags: EtagCache): Promise<{ targets: PollTarget[]; requests: number; notModified: number }> {
    if (this.#config.mode === "token") {
      const request = backgroundRequest(await this.#probot.auth());
      const fullName = this.#config.repo as string;
      const [owner, repo] = fullName.split("/");
      const repository = await etags.get<{ pushed_at?: string | null }>(request, "GET /repos/{owner}/{repo}", { owner, repo }, "token");
      return {
        targets: [{ repo: fullName, request, pushedAt: repository.data.pushed_at ?? undefined }],
        requests: 1,
        notModified: repository.notModified ? 1 : 0,
      };
    }
    if (this.#config.mode !== "app") return { targets: [], requests: 0, notModified: 0 };
    const installations = await etags.getPages(
      backgroundRequest(await this.#probot.auth()),
      "GET /app/installations",
      { per_page: 100 },
      "app",
      (data) => data as Array<{ id: number; suspended_at?: string | null }>,
    );
    let { requests, notModified } = installations;
    // A suspended installation gets no token; its repositories wait until it is unsuspended.
    const active = installations.items.filter((installation) => !installation.suspended_at);
    const perInstallation = await mapLimited(active, INSTALLATION_CONCURRENCY, async (installation) => {
      const request = backgroundRequest(await this.#probot.auth(installation.id));
      const repositories = await etags.getPages(
        request,
        "GET /installation/repositories",
        { per_page: 100 },
        String(installation.id),
        (data) => (data as { repositories: Array<{ full_name: string; pushed_at?: string | null }> }).repositories,
      );
      requests += repositories.requests;
      notModified += repositories.notModified;
      return repositories.items.map(
        (repository): PollTarget => ({
          repo: repository.full_name,
          installationId: installation.id,
          request,
          pushedAt: repository.pushed_at ?? undefined,
        }),
      );
    });
    return { targets: perInstallation.flat(), requests, notModified };
  }
}

/** Installations whose repository lists are read at once. */
const INSTALLATION_CONCURRENCY = 4;

/** The poller's requests: booked as background traffic (see BACKGROUND_REQUEST), bounded by the poller's concurrency. */
function backgroundRequest(octokit: Octokit): GitHubRequest {
  const request = asRequest(octokit);
  return (route, parameters = {}) => request(route, { ...parameters, request: BACKGROUND_REQUEST });
}

/**
 * The login whose assignment starts a run: VENOM_ASSIGNEE, else the token's user in token mode. None in App
 * mode: GitHub does not let an App's bot account be assigned, so "assign to the bot" could never fire.
 */
export function triggerAssignee(config: Pick<GitHubConfig, "mode" | "assignee">, botLogin: string | undefined): string | undefined {
  return config.assignee ?? (config.mode === "token" ? botLogin : undefined);
}

export function asRequest(octokit: Octokit): GitHubRequest {
  return octokit.request as unknown as GitHubRequest;
}
