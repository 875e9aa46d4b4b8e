// Step `commit`: exactly the model's changes, scanned for secrets, committed and pushed to the issue's branch.
import { permanentError } from "../../errors.js";
import type { IssueJobDependencies } from "../issue-job-dependencies.js";
import type { IssueRun } from "../issue-run.js";
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
  await workspace.commit(`Fix #${job.issue}: ${title}\n\n${run.need("agents").plan.summary}\n\nCloses #${job.issue}`);
  // The clone's token may be near its end after a long run: push with one that has minutes to spare.
  await workspace.push(run.need("branch"), await deps.github.gitToken(job.installationId));
}
