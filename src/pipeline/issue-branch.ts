// The one branch (and pull request) of an issue: `issue-<N>`, or the repository's own `branch_prefix`.
import type { RepoConfig } from "../config/repo-config.js";

export function issueBranch(repoConfig: Pick<RepoConfig, "branchPrefix">, issueNumber: number): string {
  return `${repoConfig.branchPrefix}${issueNumber}`;
}
