// Step `commit`: exactly the model's changes, scanned for secrets, committed — through the API, Verified — and a `Venom` check run opened on it.
import { permanentError } from "../../errors.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
import { publishCommit } from "../publish-commit.js";
import { coAuthorTrailer, findRequester, type Requester } from "../requester.js";
import { issueRunCheckTarget, openRunCheck } from "../run-check.js";
import { scanDiffForSecrets } from "../secret-scan.js";

export async function commitStep(run: IssueRun, deps: IssueJobDependencies): Promise<void> {
  const { job } = run;
  const workspace = run.need("workspace");
  // Only what the model wrote through its tools is committed; setup's and checks' leftovers go.
  await workspace.keepOnly(run.need("changes").entries());
  const changedFiles = await workspace.changedFiles();
  if (changedFiles.length === 0) {
    throw permanentError("The Coder made no change to the code, so there is no pull request; add detail to the issue and /venom retry.");
  }
  const findings = scanDiffForSecrets(await workspace.diff(), [...deps.config.secrets, run.need("cloneToken")]);
  if (findings.length) {
    const where = findings.slice(0, 3).map((finding) => `${finding.file}:${finding.line} (${finding.kind})`).join(", ");
    throw permanentError(`Refused to push: the change contains what looks like a secret at ${where}.`);
  }
  run.record({ changedFiles });
  await run.publish();
  const { title } = run.need("details");
  const requester = await requesterOf(run, deps);
  const trailer = requester ? `\n\n${coAuthorTrailer(requester)}` : "";
  await workspace.commit(`Fix #${job.issue}: ${title}\n\n${run.need("agents").plan.summary}\n\nCloses #${job.issue}${trailer}`);
  const appMode = deps.github.mode === "app";
  const published = await publishCommit({
    workspace,
    repo: job.repo,
    branch: run.need("branch"),
    // The issue's branch belongs to the app: what an earlier attempt of this job pushed is overwritten.
    force: true,
    remoteBranchExists: run.artifacts.branchOrigin === "remote",
    // Token mode: GitHub signs API commits only for Apps, so the commit goes over git.
    octokit: appMode ? run.need("octokit") : undefined,
    // The clone's token may be near its end after a long run: push with one that has minutes to spare.
    gitToken: () => deps.github.gitToken(job.installationId),
    log: run.log,
  });
  if ("moved" in published) throw new Error("A forced publish of the issue's branch cannot find it moved.");
  await run.save({ commit: published });
  const checkRunId = await openRunCheck(issueRunCheckTarget(run, deps), published.sha, "Running the repository's checks");
  if (checkRunId !== undefined) await run.save({ checkRun: { id: checkRunId, sha: published.sha } });
}

/** Found once per job and saved: a resumed attempt names the same person without asking GitHub again. */
async function requesterOf(run: IssueRun, deps: IssueJobDependencies): Promise<Requester | undefined> {
  if (run.checkpoint.requester) return run.checkpoint.requester;
  const repoLabel = run.artifacts.repoConfig?.label;
  const found = await findRequester(run.job, {
    octokit: run.need("octokit"),
    triggerLabels: [deps.config.triggerLabel, ...(repoLabel ? [repoLabel] : [])],
    assignee: await deps.github.assignee().catch(() => undefined),
  }).catch((error: unknown) => {
    run.log.warn({ err: error }, "Could not find who asked for the run; the commit names no co-author");
    return undefined;
  });
  if (found) await run.save({ requester: found });
  return found;
}
