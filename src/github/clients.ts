// Authenticated GitHub clients for both credential modes (App installation tokens, or GITHUB_TOKEN).
import type { Probot, ProbotOctokit } from "probot";
import type { GitHubConfig } from "../config/env.js";
import type { PollTarget } from "../intake/poller.js";
import type { EtagCache, GitHubRequest } from "./conditional-request.js";

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

  /** A token for git over HTTPS: the installation token (App mode) or GITHUB_TOKEN. Kept in memory only. */
  async gitToken(installationId?: number): Promise<string> {
    if (this.#config.mode === "token") return this.#config.token as string;
    const octokit = await this.forInstallation(installationId);
    const auth = (await octokit.auth({ type: "installation" })) as { token?: string };
    if (!auth.token) throw new Error("GitHub returned no installation token.");
    return auth.token;
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

  /** The repositories to poll, fetched with conditional requests. */
  async pollTargets(etags: EtagCache): Promise<{ targets: PollTarget[]; requests: number; notModified: number }> {
    if (this.#config.mode === "token") {
      const octokit = await this.#probot.auth();
      return { targets: [{ repo: this.#config.repo as string, request: asRequest(octokit) }], requests: 0, notModified: 0 };
    }
    if (this.#config.mode !== "app") return { targets: [], requests: 0, notModified: 0 };
    const appOctokit = await this.#probot.auth();
    let requests = 1;
    let notModified = 0;
    const installations = await etags.get<Array<{ id: number }>>(
      asRequest(appOctokit),
      "GET /app/installations",
      { per_page: 100 },
      "app",
    );
    if (installations.notModified) notModified += 1;
    const targets: PollTarget[] = [];
    for (const installation of installations.data) {
      const octokit = await this.#probot.auth(installation.id);
      const repositories = await etags.get<{ repositories: Array<{ full_name: string }> }>(
        asRequest(octokit),
        "GET /installation/repositories",
        { per_page: 100 },
        String(installation.id),
      );
      requests += 1;
      if (repositories.notModified) notModified += 1;
      for (const repository of repositories.data.repositories) {
        targets.push({ repo: repository.full_name, installationId: installation.id, request: asRequest(octokit) });
      }
    }
    return { targets, requests, notModified };
  }
}

export function asRequest(octokit: Octokit): GitHubRequest {
  return octokit.request as unknown as GitHubRequest;
}
