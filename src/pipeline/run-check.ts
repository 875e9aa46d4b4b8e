// The run's `Venom` check run, reported best-effort: a refused check run (no checks: write) never fails the run.
import type { Logger } from "pino";
import type { Octokit } from "../github/clients.js";
import { finishCheckRun, startCheckRun, type CheckConclusion, type CheckOutput } from "../github/venom-check-run.js";
import type { ChecksResult, Plan } from "./agents.js";
import type { IssueJobDependencies } from "./issue-job-dependencies.js";
import type { IssueRun } from "./issue-run.js";

export interface RunCheckTarget {
  /** App mode's installation client; token mode cannot create check runs (GitHub reserves them to Apps). */
  octokit: Octokit | undefined;
  repo: string;
  jobId: string;
  /** VENOM_PUBLIC_URL, when set: the check run links to the run's dashboard page. */
  publicUrl: string | undefined;
  log: Logger;
}

/** What the check run says: the plan, then the checks' verdict and output. */
export interface RunCheckReport {
  plan?: Plan | undefined;
  checks: ChecksResult;
  checksSummary: string;
  checksOutput?: string | undefined;
  /** Why the checks could not run (no isolation): the verdict is neutral. */
  checksNotRun?: string | undefined;
  /** A failed run's reason, when it ended before its verdict. */
  failure?: string | undefined;
  /** `/venom cancel` or the dashboard stopped the run. */
  cancelled?: boolean | undefined;
  pullRequestUrl?: string | undefined;
}

/** An Issue-to-PR run's target: the installation's client in App mode; none in token mode. */
export function issueRunCheckTarget(run: IssueRun, deps: Pick<IssueJobDependencies, "github" | "config">): RunCheckTarget {
  return {
    octokit: deps.github.mode === "app" ? run.artifacts.octokit : undefined,
    repo: run.job.repo,
    jobId: run.job.id,
    publicUrl: deps.config.server.publicUrl,
    log: run.log,
  };
}

export async function openRunCheck(target: RunCheckTarget, headSha: string, title: string): Promise<number | undefined> {
  if (!target.octokit) return undefined;
  try {
    return await startCheckRun(target.octokit, {
      repo: target.repo,
      headSha,
      jobId: target.jobId,
      detailsUrl: detailsUrl(target),
      output: { title, summary: "Venom is running the repository's checks and opening the pull request." },
    });
  } catch (error) {
    target.log.warn({ err: error }, "Could not create the Venom check run");
    return undefined;
  }
}

export async function closeRunCheck(target: RunCheckTarget, id: number | undefined, report: RunCheckReport): Promise<void> {
  if (!target.octokit || id === undefined) return;
  const conclusion = checkConclusion(report);
  try {
    await finishCheckRun(target.octokit, { repo: target.repo, id, conclusion, detailsUrl: detailsUrl(target), output: checkOutput(report, conclusion) });
  } catch (error) {
    target.log.warn({ err: error }, "Could not complete the Venom check run");
  }
}

export function checkConclusion(report: Pick<RunCheckReport, "checks" | "checksNotRun" | "failure" | "cancelled">): CheckConclusion {
  if (report.cancelled) return "cancelled";
  if (report.failure !== undefined) return "failure";
  if (report.checksNotRun !== undefined) return "neutral";
  return report.checks === "passed" ? "success" : report.checks === "failed" ? "failure" : "neutral";
}

const TITLES: Record<CheckConclusion, string> = {
  success: "Checks passed",
  failure: "Checks failed",
  neutral: "No checks ran",
  cancelled: "Cancelled",
};

export function checkOutput(report: RunCheckReport, conclusion: CheckConclusion): CheckOutput {
  const lines: string[] = [];
  if (report.failure !== undefined) lines.push(`**The run failed:** ${report.failure}`, "");
  if (report.plan) {
    lines.push(`**Plan:** ${report.plan.summary}`, "", ...report.plan.steps.map((step, index) => `${index + 1}. ${step}`), "");
  }
  lines.push(`**Checks:** ${report.checksNotRun ?? report.checksSummary}`);
  if (report.pullRequestUrl) lines.push("", `Pull request: ${report.pullRequestUrl}`);
  const output = report.checksOutput?.trim();
  return {
    title: report.failure !== undefined ? "Run failed" : TITLES[conclusion],
    summary: lines.join("\n"),
    ...(output ? { text: fenced(output) } : {}),
  };
}

/** A code block no backtick run in the output can close early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function detailsUrl(target: RunCheckTarget): string | undefined {
  return target.publicUrl ? `${target.publicUrl.replace(/\/+$/, "")}/venom/jobs/${encodeURIComponent(target.jobId)}` : undefined;
}
