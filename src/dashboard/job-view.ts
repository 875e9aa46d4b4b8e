// What the dashboard's API answers about jobs: a list item (the job record plus who and what), and one run in detail.
//
// JobListItem = the public job record (queue/types.ts JobRecord: id, repo, issue, trigger, state, step, attempts,
// createdAt, updatedAt, prUrl?, checks?, tokens?, costUsd?, error?) plus `actor` (the GitHub login, or "poller",
// "api", "dashboard", "loopback"; null when unknown) and `command` ("fix" | "plan" | "run"), and `issueUrl`.
//
// RunDetail (GET /venom/api/jobs/:id) — the run page:
//   job: JobListItem
//   issueUrl, prUrl: string|null, statusCommentUrl: string|null  (links on GitHub)
//   title: string|null   the issue's title as the run's intake read it (user text: escape it)
//   plan: {summary, steps: string[], files: string[]} | null
//   steps: [{name, kind: "step"|"phase", attempt, startedAt, endedAt?}]   pipeline steps and the agents' phases
//   toolCalls: [{at, attempt, agent: "architect"|"coder", name, arguments, result, ok, resultChars}]  in order,
//              the newest 200; arguments cut to 1 KB, results to 2 KB;  toolCallsDropped: older calls not kept
//   checks: {at, attempt, result, summary, output} | null    the Guardian's last checks, output cut to 8 KB
//   actions: [{at, action, by, detail?}]    dashboard actions on this job (retry, cancel, enqueue), newest last
//   followUps: JobListItem[]   the issue's review/CI follow-up rounds (their own jobs), newest first
//   otherJobs: JobListItem[]   the issue's other jobs, newest first
// The trace's shape is written by the pipeline (pipeline/run-trace.ts); this layer passes it through, checked only
// for being arrays, since the dashboard may not import the pipeline.
import { toRecord, type Job, type JobRecord } from "../queue/types.js";

/** The key of the dashboard's action log in a job's data, and how many entries are kept. */
export const ACTIONS_KEY = "actions";
export const MAX_ACTIONS = 50;

export interface JobListItem extends JobRecord {
  actor: string | null;
  command: Job["command"];
  issueUrl: string;
}

export interface JobAction {
  at: string;
  action: "enqueue" | "retry" | "cancel";
  by: string;
  detail?: string;
}

export interface RunDetail {
  job: JobListItem;
  issueUrl: string;
  prUrl: string | null;
  statusCommentUrl: string | null;
  title: string | null;
  plan: { summary: string; steps: string[]; files: string[] } | null;
  steps: unknown[];
  toolCalls: unknown[];
  toolCallsDropped: number;
  checks: unknown;
  actions: JobAction[];
  followUps: JobListItem[];
  otherJobs: JobListItem[];
}

/** `webBaseUrl`: where issue and comment links point (https://github.com, or the GitHub Enterprise host). */
export function jobListItem(job: Job, webBaseUrl = "https://github.com"): JobListItem {
  return { ...toRecord(job), actor: job.actor ?? null, command: job.command, issueUrl: issueUrl(job, webBaseUrl) };
}

export function runDetail(job: Job, sameIssue: Job[], webBaseUrl = "https://github.com"): RunDetail {
  const item = (one: Job) => jobListItem(one, webBaseUrl);
  const trace = asObject(job.data.trace);
  const commentId = job.data.commentId;
  const others = sameIssue.filter((other) => other.id !== job.id);
  return {
    job: item(job),
    issueUrl: issueUrl(job, webBaseUrl),
    prUrl: job.prUrl ?? (typeof job.data.prUrl === "string" ? job.data.prUrl : null),
    statusCommentUrl: typeof commentId === "number" ? `${issueUrl(job, webBaseUrl)}#issuecomment-${commentId}` : null,
    title: typeof job.data.title === "string" ? job.data.title : null,
    plan: planOf(job.data.plan),
    steps: Array.isArray(trace.steps) ? trace.steps : [],
    toolCalls: Array.isArray(trace.toolCalls) ? trace.toolCalls : [],
    toolCallsDropped: typeof trace.toolCallsDropped === "number" ? trace.toolCallsDropped : 0,
    checks: trace.checks ?? null,
    actions: Array.isArray(job.data[ACTIONS_KEY]) ? (job.data[ACTIONS_KEY] as JobAction[]) : [],
    followUps: others.filter((other) => other.trigger === "review" || other.trigger === "ci").map(item),
    otherJobs: others.map(item),
  };
}

function issueUrl(job: Job, webBaseUrl: string): string {
  return `${webBaseUrl.replace(/\/+$/, "")}/${job.repo}/issues/${job.issue}`;
}

function planOf(value: unknown): RunDetail["plan"] {
  const plan = asObject(value);
  if (typeof plan.summary !== "string") return null;
  const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : []);
  return { summary: plan.summary, steps: strings(plan.steps), files: strings(plan.files) };
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
