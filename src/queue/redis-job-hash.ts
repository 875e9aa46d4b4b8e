// How a job is kept in its Redis hash: one field per record field, one `data.<name>` field per checkpoint entry.
import type { ChecksResult, EnqueueRequest, Job, JobCommand, JobOutcome, JobState, Trigger } from "./types.js";

/**
 * Checkpoint entries are fields of their own, so a checkpoint is one HSET that merges into the rest atomically
 * (no read-modify-write of a JSON blob), and values stay exact JSON (Lua's cjson would turn `[]` into `{}`).
 */
export const DATA_FIELD = "data.";

/** The hash fields a summary listing reads: the record's, and of the checkpoint only the cost `toRecord` shows. */
export const SUMMARY_FIELDS = [
  "id", "repo", "issue", "trigger", "command", "state", "step", "attempts", "createdAt", "updatedAt",
  "prUrl", "checks", "tokens", "error", "installationId", "actor", "runAfter", `${DATA_FIELD}costUsd`,
] as const;

/** Fields to delete and field/value pairs to set, in the order the queue's Lua scripts take them. */
export interface FieldChanges {
  deleted: string[];
  set: Array<string | number>;
}

/** The hash of a newly enqueued job, as field/value pairs. */
export function enqueuedJobFields(request: EnqueueRequest, id: string, now: number): Array<string | number> {
  const fields: Array<string | number> = [
    "id", id,
    "repo", request.repo,
    "issue", request.issue,
    "trigger", request.trigger,
    "command", request.command ?? "fix",
    "state", "queued",
    "step", "queued",
    "attempts", 0,
    "createdAt", now,
    "updatedAt", now,
  ];
  if (request.installationId !== undefined) fields.push("installationId", request.installationId);
  if (request.actor !== undefined) fields.push("actor", request.actor);
  return [...fields, ...checkpointChanges({ data: request.data ?? {} }).set];
}

/**
 * A checkpoint as hash changes. An entry set to `undefined` is deleted, as the SQLite queue drops it when it
 * serialises the merged data.
 */
export function checkpointChanges(patch: { step?: string; data?: Record<string, unknown>; tokens?: number }): FieldChanges {
  const changes: FieldChanges = { deleted: [], set: [] };
  if (patch.step !== undefined) changes.set.push("step", patch.step);
  if (patch.tokens !== undefined) changes.set.push("tokens", patch.tokens);
  for (const [name, value] of Object.entries(patch.data ?? {})) {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) changes.deleted.push(`${DATA_FIELD}${name}`);
    else changes.set.push(`${DATA_FIELD}${name}`, json);
  }
  return changes;
}

/** A successful outcome as hash changes: its fields replace the previous run's, as in the SQLite queue. */
export function outcomeChanges(outcome: JobOutcome): FieldChanges {
  const changes: FieldChanges = { deleted: ["error"], set: ["step", outcome.summary ?? "done"] };
  const optional: Array<[string, string | number | undefined]> = [
    ["prUrl", outcome.prUrl],
    ["checks", outcome.checks],
    ["tokens", outcome.tokens],
  ];
  for (const [field, value] of optional) {
    if (value === undefined) changes.deleted.push(field);
    else changes.set.push(field, value);
  }
  return changes;
}

/** The job a hash holds, or undefined for a missing (or foreign) key. */
export function jobFromHash(fields: Record<string, string>): Job | undefined {
  if (!fields.id || !fields.repo || !fields.state) return undefined;
  const state = fields.state as JobState;
  const job: Job = {
    id: fields.id,
    repo: fields.repo,
    issue: Number(fields.issue),
    trigger: fields.trigger as Trigger,
    state,
    step: fields.step ?? "queued",
    attempts: Number(fields.attempts ?? 0),
    createdAt: isoTime(fields.createdAt),
    updatedAt: isoTime(fields.updatedAt),
    command: (fields.command ?? "fix") as JobCommand,
    data: checkpointData(fields),
  };
  if (fields.prUrl) job.prUrl = fields.prUrl;
  if (fields.checks) job.checks = fields.checks as ChecksResult;
  if (fields.tokens !== undefined) job.tokens = Number(fields.tokens);
  if (fields.error) job.error = fields.error;
  if (fields.installationId !== undefined) job.installationId = Number(fields.installationId);
  if (fields.actor) job.actor = fields.actor;
  if (state === "queued" && fields.runAfter) job.runAfter = isoTime(fields.runAfter);
  return job;
}

function checkpointData(fields: Record<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [field, json] of Object.entries(fields)) {
    if (!field.startsWith(DATA_FIELD)) continue;
    try {
      data[field.slice(DATA_FIELD.length)] = JSON.parse(json) as unknown;
    } catch {
      // Written by JSON.stringify, so only a hand edit lands here: the entry is skipped, the job stays readable.
    }
  }
  return data;
}

function isoTime(milliseconds: string | undefined): string {
  const time = Number(milliseconds);
  return new Date(Number.isFinite(time) ? time : 0).toISOString();
}
