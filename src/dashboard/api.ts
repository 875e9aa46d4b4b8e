// The dashboard's HTTP routes: sign-in, the pages, the JSON API, live events and static assets under /venom.
//
// Every route but login, logout and /venom/assets/* needs authentication (auth.ts): a bearer token, a signed-in
// session cookie, or — with no VENOM_DASHBOARD_TOKEN — a loopback client with a loopback Host. Refused: 401 (403 for
// the loopback rule) with {"error","message"}; an HTML page asked for without a session gets the login form (401).
// Every POST from a browser (cookie or loopback) must carry `X-CSRF-Token` (from GET /venom/api/session, or the
// page's <meta name="csrf-token">): else 403 {"error":"csrf"}. Errors are JSON {"error": code, "message": text}.
//
//   POST /venom/login            form `token`  → 303 to /venom with Set-Cookie venom_session (401 login page if wrong)
//   POST /venom/logout           → 303 to /venom, session deleted, cookie cleared
//   GET  /venom                  the overview page (HTML; ?state= &repo= &page= filter and page its jobs, 50 a page)
//   GET  /venom/jobs/:id         one run's page (HTML)
//   GET  /venom/assets/<file>    src/dashboard/assets/<file> (JS, CSS, images), no sign-in needed
//   GET  /venom/events           Server-Sent Events: `job` events (job-events.ts)
//   GET  /venom/api/session      {who: "dashboard"|"loopback", via: "bearer"|"session"|"loopback", csrfToken: string|null}
//   GET  /venom/api/status       {integrations: [{name, configured, connected?, detail}], checking, checkedAt, ageSeconds,
//                                 poller: PollerState|null, counts: {queued, running, succeeded, failed, cancelled},
//                                 actions: [{at, action, by, detail?}]  (recent dashboard actions, newest last)}
//   GET  /venom/api/jobs         ?state=queued|running|succeeded|failed|cancelled &repo=o/r &page=1 &per_page=100 (≤500; `limit` is an alias)
//                                → {jobs: JobListItem[], total, page, perPage, pages,
//                                   links: {self, first, last, prev: string|null, next: string|null}}
//   POST /venom/api/jobs         {"repo":"o/r","issue":N} | {"url":"https://github.com/o/r/issues/N"} | {"ref":"o/r#N"} | "o/r#N"
//                                → 202 {status: "enqueued"|"already_active", job: JobListItem}; 400 on bad input
//   GET  /venom/api/jobs/:id     RunDetail (job-view.ts); 404 when unknown
//   POST /venom/api/jobs/:id/retry    → 202 {job}; 404; 409 when it is queued/running or its issue has an active job
//   POST /venom/api/jobs/:id/cancel   → 202 {job, cancelRequested}: a queued job is cancelled at once, a running one
//                                     is asked to stop (its state changes when the worker notices); 409 when finished
//   GET  /venom/api/poller       PollerState | null (null: no poller in this process)
//   POST /venom/api/poller/pause|resume → 200 {poller: PollerState}; 409 when this process runs no poller
//   POST /venom/api/integrations/:name/test → 200 {integration: {name, configured, connected?, detail}} (probed now,
//                                     masked, kept as the last known status); 404 for an unknown name
//   GET  /venom/api/<name>       extra read-only endpoints from the wiring: `traffic` (traffic snapshot)
// Each action (enqueue, retry, cancel, pause, resume, test) is logged with who did it ("dashboard" for a token holder,
// "loopback" without a token) and, for a job, appended to its data `actions` (shown by GET /venom/api/jobs/:id).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { BodyReadError, pathOf, readBody, send, type RouteHandler } from "../http/respond.js";
import type { Job, JobQueue, JobState } from "../queue/types.js";
import type { IntegrationStatus } from "../skills/integration.js";
import { DashboardAuth, isLoopbackPeer, type DashboardUser } from "./auth.js";
import { parseIssueRef } from "./issue-ref.js";
import type { PollerControl } from "./poller-control.js";
import { JobEvents } from "./job-events.js";
import { ACTIONS_KEY, jobListItem, MAX_ACTIONS, runDetail, type JobAction } from "./job-view.js";
import { renderDashboard, renderLogin, renderRun } from "./page.js";
import { htmlHeaders, serveAsset } from "./static-assets.js";
import type { StatusSnapshot } from "./status-cache.js";

