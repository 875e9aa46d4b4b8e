// A `jobs` row of the SQLite queue, and the Job it holds.
import type { Job, JobCommand, JobState, Trigger } from "./types.js";

export interface JobRow {
  id: string;
  repo: string;
  issue: number;
  trigger: string;
  command: string;
  state: string;
  step: string;
  attempts: number;
  created_at: number;
  updated_at: number;
  run_after: number;
  lease_owner: string | null;
  lease_until: number | null;
  cancel_requested: number;
  installation_id: number | null;
  actor: string | null;
  pr_url: string | null;
  checks: string | null;
  tokens: number | null;
  error: string | null;
  data: string;
}

export function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    repo: row.repo,
    issue: row.issue,
    trigger: row.trigger as Trigger,
    state: row.state as JobState,
    step: row.step,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    command: row.command as JobCommand,
    data: parseData(row.data),
  };
  if (row.pr_url) job.prUrl = row.pr_url;
  if (row.checks) job.checks = row.checks as Job["checks"];
  if (row.tokens !== null) job.tokens = row.tokens;
  if (row.error) job.error = row.error;
  if (row.installation_id !== null) job.installationId = row.installation_id;
  if (row.actor) job.actor = row.actor;
  if (row.run_after > 0 && row.state === "queued") job.runAfter = new Date(row.run_after).toISOString();
  return job;
}
