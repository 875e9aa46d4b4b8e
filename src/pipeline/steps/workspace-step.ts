// Step `workspace`: a fresh clone on the issue's branch (the remote's, when an earlier attempt pushed it), setup run.
import { permanentError } from "../../errors.js";
import { issueBranch } from "../issue-branch.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { cachedReader, committedFileReader } from "../instruction-files.js";
import { baseGitEnvironment, gitCommand } from "../workspace/git-command.js";
import { Workspace } from "../workspace/workspace.js";

export async function workspaceStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job } = run;
  const { github } = deps;
  const repoConfig = run.need("repoConfig");
  const token = await github.gitToken(job.installationId);
  // Removed by the job when the attempt ends, whatever happens from here on.
  const workspace = await Workspace.clone({
    dataDir: deps.config.dataDir,
    repo: job.repo,
    cloneUrl: github.cloneUrl(job.repo),
    token,
    // A token GitHub refuses as expired or revoked (401) is replaced once, whatever command meets it.
    refreshToken: () => github.gitToken(job.installationId, { refresh: true }),
    ...(repoConfig.base ? { branch: repoConfig.base } : {}),
    jobId: job.id,
    author: run.need("author"),
  });
  run.artifacts.workspace = workspace;
  run.artifacts.cloneToken = token;
  run.artifacts.base = repoConfig.base ?? (await workspace.currentBranch());
  // The clone's commit is the base branch's head, before the issue's branch (which may hold the model's
  // earlier edits) is checked out: instruction files are read from it, with no API calls.
  const baseCommit = (await gitCommand(workspace.root, baseGitEnvironment()).raw(["rev-parse", "HEAD"])).trim();
  run.artifacts.instructions = cachedReader(committedFileReader(workspace.root, baseCommit));
  const branch = issueBranch(repoConfig, job.issue);
  run.artifacts.branchOrigin = await workspace.checkoutBranch(branch);
  run.artifacts.branch = branch;
  if (repoConfig.setup.length) {
    const setup = await workspace.runSetup(repoConfig.setup, deps.checks, {
      signal: run.signal,
      ...(repoConfig.image ? { image: repoConfig.image } : {}),
    });
    // Without isolation the checks cannot run either; the run goes on to a draft pull request.
    if (setup.notRun) run.log.warn({ reason: setup.notRun }, "Setup commands not run");
    else if (!setup.passed) throw permanentError(`The repository's setup commands failed: ${setup.summary}`);
  }
}
