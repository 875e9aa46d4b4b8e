// GitHub as an integration: configured by App or token mode, probed by looking up who the app acts as.
import type { GitHubConfig } from "../config/env.js";
import type { GitHubClients } from "../github/clients.js";
import { CHECKING, type Integration, type IntegrationStatus } from "./integration.js";

const NOT_CONFIGURED = "GitHub not configured: set APP_ID and PRIVATE_KEY (App) or GITHUB_TOKEN and GITHUB_REPO_NAME (token mode)";

/** Built by the wiring rather than from `{config, fetch, log}`: it probes through the app's own Octokit. */
export function githubIntegration(config: GitHubConfig, github: Pick<GitHubClients, "botLogin">): Integration {
  const configured = config.mode !== "none";
  return {
    name: "github",
    endpoint: config.apiBaseUrl,
    pending: () => ({ name: "github", configured, detail: configured ? CHECKING : NOT_CONFIGURED }),
    async checkConnection(): Promise<IntegrationStatus> {
      if (!configured) return { name: "github", configured: false, detail: NOT_CONFIGURED };
      try {
        const login = await github.botLogin();
        return { name: "github", configured: true, connected: true, detail: `${config.mode} mode as ${login ?? "unknown"} on ${config.apiBaseUrl}` };
      } catch (error) {
        return { name: "github", configured: true, connected: false, detail: (error as Error).message };
      }
    },
  };
}
