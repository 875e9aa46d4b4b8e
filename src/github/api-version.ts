// Pins the GitHub REST API version on every request, so GitHub answers in the shapes this code was written against.
import type { OctokitOptions } from "@octokit/core";
import type { RequestInterface } from "@octokit/types";
import type { ProbotOctokit } from "probot";

export const GITHUB_API_VERSION = "2022-11-28";
const HEADER = "x-github-api-version";

/**
 * The Octokit class with `X-GitHub-Api-Version` on every request. Octokit's constructor takes no default headers,
 * so a `before` hook sets it on the instance's requests (event Octokits, the poller, skills), and the `request`
 * Probot hands the auth strategy gets it as a default, for the installation-token requests made outside the hooks.
 */
export function withApiVersion(Octokit: typeof ProbotOctokit): typeof ProbotOctokit {
  return Octokit.plugin((octokit) => {
    octokit.hook.before("request", (options) => {
      options.headers[HEADER] ??= GITHUB_API_VERSION;
    });
    return {};
  }).defaults((instance: OctokitOptions = {}): OctokitOptions => {
    const auth = instance.auth as { request?: RequestInterface } | undefined;
    if (!auth?.request) return instance;
    return { ...instance, auth: { ...auth, request: auth.request.defaults({ headers: { [HEADER]: GITHUB_API_VERSION } }) } };
  });
}