export interface DashboardOptions {
  queue: JobQueue;
  auth: DashboardAuth;
  /** The last known integration status, answered at once (probes run in the background). */
  status: () => StatusSnapshot | Promise<StatusSnapshot>;
  /** Extra `/venom/api/<name>` GET endpoints (traffic…), registered by other layers. */
  extraEndpoints?: Record<string, () => unknown | Promise<unknown>>;
  /** The job-change feed behind /venom/events (built by the wiring around the queue). */
  events?: JobEvents;
  poller?: PollerControl;
  /** The enqueue request's GitHub side: the installation of `repo` in App mode; throws a user-facing error when none. */
  enqueueTarget?: (repo: string) => Promise<{ installationId?: number }>;
  /** Probes one integration now (the overview's "test" button); undefined for an unknown name. */
  testIntegration?: (name: string) => Promise<IntegrationStatus | undefined>;
  /** Where issue and comment links point (https://github.com or the GitHub Enterprise host). */
  webBaseUrl?: string;
  log?: Logger;
  /** A job was queued (enqueued or retried): the worker looks at once. */
  onQueued?: (jobId: string) => void;
  /** A running job was asked to stop: a worker of this process that runs it stops at once. */
  onCancelRequested?: (jobId: string) => void;
}

const STATES: readonly JobState[] = ["queued", "running", "succeeded", "failed", "cancelled"];
const DEFAULT_PER_PAGE = 100;
const MAX_PER_PAGE = 500;
/** Jobs the overview page renders on the server; the browser UI pages through the API. */
const OVERVIEW_JOBS = 50;
const MAX_BODY_BYTES = 16_384;
const REPO_FILTER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const JOB_ROUTE = /^\/venom\/api\/jobs\/([^/]{1,200})(?:\/(retry|cancel))?$/;
const RUN_PAGE = /^\/venom\/jobs\/([^/]{1,200})$/;
const INTEGRATION_TEST = /^\/venom\/api\/integrations\/([a-z0-9-]{1,60})\/test$/;

