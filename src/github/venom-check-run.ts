// The `Venom` check run on the head commit the app made: in progress while the run works, then its verdict.
import type { Octokit } from "./clients.js";
import { gitHubError } from "./github-error.js";

export const CHECK_RUN_NAME = "Venom";

/** GitHub refuses an output summary or text longer than this many characters. */
export const CHECK_OUTPUT_LIMIT = 65_535;

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled";

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

/** Starts the check run on `headSha`; the job id is its external id (one run per job and commit). */
export async function startCheckRun(
  octokit: Octokit,
  request: { repo: string; headSha: string; jobId: string; detailsUrl?: string | undefined; output: CheckOutput },
): Promise<number> {
  const [owner = "", repo = ""] = request.repo.split("/");
  try {
    const { data } = await octokit.rest.checks.create({
      owner,
      repo,
      name: CHECK_RUN_NAME,
      head_sha: request.headSha,
      status: "in_progress",
      started_at: new Date().toISOString(),
      external_id: request.jobId,
      ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
      output: trimmed(request.output),
    });
    return data.id;
  } catch (error) {
    throw gitHubError("create the Venom check run (the App needs checks: write)", error);
  }
}

export async function finishCheckRun(
  octokit: Octokit,
  request: { repo: string; id: number; conclusion: CheckConclusion; detailsUrl?: string | undefined; output: CheckOutput },
): Promise<void> {
  const [owner = "", repo = ""] = request.repo.split("/");
  try {
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: request.id,
      status: "completed",
      conclusion: request.conclusion,
      completed_at: new Date().toISOString(),
      ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
      output: trimmed(request.output),
    });
  } catch (error) {
    throw gitHubError("complete the Venom check run", error);
  }
}

/** Within GitHub's limits; a cut says so, keeping the end of a long text (where a failing check's error is). */
function trimmed(output: CheckOutput): CheckOutput {
  return {
    title: output.title.slice(0, 200),
    summary: cut(output.summary, "head"),
    ...(output.text !== undefined && output.text.length > 0 ? { text: cut(output.text, "tail") } : {}),
  };
}

function cut(text: string, keep: "head" | "tail"): string {
  if (text.length <= CHECK_OUTPUT_LIMIT) return text;
  const note = "\n… (cut to GitHub's 65,535-character limit)\n";
  const room = CHECK_OUTPUT_LIMIT - note.length;
  return keep === "head" ? text.slice(0, room) + note : note + text.slice(text.length - room);
}
