// Installation tokens never used near their end: renewed ahead of expiry, and once more when GitHub answers 401.
import type { Octokit as OctokitCore, OctokitOptions } from "@octokit/core";
import type { RequestInterface } from "@octokit/types";
import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";

/** An installation token with less than this left (they live one hour) is replaced before use. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** The `auth` function of an Octokit built on @octokit/auth-app, as Probot's installation Octokits are. */
export type InstallationAuth = (options: { type: "installation"; refresh?: boolean }) => Promise<unknown>;

export interface FreshTokenOptions {
  /** Fetch a new token whatever the cached one's expiry says (GitHub has just refused it). */
  refresh?: boolean;
  marginMs?: number;
  now?: () => number;
}

/**
 * The installation token from auth-app's cache, or a new one when the cached one has less than the margin
 * left. auth-app alone hands out a cached token for 59 of its 60 minutes, so a push or a pull request made
 * late in that window (or after a long run) would carry a token about to expire. A refresh also replaces the
 * cached token, so the Octokit's next requests carry the new one too.
 */
export async function freshInstallationToken(auth: InstallationAuth, options: FreshTokenOptions = {}): Promise<string> {
  const now = options.now ?? Date.now;
  const marginMs = options.marginMs ?? TOKEN_REFRESH_MARGIN_MS;
  let current = await auth({ type: "installation", ...(options.refresh ? { refresh: true } : {}) });
  if (!options.refresh && expiresWithin(current, now() + marginMs)) {
    current = await auth({ type: "installation", refresh: true });
  }
  const token = (current as { token?: unknown } | undefined)?.token;
  if (typeof token !== "string" || token === "") throw new Error("GitHub returned no installation token.");
  return token;
}

function expiresWithin(authentication: unknown, deadline: number): boolean {
  const expiresAt = (authentication as { expiresAt?: unknown } | undefined)?.expiresAt;
  if (typeof expiresAt !== "string") return false;
  const time = Date.parse(expiresAt);
  return Number.isFinite(time) && time < deadline;
}

/** Routes that carry the App's JWT rather than an installation token (auth-app's own list, in short). */
const APP_ROUTE = /^\/(?:app(?:\/|$)|app-manifests\/|marketplace_listing\/)|^\/(?:orgs|users|enterprises)\/[^/]+\/installation$|^\/repos\/[^/]+\/[^/]+\/installation$/;

export interface RefreshPluginOptions extends Omit<FreshTokenOptions, "refresh"> {
  log?: Logger;
}

/**
 * An Octokit plugin for installation Octokits: each REST request first renews a token close to expiry, and
 * a 401 is retried once with a new token. auth-app retries a 401 only within 5 s of creating a token (for
 * GitHub's replication delay), with the same token, so an expired or revoked one would fail the run.
 */
export function refreshInstallationTokens(options: RefreshPluginOptions = {}) {
  return (octokit: OctokitCore, octokitOptions: OctokitOptions): void => {
    const installationId = (octokitOptions.auth as { installationId?: unknown } | undefined)?.installationId;
    // The App's own (JWT) Octokit and token mode's GITHUB_TOKEN have no installation token to renew.
    if (installationId === undefined || installationId === null) return;
    const auth = octokit.auth as InstallationAuth;
    octokit.hook.wrap("request", async (request, requestOptions) => {
      if (APP_ROUTE.test(requestOptions.url)) return request(requestOptions);
      // Renews the cached token when needed; auth-app's hook, further in, then sends whatever the cache holds.
      await freshInstallationToken(auth, options);
      try {
        return await request(requestOptions);
      } catch (error) {
        if ((error as { status?: unknown }).status !== 401) throw error;
        options.log?.warn(
          { installationId, route: `${requestOptions.method} ${requestOptions.url}` },
          "GitHub refused the installation token (401); retrying once with a new one",
        );
        await freshInstallationToken(auth, { ...options, refresh: true });
        return request(requestOptions);
      }
    });
  };
}

/**
 * `Octokit` with `refreshInstallationTokens`, and auth-app's own requests sent to the configured API host.
 * Probot hands auth-app a `request` without `baseUrl`, which only auth-app's request hook corrects; a direct
 * `octokit.auth({ type: "installation", refresh: true })` would otherwise ask api.github.com for the token even
 * on GitHub Enterprise (or the tests' fake). auth-app documents `request` with a `baseUrl` for that case.
 */
export function withInstallationTokenRefresh(Octokit: typeof ProbotOctokit, options: RefreshPluginOptions = {}): typeof ProbotOctokit {
  return Octokit.plugin(refreshInstallationTokens(options)).defaults((instance: OctokitOptions = {}): OctokitOptions => {
    const auth = instance.auth as { request?: RequestInterface } | undefined;
    if (!auth?.request || typeof instance.baseUrl !== "string") return instance;
    return { ...instance, auth: { ...auth, request: auth.request.defaults({ baseUrl: instance.baseUrl }) } };
  });
}