export function createDashboardRoutes(options: DashboardOptions): RouteHandler {
  const { queue, auth } = options;
  const log = options.log;
  const recentActions: JobAction[] = [];

  /** Logs an action with who did it, keeps it for the overview, and appends it to the job's own log. */
  const recordAction = async (action: JobAction["action"] | "pause" | "resume" | "test", by: DashboardUser, job?: Job, detail?: string) => {
    const entry = { at: new Date().toISOString(), action, by, ...(detail ? { detail } : {}) } as JobAction;
    log?.info({ action, by, ...(job ? { jobId: job.id, repo: job.repo, issue: job.issue } : {}) }, `Dashboard action: ${action}${job ? ` ${job.repo}#${job.issue}` : ""} by ${by}`);
    recentActions.push(entry);
    if (recentActions.length > MAX_ACTIONS) recentActions.shift();
    if (job) await queue.appendData(job.id, ACTIONS_KEY, { ...entry }, MAX_ACTIONS);
  };
  const queued = (id: string) => options.onQueued?.(id);
  const item = (job: Job) => jobListItem(job, options.webBaseUrl);

  return async (request, response) => {
    const path = pathOf(request);
    if (path !== "/venom" && !path.startsWith("/venom/")) return false;
    const method = request.method ?? "GET";

    if (path.startsWith("/venom/assets/") && (method === "GET" || method === "HEAD")) {
      if (!(await serveAsset(decodeSafely(path.slice("/venom/assets/".length)) ?? "", response))) notFound(response, method, path);
      return true;
    }
    if (path === "/venom/login" && method === "POST") {
      await login(request, response, auth);
      return true;
    }
    if (path === "/venom/logout" && method === "POST") {
      if (!sameOrigin(request)) {
        forbidden(response, "csrf", "Cross-origin sign-out refused.");
        return true;
      }
      response.writeHead(303, { location: "/venom", "set-cookie": auth.logout(request), "cache-control": "no-store" });
      response.end();
      return true;
    }

    const authentication = auth.authenticate(request);
    if (!authentication.ok) {
      const wantsPage = method === "GET" && (path === "/venom" || path === "/venom/" || RUN_PAGE.test(path));
      if (wantsPage && authentication.status === 401) {
        response.writeHead(401, htmlHeaders());
        response.end(renderLogin(auth.tokenConfigured ? "Enter the dashboard token (VENOM_DASHBOARD_TOKEN)." : authentication.message));
        return true;
      }
      send(response, authentication.status, { error: authentication.error, message: authentication.message }, {
        ...(authentication.status === 401 ? { "www-authenticate": 'Bearer realm="venom"' } : {}),
        "cache-control": "no-store",
      });
      return true;
    }
    if (method === "POST" && !auth.csrfOk(request, authentication)) {
      forbidden(response, "csrf", `Browser requests that change something must carry the page's CSRF token in X-CSRF-Token (GET /venom/api/session).`);
      return true;
    }
    const who = authentication.who;
    const url = new URL(request.url ?? "/", "http://localhost");

    if (method === "GET" && (path === "/venom" || path === "/venom/")) {
      // The same filters as the API (?state, ?repo, ?page), so the page filters and pages without JavaScript too.
      const stateParam = url.searchParams.get("state");
      const repoParam = url.searchParams.get("repo");
      const filter = {
        ...(stateParam && STATES.includes(stateParam as JobState) ? { state: stateParam as JobState } : {}),
        ...(repoParam && REPO_FILTER.test(repoParam) ? { repo: repoParam } : {}),
      };
      const page = positive(url.searchParams.get("page"), 1, 1_000_000);
      const [status, list, total, counts, traffic] = await Promise.all([
        options.status(),
        queue.list({ ...filter, limit: OVERVIEW_JOBS, offset: (page - 1) * OVERVIEW_JOBS, summary: true }),
        queue.count(filter),
        queue.counts(),
        options.extraEndpoints?.traffic?.(),
      ]);
      response.writeHead(200, htmlHeaders());
      response.end(
        renderDashboard({
          status,
          jobs: list.map(item),
          filter,
          page,
          pages: Math.max(1, Math.ceil(total / OVERVIEW_JOBS)),
          perPage: OVERVIEW_JOBS,
          counts,
          traffic: traffic as Parameters<typeof renderDashboard>[0]["traffic"],
          poller: options.poller?.state() ?? null,
          csrfToken: authentication.csrfToken,
          signedIn: authentication.via === "session",
        }),
      );
      return true;
    }
    const runPage = RUN_PAGE.exec(path)?.[1];
    if (method === "GET" && runPage) {
      const detail = await detailOf(decodeSafely(runPage));
      if (!detail) {
        notFound(response, method, path);
        return true;
      }
      response.writeHead(200, htmlHeaders());
      response.end(renderRun(detail, authentication.csrfToken, authentication.via === "session"));
      return true;
    }
    if (method === "GET" && path === "/venom/events") {
      if (options.events) options.events.handle(request, response);
      else notFound(response, method, path);
      return true;
    }
    if (method === "GET" && path === "/venom/api/session") {
      send(response, 200, { who, via: authentication.via, csrfToken: authentication.csrfToken }, { "cache-control": "no-store" });
      return true;
    }
    if (method === "GET" && path === "/venom/api/status") {
      const [status, counts] = await Promise.all([options.status(), queue.counts()]);
      send(response, 200, { ...status, poller: options.poller?.state() ?? null, counts, actions: recentActions });
      return true;
    }
    if (path === "/venom/api/jobs" && method === "GET") {
      await listJobs(url, response);
      return true;
    }
    if (path === "/venom/api/jobs" && method === "POST") {
      await enqueue(request, response, who);
      return true;
    }
    const jobRoute = JOB_ROUTE.exec(path);
    if (jobRoute?.[1]) {
      const id = decodeSafely(jobRoute[1]);
      const action = jobRoute[2];
      if (!action && method === "GET") {
        const detail = await detailOf(id);
        if (!detail) send(response, 404, { error: "not_found", message: `No job ${id}.` });
        else send(response, 200, detail);
        return true;
      }
      if (action && method === "POST") {
        await (action === "retry" ? retry(id, response, who) : cancel(id, response, who));
        return true;
      }
    }
    if (path === "/venom/api/poller" && method === "GET") {
      send(response, 200, options.poller?.state() ?? null);
      return true;
    }
    const pollerAction = /^\/venom\/api\/poller\/(pause|resume)$/.exec(path)?.[1];
    if (pollerAction && method === "POST") {
      if (!options.poller) {
        send(response, 409, { error: "conflict", message: "This process runs no poller." });
        return true;
      }
      if (pollerAction === "pause") options.poller.pause();
      else options.poller.resume();
      await recordAction(pollerAction === "pause" ? "pause" : "resume", who);
      send(response, 200, { poller: options.poller.state() });
      return true;
    }
    const integrationName = INTEGRATION_TEST.exec(path)?.[1];
    if (integrationName && method === "POST") {
      const integration = await options.testIntegration?.(integrationName);
      if (!integration) {
        send(response, 404, { error: "not_found", message: `No integration named ${integrationName}.` });
        return true;
      }
      await recordAction("test", who, undefined, integrationName);
      send(response, 200, { integration }, { "cache-control": "no-store" });
      return true;
    }
    const extra = /^\/venom\/api\/([a-z-]{1,40})$/.exec(path)?.[1];
    const endpoint = extra ? options.extraEndpoints?.[extra] : undefined;
    if (endpoint && method === "GET") {
      send(response, 200, await endpoint());
      return true;
    }
    notFound(response, method, path);
    return true;
  };

  async function detailOf(id: string | undefined) {
    if (!id) return undefined;
    const job = await queue.get(id);
    if (!job) return undefined;
    const sameIssue = (await queue.list({ repo: job.repo, limit: 200, summary: true })).filter((other) => other.issue === job.issue);
    return runDetail(job, sameIssue, options.webBaseUrl);
  }

  async function listJobs(url: URL, response: ServerResponse): Promise<void> {
    const state = url.searchParams.get("state") || undefined;
    const repo = url.searchParams.get("repo") || undefined;
    if (state !== undefined && !STATES.includes(state as JobState)) {
      send(response, 400, { error: "bad_request", message: `state must be one of ${STATES.join(", ")}.` });
      return;
    }
    if (repo !== undefined && !REPO_FILTER.test(repo)) {
      send(response, 400, { error: "bad_request", message: 'repo must be "owner/name".' });
      return;
    }
    const perPage = positive(url.searchParams.get("per_page") ?? url.searchParams.get("limit"), DEFAULT_PER_PAGE, MAX_PER_PAGE);
    const page = positive(url.searchParams.get("page"), 1, 1_000_000);
    const filter = { ...(state ? { state: state as JobState } : {}), ...(repo ? { repo } : {}) };
    const [jobs, total] = await Promise.all([
      queue.list({ ...filter, limit: perPage, offset: (page - 1) * perPage, summary: true }),
      queue.count(filter),
    ]);
    const pages = Math.max(1, Math.ceil(total / perPage));
    const link = (target: number) => {
      const query = new URLSearchParams({ ...(state ? { state } : {}), ...(repo ? { repo } : {}), page: String(target), per_page: String(perPage) });
      return `/venom/api/jobs?${query.toString()}`;
    };
    send(response, 200, {
      jobs: jobs.map(item),
      total,
      page,
      perPage,
      pages,
      links: {
        self: link(page),
        first: link(1),
        last: link(pages),
        prev: page > 1 ? link(Math.min(page - 1, pages)) : null,
        next: page < pages ? link(page + 1) : null,
      },
    });
  }

  async function enqueue(request: IncomingMessage, response: ServerResponse, who: DashboardUser): Promise<void> {
    const body = await jsonBody(request, response);
    if (body === undefined) return;
    const target = parseIssueRef(body);
    if ("error" in target) {
      send(response, 400, { error: "bad_request", message: target.error });
      return;
    }
    let where: { installationId?: number } = {};
    try {
      where = (await options.enqueueTarget?.(target.repo)) ?? {};
    } catch (error) {
      send(response, 400, { error: "bad_request", message: error instanceof Error ? error.message : String(error) });
      return;
    }
    const result = await queue.enqueue({ repo: target.repo, issue: target.issue, trigger: "api", actor: who, ...where });
    if (result.status === "enqueued") {
      await recordAction("enqueue", who, result.job);
      queued(result.job.id);
    }
    const job = (await queue.get(result.job.id)) ?? result.job;
    send(response, 202, { status: result.status, job: item(job) });
  }

  async function retry(id: string | undefined, response: ServerResponse, who: DashboardUser): Promise<void> {
    const existing = id ? await queue.get(id) : undefined;
    if (!id || !existing) return void send(response, 404, { error: "not_found", message: `No job ${id ?? ""}.` });
    const job = await queue.retry({ id });
    if (!job) {
      send(response, 409, {
        error: "conflict",
        message: `Job ${id} is ${existing.state} or its issue has another active job; only finished jobs can be retried.`,
      });
      return;
    }
    await recordAction("retry", who, job);
    queued(job.id);
    send(response, 202, { job: item((await queue.get(job.id)) ?? job) });
  }

  async function cancel(id: string | undefined, response: ServerResponse, who: DashboardUser): Promise<void> {
    const existing = id ? await queue.get(id) : undefined;
    if (!id || !existing) return void send(response, 404, { error: "not_found", message: `No job ${id ?? ""}.` });
    if (existing.state !== "queued" && existing.state !== "running") {
      send(response, 409, { error: "conflict", message: `Job ${id} is ${existing.state}; only queued or running jobs can be cancelled.` });
      return;
    }
    const job = await queue.cancel(existing.repo, existing.issue, `cancelled from the dashboard (${who})`);
    if (!job || job.id !== id) {
      send(response, 409, { error: "conflict", message: `Job ${id} is no longer active.` });
      return;
    }
    await recordAction("cancel", who, job);
    if (job.state === "running") options.onCancelRequested?.(job.id);
    send(response, 202, { job: item((await queue.get(job.id)) ?? job), cancelRequested: job.state === "running" });
  }
}

async function login(request: IncomingMessage, response: ServerResponse, auth: DashboardAuth): Promise<void> {
  if (!sameOrigin(request)) return forbidden(response, "csrf", "Cross-origin sign-in refused.");
  if (!auth.tokenConfigured) {
    // No token: nothing to sign in to; loopback clients are served as they are.
    response.writeHead(303, { location: "/venom" });
    response.end();
    return;
  }
  const form = new URLSearchParams(await readBody(request, MAX_BODY_BYTES, { timeoutMs: 10_000 }).catch(() => ""));
  const cookie = auth.login(request, form.get("token") ?? "");
  if (!cookie) {
    response.writeHead(401, htmlHeaders());
    response.end(renderLogin("That token is not VENOM_DASHBOARD_TOKEN."));
    return;
  }
  response.writeHead(303, { location: "/venom", "set-cookie": cookie, "cache-control": "no-store" });
  response.end();
}

/**
 * A browser's POST from another site carries its Origin: refused. Scripts send none, which is fine. Behind a reverse
 * proxy on this host that rewrites Host (nginx does by default), its X-Forwarded-Host names the public host.
 */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = isLoopbackPeer(request) ? request.headers["x-forwarded-host"] : undefined;
  const forwardedHost = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",", 1)[0]?.trim();
  return host === request.headers.host || (forwardedHost !== undefined && host === forwardedHost);
}

async function jsonBody(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(request, MAX_BODY_BYTES, { timeoutMs: 10_000 });
  } catch (error) {
    const message = error instanceof BodyReadError ? error.message : "Could not read the request body.";
    send(response, error instanceof BodyReadError && error.reason === "too_large" ? 413 : 400, { error: "bad_request", message });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    send(response, 400, { error: "bad_request", message: 'The body must be JSON, e.g. {"repo":"owner/name","issue":1}.' });
    return undefined;
  }
}

function forbidden(response: ServerResponse, error: string, message: string): void {
  send(response, 403, { error, message });
}

function notFound(response: ServerResponse, method: string, path: string): void {
  send(response, 404, { error: "not_found", message: `No dashboard route for ${method} ${path.slice(0, 200)}.` });
}

function positive(text: string | null, fallback: number, max: number): number {
  const value = Number(text);
  return text !== null && Number.isInteger(value) && value >= 1 ? Math.min(value, max) : fallback;
}

function decodeSafely(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export type { PollerControl };
export type { PollerStateView } from "./poller-control.js";
