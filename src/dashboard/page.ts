// The dashboard's server-rendered pages (overview, one run, sign-in): the first paint, complete without JavaScript.
// Every value escaped (escapeHtml), no inline script or style (the Content-Security-Policy forbids them). The browser
// UI in /venom/assets/dashboard.js then enhances what is here: live job rows over /venom/events, the buttons through
// the JSON API (api.ts) with the page's CSRF token, and a live run page. Elements it updates carry ids and
// `data-*` hooks named in that file; the looks are in dashboard.css.
import type { QueueCounts } from "../queue/types.js";
import { CHECKING, type IntegrationStatus } from "../skills/integration.js";
import type { PollerStateView } from "./poller-control.js";
import type { JobListItem, RunDetail } from "./job-view.js";
import type { StatusSnapshot } from "./status-cache.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The traffic snapshot as this page reads it (traffic/traffic-snapshot.ts; the dashboard may not import traffic). */
export interface TrafficView {
  degraded?: boolean;
  degradedUntil?: string | null;
  degradedReason?: string | null;
  global?: { requestsLastMinute?: number; limitPerMinute?: number; consecutiveFailures?: number; degradeAfterFailures?: number };
  providers?: Record<string, { exempt?: boolean; breaker?: string; consecutiveFailures?: number; breakerOpenUntil?: string | null; pausedUntil?: string | null; limit?: { capacity?: number; refillPerSecond?: number } }>;
  scopes?: Record<string, { provider?: string; method?: string; tokensAvailable?: number; capacity?: number; requests?: number; "2xx"?: number; "4xx"?: number; "429"?: number; "5xx"?: number; timeouts?: number; networkErrors?: number }>;
  github?: Record<string, Record<string, { limit?: number | null; remaining?: number | null; used?: number | null; resetAt?: string | null }>>;
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const STATES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

function head(title: string, csrfToken: string | null, page: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">${csrfToken ? `<meta name="csrf-token" content="${escapeHtml(csrfToken)}">` : ""}
<link rel="stylesheet" href="/venom/assets/dashboard.css"><script src="/venom/assets/dashboard.js" defer></script></head><body data-page="${page}">`;
}

function header(signedIn: boolean): string {
  return `<header class="bar"><a class="brand" href="/venom">Venom Integrator</a>${
    signedIn ? `<form method="post" action="/venom/logout" class="logout"><button type="submit">Sign out</button></form>` : ""
  }</header>`;
}

/** A time as text people read (UTC), machine-readable in `datetime`. */
function time(iso: string | null | undefined, fallback = "—"): string {
  if (!iso) return escapeHtml(fallback);
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(readableTime(iso))}</time>`;
}

export function readableTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function jobDuration(job: JobListItem, now: number): string {
  const start = Date.parse(job.createdAt);
  const end = FINISHED.has(job.state) ? Date.parse(job.updatedAt) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? "—" : duration(end - start);
}

function spend(job: JobListItem): string {
  const parts = [job.tokens !== undefined ? `${job.tokens} tokens` : "", job.costUsd !== undefined ? `$${job.costUsd.toFixed(4)}` : ""].filter(Boolean);
  return parts.length ? parts.join(" · ") : "—";
}

/** The state as a word (never colour alone): the class only adds colour. */
function stateBadge(state: string): string {
  return `<span class="state state-${escapeHtml(state)}">${escapeHtml(state)}</span>`;
}

function jobButtons(job: JobListItem): string {
  const label = `${job.repo}#${job.issue}`;
  return FINISHED.has(job.state)
    ? `<button type="button" data-action="retry" data-job="${escapeHtml(job.id)}" aria-label="Retry ${escapeHtml(label)}">Retry</button>`
    : `<button type="button" data-action="cancel" data-job="${escapeHtml(job.id)}" aria-label="Cancel ${escapeHtml(label)}">Cancel</button>`;
}

function jobRow(job: JobListItem, now: number): string {
  const pr = job.prUrl ? `<a href="${escapeHtml(job.prUrl)}" data-pr-link>PR</a>` : "—";
  const who = job.actor ? ` by ${escapeHtml(job.actor)}` : "";
  return `<tr data-job-id="${escapeHtml(job.id)}" data-state="${escapeHtml(job.state)}"><td data-label="Job"><a href="/venom/jobs/${encodeURIComponent(job.id)}"><code>${escapeHtml(job.id.slice(0, 8))}</code></a></td><td data-label="Issue"><a href="${escapeHtml(job.issueUrl)}">${escapeHtml(job.repo)}#${job.issue}</a></td><td data-label="State">${stateBadge(job.state)}</td><td data-label="Step">${escapeHtml(job.step)}</td><td data-label="Trigger">${escapeHtml(job.trigger)}${who}</td><td data-label="Duration">${jobDuration(job, now)}</td><td data-label="Attempts">${job.attempts}</td><td data-label="Tokens · cost">${spend(job)}</td><td data-label="Checks">${escapeHtml(job.checks ?? "—")}</td><td data-label="Pull request">${pr}</td><td data-label="Failure">${escapeHtml(job.error ?? "")}</td><td data-label="Actions">${jobButtons(job)}</td></tr>`;
}

const JOB_COLUMNS = ["Job", "Issue", "State", "Step", "Trigger", "Duration", "Attempts", "Tokens · cost", "Checks", "Pull request", "Failure", "Actions"];

/** Plain words for an integration's status (the class only adds colour). */
export function integrationState(status: IntegrationStatus): { css: string; text: string } {
  if (!status.configured) return { css: "off", text: "not configured" };
  if (status.connected === false) return { css: "bad", text: "not connected" };
  if (status.connected) return { css: "ok", text: "connected" };
  if (status.detail === CHECKING) return { css: "off", text: CHECKING };
  return { css: "ok", text: "configured" };
}

/** "checking…" while a probe runs, and how old the statuses shown are. */
function freshness(status: StatusSnapshot): string {
  const age =
    status.ageSeconds === null || status.checkedAt === null
      ? "not checked yet"
      : `checked <time datetime="${escapeHtml(status.checkedAt)}">${status.ageSeconds} s ago</time>`;
  return `<p class="off" id="status-freshness"${status.checking ? ' data-checking="true"' : ""}>${status.checking ? `${CHECKING} ` : ""}(${age})</p>`;
}

function integrationsSection(status: StatusSnapshot): string {
  const rows = status.integrations
    .map((integration) => {
      const { css, text } = integrationState(integration);
      const name = escapeHtml(integration.name);
      return `<tr data-integration="${name}"><td>${name}</td><td class="${css}">${text}</td><td data-label="Detail">${escapeHtml(integration.detail)}</td><td><button type="button" data-action="test" data-integration="${name}" aria-label="Test ${name}">Test</button></td></tr>`;
    })
    .join("");
  return `<section aria-labelledby="h-integrations"><h2 id="h-integrations">Integrations</h2>${freshness(status)}
<div class="scroll"><table id="integrations"><thead><tr><th scope="col">Integration</th><th scope="col">State</th><th scope="col">Detail (secrets masked)</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

export function pollerText(poller: PollerStateView | null | undefined): string {
  if (!poller?.enabled) return "Polling is off (webhooks only).";
  const every = poller.intervalMs ? ` every ${duration(poller.intervalMs)}` : "";
  const state = poller.paused ? "paused" : `on${every}`;
  const error = poller.lastError ? ` Last error: ${poller.lastError}.` : "";
  return `Polling is ${state}; last poll ${poller.lastPollAt ? readableTime(poller.lastPollAt) : "never"}; next poll ${poller.nextPollAt ? readableTime(poller.nextPollAt) : "—"}.${error}`;
}

function pollingSection(poller: PollerStateView | null | undefined): string {
  const button = poller?.enabled
    ? `<button type="button" id="poller-toggle" data-action="poller-${poller.paused ? "resume" : "pause"}">${poller.paused ? "Resume polling" : "Pause polling"}</button>`
    : "";
  return `<section aria-labelledby="h-polling"><h2 id="h-polling">Polling</h2><p id="poller-state" data-paused="${poller?.paused ? "true" : "false"}">${escapeHtml(pollerText(poller))}</p>${button}</section>`;
}

function num(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : escapeHtml(String(value));
}

export function trafficHtml(traffic: TrafficView | undefined): string {
  if (!traffic) return "<p>No traffic data.</p>";
  const global = traffic.global ?? {};
  const summary = `<p>Outbound requests in the last minute: ${global.requestsLastMinute ?? 0}.${
    global.limitPerMinute ? ` Limit: ${global.limitPerMinute} per minute.` : ""
  } ${
    traffic.degraded
      ? `<strong class="bad">Degraded mode until ${escapeHtml(traffic.degradedUntil ? readableTime(traffic.degradedUntil) : "?")}</strong>${traffic.degradedReason ? ` (${escapeHtml(traffic.degradedReason)})` : ""}: no new runs start; jobs wait.`
      : `<span class="ok">Normal operation (not degraded).</span>`
  }</p>`;
  const providers = Object.entries(traffic.providers ?? {})
    .map(([name, provider]) => {
      const limit = provider.limit ? `${num(provider.limit.capacity)} burst, ${num(provider.limit.refillPerSecond)}/s` : "—";
      const scopes = Object.values(traffic.scopes ?? {}).filter((scope) => scope.provider === name);
      const left = scopes.length ? scopes.map((scope) => `${escapeHtml(scope.method ?? "")} ${num(scope.tokensAvailable)}/${num(scope.capacity)}`).join(", ") : "full";
      const requests = scopes.reduce((sum, scope) => sum + (scope.requests ?? 0), 0);
      const errors = scopes.reduce((sum, scope) => sum + (scope["429"] ?? 0) + (scope["5xx"] ?? 0) + (scope.timeouts ?? 0) + (scope.networkErrors ?? 0), 0);
      const breaker = `${escapeHtml(provider.breaker ?? "closed")}${provider.breakerOpenUntil ? ` until ${time(provider.breakerOpenUntil)}` : ""}`;
      return `<tr><td>${escapeHtml(name)}${provider.exempt ? " (exempt)" : ""}</td><td>${limit}</td><td>${left}</td><td>${breaker}</td><td>${requests}</td><td>${errors}</td><td>${time(provider.pausedUntil, "no")}</td></tr>`;
    })
    .join("");
  const quotas = Object.entries(traffic.github ?? {})
    .flatMap(([installation, resources]) =>
      Object.entries(resources).map(
        ([resource, quota]) =>
          `<tr><td>${escapeHtml(installation)}</td><td>${escapeHtml(resource)}</td><td>${num(quota.remaining)} of ${num(quota.limit)}</td><td>${time(quota.resetAt)}</td></tr>`,
      ),
    )
    .join("");
  return `${summary}<h3>Per provider</h3>${
    providers
      ? `<div class="scroll"><table><thead><tr><th scope="col">Provider</th><th scope="col">Limit</th><th scope="col">Tokens left</th><th scope="col">Breaker</th><th scope="col">Requests</th><th scope="col">Errors (429, 5xx, timeouts)</th><th scope="col">Held off until</th></tr></thead><tbody>${providers}</tbody></table></div>`
      : "<p>No outbound requests yet.</p>"
  }<h3>GitHub quota</h3>${
    quotas
      ? `<div class="scroll"><table><thead><tr><th scope="col">Installation</th><th scope="col">Resource</th><th scope="col">Remaining</th><th scope="col">Resets</th></tr></thead><tbody>${quotas}</tbody></table></div>`
      : "<p>GitHub has not reported a quota yet.</p>"
  }`;
}

function jobsSection(input: DashboardInput, now: number): string {
  const filter = input.filter ?? {};
  const counts = input.counts
    ? `<p id="job-counts">${Object.entries(input.counts).map(([state, count]) => `${escapeHtml(state)}: <span data-count="${escapeHtml(state)}">${count}</span>`).join(" · ")}</p>`
    : "";
  const options = [`<option value="">any state</option>`, ...STATES.map((state) => `<option value="${state}"${filter.state === state ? " selected" : ""}>${state}</option>`)].join("");
  const page = input.page ?? 1;
  const pages = input.pages ?? 1;
  const query = (target: number) =>
    `/venom?${new URLSearchParams({ ...(filter.state ? { state: filter.state } : {}), ...(filter.repo ? { repo: filter.repo } : {}), page: String(target) }).toString()}`;
  const pager = `<nav id="pager" aria-label="Job pages">${page > 1 ? `<a href="${escapeHtml(query(page - 1))}" data-page="${page - 1}" rel="prev">← Newer</a>` : ""} <span id="page-info">Page ${page} of ${pages}</span> ${
    page < pages ? `<a href="${escapeHtml(query(page + 1))}" data-page="${page + 1}" rel="next">Older →</a>` : ""
  }</nav>`;
  const rows = input.jobs.map((job) => jobRow(job, now)).join("");
  return `<section aria-labelledby="h-jobs"><h2 id="h-jobs">Jobs</h2>${counts}
<form id="enqueue" class="inline"><label for="enqueue-ref">Issue to run (owner/repo#N or URL)</label> <input id="enqueue-ref" name="ref" required placeholder="octo/repo#12" autocomplete="off"> <button type="submit">Queue a run</button></form>
<form id="job-filter" class="inline" method="get" action="/venom"><label for="filter-state">State</label> <select id="filter-state" name="state">${options}</select> <label for="filter-repo">Repository</label> <input id="filter-repo" name="repo" placeholder="owner/name" value="${escapeHtml(filter.repo ?? "")}" pattern="[A-Za-z0-9][A-Za-z0-9\\-]*/[A-Za-z0-9._\\-]+"> <button type="submit">Filter</button></form>
<div class="scroll"><table id="jobs" data-per-page="${input.perPage ?? 50}"><caption class="sr">Jobs, newest first</caption><thead><tr>${JOB_COLUMNS.map((column) => `<th scope="col">${column}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table></div>
<p id="jobs-empty"${rows ? " hidden" : ""}>No jobs${filter.state || filter.repo ? " match this filter" : " yet. Label an issue with the trigger label, or queue one above, to start one"}.</p>
${pager}</section>`;
}

interface DashboardInput {
  status: StatusSnapshot;
  jobs: JobListItem[];
  filter?: { state?: string; repo?: string };
  page?: number;
  pages?: number;
  perPage?: number;
  counts?: QueueCounts;
  traffic?: TrafficView | undefined;
  poller?: PollerStateView | null;
  csrfToken?: string | null;
  signedIn?: boolean;
}

export function renderDashboard(input: DashboardInput): string {
  const now = Date.now();
  return `${head("Venom Integrator", input.csrfToken ?? null, "overview")}${header(input.signedIn === true)}
<main><h1>External Integrations</h1>
<p id="action-message" role="status" aria-live="polite"></p>
${jobsSection(input, now)}
${integrationsSection(input.status)}
${pollingSection(input.poller)}
<section aria-labelledby="h-traffic"><h2 id="h-traffic">Traffic</h2><div id="traffic">${trafficHtml(input.traffic)}</div><p><a href="/venom/api/traffic">Raw traffic JSON</a></p></section>
</main></body></html>`;
}

interface StepView { name?: unknown; kind?: unknown; attempt?: unknown; startedAt?: unknown; endedAt?: unknown }
interface CallView { at?: unknown; agent?: unknown; name?: unknown; arguments?: unknown; result?: unknown; ok?: unknown; resultChars?: unknown }
interface ChecksView { result?: unknown; summary?: unknown; output?: unknown; at?: unknown }

const text = (value: unknown) => escapeHtml(typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));

export function renderRun(detail: RunDetail, csrfToken: string | null, signedIn = false): string {
  const { job } = detail;
  const link = (url: string | null, label: string, id: string) => (url ? `<a id="${id}" href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : `<span id="${id}">—</span>`);
  const steps = (detail.steps as StepView[])
    .map((step) => {
      const started = typeof step.startedAt === "string" ? Date.parse(step.startedAt) : NaN;
      const ended = typeof step.endedAt === "string" ? Date.parse(step.endedAt) : NaN;
      const took = Number.isNaN(started) ? "" : Number.isNaN(ended) ? " (running)" : ` (${duration(ended - started)})`;
      return `<li class="${step.kind === "phase" ? "phase" : "step"}"><strong>${text(step.name)}</strong>${step.kind === "phase" ? " (phase)" : ""}, attempt ${text(step.attempt)}: ${time(typeof step.startedAt === "string" ? step.startedAt : null)} → ${typeof step.endedAt === "string" ? time(step.endedAt) : "…"}${took}</li>`;
    })
    .join("");
  const calls = (detail.toolCalls as CallView[])
    .map(
      (call) =>
        `<li><p><strong>${text(call.agent)} · ${text(call.name)}</strong> <span class="${call.ok === false ? "bad" : "ok"}">${call.ok === false ? "error" : "ok"}</span> ${time(typeof call.at === "string" ? call.at : null, "")}</p><p class="label">Arguments</p><pre>${text(call.arguments)}</pre><p class="label">Result${typeof call.resultChars === "number" ? ` (${call.resultChars} chars)` : ""}</p><pre>${text(call.result)}</pre></li>`,
    )
    .join("");
  const checks = detail.checks as ChecksView | null;
  const actions = detail.actions.map((action) => `<li>${time(action.at)}: ${escapeHtml(action.action)} by ${escapeHtml(action.by)}${action.detail ? ` (${escapeHtml(action.detail)})` : ""}</li>`).join("");
  const followUps = detail.followUps
    .map((other) => `<li><a href="/venom/jobs/${encodeURIComponent(other.id)}">${escapeHtml(other.trigger)} round</a>: ${stateBadge(other.state)}, ${escapeHtml(other.step)}${other.prUrl ? ` · <a href="${escapeHtml(other.prUrl)}">PR</a>` : ""}</li>`)
    .join("");
  const others = detail.otherJobs
    .filter((other) => !detail.followUps.some((round) => round.id === other.id))
    .map((other) => `<li><a href="/venom/jobs/${encodeURIComponent(other.id)}"><code>${escapeHtml(other.id.slice(0, 8))}</code></a> ${escapeHtml(other.trigger)}: ${stateBadge(other.state)} (${time(other.createdAt)})</li>`)
    .join("");
  const title = detail.title ? ` — ${escapeHtml(detail.title)}` : "";
  return `${head(`Run ${job.repo}#${job.issue}`, csrfToken, "run")}${header(signedIn)}
<main data-job-id="${escapeHtml(job.id)}" data-state="${escapeHtml(job.state)}">
<p><a href="/venom">← All jobs</a></p>
<h1><span id="run-issue">${escapeHtml(job.repo)}#${job.issue}</span><span id="run-title">${title}</span></h1>
<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>
<dl class="facts" id="run-facts">
<dt>State</dt><dd id="run-state">${stateBadge(job.state)}</dd>
<dt>Current step</dt><dd id="run-step">${escapeHtml(job.step)}</dd>
<dt>Trigger</dt><dd>${escapeHtml(job.trigger)}${job.actor ? ` by ${escapeHtml(job.actor)}` : ""}</dd>
<dt>Attempts</dt><dd id="run-attempts">${job.attempts}</dd>
<dt>Duration</dt><dd id="run-duration">${jobDuration(job, Date.now())}</dd>
<dt>Tokens · cost</dt><dd id="run-spend">${spend(job)}</dd>
<dt>Checks</dt><dd id="run-checks">${escapeHtml(job.checks ?? "—")}</dd>
<dt>Started</dt><dd>${time(job.createdAt)}</dd>
<dt>Issue</dt><dd>${link(detail.issueUrl, detail.issueUrl, "run-issue-link")}</dd>
<dt>Pull request</dt><dd>${link(detail.prUrl, detail.prUrl ?? "", "run-pr")}</dd>
<dt>Status comment</dt><dd>${link(detail.statusCommentUrl, "status comment on the issue", "run-comment")}</dd>
<dt>Job id</dt><dd><code>${escapeHtml(job.id)}</code></dd>
</dl>
<p id="run-error" class="bad"${job.error ? "" : " hidden"}>${job.error ? `Failure: ${escapeHtml(job.error)}` : ""}</p>
<p><span id="run-buttons">${jobButtons(job)}</span> <span id="action-message" role="status" aria-live="polite"></span></p></section>
<section aria-labelledby="h-plan"><h2 id="h-plan">Plan</h2><div id="run-plan">${
    detail.plan
      ? `<p>${escapeHtml(detail.plan.summary)}</p><ol>${detail.plan.steps.map((step) => `<li>${escapeHtml(step)}</li>`).join("")}</ol>${detail.plan.files.length ? `<p>Files: ${detail.plan.files.map((file) => `<code>${escapeHtml(file)}</code>`).join(", ")}</p>` : ""}`
      : "<p>No plan yet.</p>"
  }</div></section>
<section aria-labelledby="h-steps"><h2 id="h-steps">Steps</h2><ol id="run-steps">${steps || "<li>No step started yet.</li>"}</ol></section>
<section aria-labelledby="h-tools"><h2 id="h-tools">Tool calls</h2><p id="run-dropped"${detail.toolCallsDropped ? "" : " hidden"}>${detail.toolCallsDropped} older calls not kept.</p><ol id="run-tools" class="calls">${calls || "<li>No tool calls yet.</li>"}</ol></section>
<section aria-labelledby="h-checks"><h2 id="h-checks">Checks</h2><div id="run-checks-output">${
    checks ? `<p>${text(checks.result)}: ${text(checks.summary)}</p><pre>${text(checks.output)}</pre>` : "<p>No checks ran.</p>"
  }</div></section>
<section aria-labelledby="h-followups"><h2 id="h-followups">Follow-up rounds</h2><ul id="run-followups">${followUps || "<li>None.</li>"}</ul>${others ? `<h3>Other runs of this issue</h3><ul>${others}</ul>` : ""}</section>
<section aria-labelledby="h-actions"><h2 id="h-actions">Actions log</h2><ul id="run-actions">${actions || "<li>No dashboard actions on this job.</li>"}</ul></section>
</main></body></html>`;
}

export function renderLogin(message: string): string {
  return `${head("Venom Integrator — sign in", null, "login")}${header(false)}
<main class="narrow"><h1>Sign in</h1><p>${escapeHtml(message)}</p>
<form method="post" action="/venom/login"><p><label for="token">Dashboard token</label><br><input id="token" type="password" name="token" autocomplete="current-password" required></p>
<button type="submit">Sign in</button></form></main></body></html>`;
}
