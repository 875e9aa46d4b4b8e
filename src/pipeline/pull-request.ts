// The pull request's body: what changed, the plan, the checks' result, and `Closes #N`.
import type { AgentsResult } from "./agents.js";

export function renderPullRequestBody(input: {
  issue: number;
  result: AgentsResult;
  changedFiles: string[];
  tokens: number;
  jobId: string;
}): string {
  const { result } = input;
  const checks =
    result.checks === "passed"
      ? `✅ Checks passed\n\n${result.checksSummary}`
      : result.checks === "failed"
        ? `❌ Checks failed — this pull request needs a human.\n\n${result.checksSummary}\n\n<details><summary>Output</summary>\n\n\`\`\`text\n${result.checksOutput.replace(/`{3,}/g, "``").slice(0, 20_000)}\n\`\`\`\n\n</details>`
        : result.checksNotRun
          ? `⚠️ ${result.checksNotRun}. This pull request is a draft until someone runs the checks.`
          : result.checksSummary === "no checks configured"
            ? "➖ No checks configured (add `checks:` to `.github/venom.yml`)."
            : `⏳ ${result.checksSummary}.`;
  const isolation = result.isolation ? ["", `**Isolation:** ${result.isolation}`] : [];
  const files = input.changedFiles.slice(0, 50).map((file) => `- \`${file}\``);
  if (input.changedFiles.length > 50) files.push(`- … and ${input.changedFiles.length - 50} more`);
  return [
    "## Summary",
    result.coderSummary ?? result.plan.summary,
    "",
    "## Plan",
    result.plan.summary,
    "",
    ...result.plan.steps.map((step, index) => `${index + 1}. ${step}`),
    "",
    "## Checks",
    checks,
    ...isolation,
    "",
    "## Files changed",
    ...files,
    "",
    `<sub>Venom Integrator · job \`${input.jobId}\` · ${input.tokens} tokens</sub>`,
    "",
    `Closes #${input.issue}`,
  ].join("\n");
}
