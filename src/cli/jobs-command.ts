// `venom jobs`: the queue's jobs, newest first, as DESIGN.md's job records.
import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import { formatSpend } from "../llm/pricing.js";
import { toRecord, type JobRecord } from "../queue/types.js";
import type { CliContext } from "./cli-context.js";

const STATES: ReadonlyArray<JobRecord["state"]> = ["queued", "running", "succeeded", "failed", "cancelled"];

export function addJobsCommand(program: Command, context: CliContext): void {
  const { io, config, factory } = context;
  program
    .command("jobs")
    .description("list jobs, newest first")
    .option("--json", "print JSON (the job record of DESIGN.md)")
    .option("--state <state>", "only jobs in this state")
    .option("--limit <n>", "how many", "50")
    .action(async (options: { json?: boolean; state?: string; limit: string }) => {
      const venom = await factory(config(), {});
      try {
        const state = STATES.find((known) => known === options.state);
        if (options.state && !state) throw new ConfigError(`--state must be one of ${STATES.join(", ")}.`);
        const jobs = await venom.queue.list({ limit: Number(options.limit) || 50, ...(state ? { state } : {}) });
        const records = jobs.map(toRecord);
        io.out(options.json ? JSON.stringify(records) : formatJobs(records));
      } finally {
        await venom.stop();
      }
    });
}

export function formatJobs(jobs: JobRecord[]): string {
  if (jobs.length === 0) return "No jobs yet. Label an issue with the trigger label to start one.";
  return jobs
    .map((job) => {
      const tail = job.prUrl ?? job.error ?? job.step;
      const spend = job.tokens ? `  ${formatSpend(job.tokens, job.costUsd)}` : "";
      return `${job.id}  ${job.repo}#${job.issue}  ${job.state.padEnd(9)}  ${job.trigger.padEnd(7)}  attempts ${job.attempts}${spend}  ${tail}`;
    })
    .join("\n");
}
