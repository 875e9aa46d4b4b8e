// The app's pull request was merged: the issue's project item moves to "done" (best effort, called from intake).
import type { Logger } from "pino";
import type { VenomConfig } from "../../config/env.js";
import { parseRepoConfig } from "../../config/repo-config.js";
import type { GitHubClients } from "../../github/clients.js";
import { createMasker } from "../../log.js";
import { GitHubIssue } from "../github-issue.js";
import { projectBoard } from "./project-stage.js";
import { writeStatusLine } from "./status-lines.js";

export interface MergedDependencies {
  config: Pick<VenomConfig, "secrets">;
  github: Pick<GitHubClients, "forInstallation">;
  botLogin: () => Promise<string | undefined>;
  log: Logger;
}

/** Never throws: a repository without `project:` does nothing, a problem is a status line (or a log line). */
export async function moveMergedIssue(
  deps: MergedDependencies,
  merged: { repo: string; issue: number; prNumber: number; installationId?: number },
): Promise<void> {
  const log = deps.log.child({ repo: merged.repo, issue: merged.issue, prNumber: merged.prNumber });
  try {
    const octokit = await deps.github.forInstallation(merged.installationId);
    const issue = new GitHubIssue(octokit, merged.repo, merged.issue, { mask: createMasker(deps.config.secrets) });
    const settings = parseRepoConfig(await issue.repoConfigText()).project;
    if (!settings) return;
    const problem = await projectBoard(octokit, settings).moveIssue(merged.repo, merged.issue, settings.values.done);
    if (problem === undefined) {
      log.info("Project item moved to done");
      return;
    }
    log.warn({ problem }, "Project item not moved to done");
    await writeStatusLine(issue, { botLogin: await deps.botLogin() }, "project:done", problem);
  } catch (error) {
    log.warn({ err: error }, "Could not move the merged issue's project item");
  }
}
