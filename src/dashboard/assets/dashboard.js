// The dashboard's browser UI: enhances the server-rendered pages (page.ts), which work without it.
//
// - Overview (body[data-page=overview]): job rows update in place from Server-Sent Events (/venom/events, `job`
//   events carrying a JobListItem); on every (re)connect the list is fetched again from /venom/api/jobs (EventSource
//   reconnects by itself after a restart). Filter and pagination through the API's links, without a reload.
//   Buttons: Retry / Cancel per job, Pause / Resume polling, Test per integration, the enqueue form. Integrations,
//   polling and traffic are refreshed every 10 s.
// - Run page (body[data-page=run]): polls /venom/api/jobs/:id every 2 s while the job is queued or running (and on
//   an SSE event for it), and redraws its sections.
// Every value from the server goes into the page as text (textContent / text nodes), never as HTML. Actions send the
// page's CSRF token (<meta name="csrf-token">) in X-CSRF-Token.
"use strict";
/* global document, window, fetch, setTimeout, setInterval, clearTimeout, Element, EventSource, URL, URLSearchParams, CSS */
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
  const page = document.body.getAttribute("data-page");
  const FINISHED = ["succeeded", "failed", "cancelled"];
  const STATES = ["queued", "running", "succeeded", "failed", "cancelled"];

  /** el("a", {href: x}, "text", child…): strings become text nodes, never markup. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false || child === "") continue;
      node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }
  /** Only http(s) and same-site links are made clickable. */
  function safeUrl(url) {
    try {
      const parsed = new URL(String(url), window.location.origin);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
    } catch {
      return undefined;
    }
  }
  function readableTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  }
  function time(iso, fallback = "—") {
    return iso ? el("time", { datetime: iso }, readableTime(iso)) : fallback;
  }
  function duration(ms) {
    const seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }
  function jobDuration(job) {
    const start = Date.parse(job.createdAt);
    const end = FINISHED.includes(job.state) ? Date.parse(job.updatedAt) : Date.now();
    return Number.isNaN(start) || Number.isNaN(end) ? "—" : duration(end - start);
  }
  function spend(job) {
    const parts = [];
    if (typeof job.tokens === "number") parts.push(`${job.tokens} tokens`);
    if (typeof job.costUsd === "number") parts.push(`$${job.costUsd.toFixed(4)}`);
    return parts.length ? parts.join(" · ") : "—";
  }
  function stateBadge(state) {
    return el("span", { class: `state state-${STATES.includes(state) ? state : "unknown"}` }, String(state));
  }
  function jobButton(job) {
    const label = `${job.repo}#${job.issue}`;
    return FINISHED.includes(job.state)
      ? el("button", { type: "button", "data-action": "retry", "data-job": job.id, "aria-label": `Retry ${label}` }, "Retry")
      : el("button", { type: "button", "data-action": "cancel", "data-job": job.id, "aria-label": `Cancel ${label}` }, "Cancel");
  }
  function say(text, bad) {
    const box = document.getElementById("action-message");
    if (!box) return;
    box.textContent = text;
    box.className = bad ? "bad" : "ok";
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store" });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }
  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) throw new Error(answer.message || `HTTP ${response.status}`);
    return answer;
  }

  // ---- Overview ----------------------------------------------------------------------------------------------
  function jobRow(job) {
    const issueUrl = safeUrl(job.issueUrl);
    const prUrl = job.prUrl ? safeUrl(job.prUrl) : undefined;
    const cell = (label, ...content) => el("td", { "data-label": label }, ...content);
    return el(
      "tr",
      { "data-job-id": job.id, "data-state": job.state },
      cell("Job", el("a", { href: `/venom/jobs/${encodeURIComponent(job.id)}` }, el("code", {}, String(job.id).slice(0, 8)))),
      cell("Issue", issueUrl ? el("a", { href: issueUrl }, `${job.repo}#${job.issue}`) : `${job.repo}#${job.issue}`),
      cell("State", stateBadge(job.state)),
      cell("Step", String(job.step ?? "")),
      cell("Trigger", `${job.trigger}${job.actor ? ` by ${job.actor}` : ""}`),
      cell("Duration", jobDuration(job)),
      cell("Attempts", String(job.attempts ?? 0)),
      cell("Tokens · cost", spend(job)),
      cell("Checks", job.checks ?? "—"),
      cell("Pull request", prUrl ? el("a", { href: prUrl, "data-pr-link": true }, "PR") : "—"),
      cell("Failure", job.error ?? ""),
      cell("Actions", jobButton(job)),
    );
  }

  const list = { state: "", repo: "", page: 1, perPage: 50, pages: 1, links: null };
  function readFilter() {
    const params = new URLSearchParams(window.location.search);
    list.state = params.get("state") ?? "";
    list.repo = params.get("repo") ?? "";
    list.page = Number(params.get("page")) || 1;
    const table = document.getElementById("jobs");
    list.perPage = Number(table?.getAttribute("data-per-page")) || 50;
  }
  function listPath(pageNumber) {
    const query = new URLSearchParams({ page: String(pageNumber), per_page: String(list.perPage) });
    if (list.state) query.set("state", list.state);
    if (list.repo) query.set("repo", list.repo);
    return `/venom/api/jobs?${query.toString()}`;
  }
  function matchesFilter(job) {
    return (!list.state || job.state === list.state) && (!list.repo || job.repo === list.repo);
  }
  function renderJobs(answer) {
    const body = document.querySelector("#jobs tbody");
    if (!body) return;
    for (const job of answer.jobs) rows.set(job.id, job);
    body.replaceChildren(...answer.jobs.map(jobRow));
    list.page = answer.page;
    list.pages = answer.pages;
    list.links = answer.links;
    document.getElementById("jobs-empty")?.toggleAttribute("hidden", answer.jobs.length > 0);
    const pager = document.getElementById("pager");
    if (pager) {
      const link = (target, text, rel) => el("a", { href: `/venom?${new URLSearchParams({ ...(list.state ? { state: list.state } : {}), ...(list.repo ? { repo: list.repo } : {}), page: String(target) }).toString()}`, "data-page": target, rel }, text);
      pager.replaceChildren(
        answer.links.prev ? link(answer.page - 1, "← Newer", "prev") : "",
        " ",
        el("span", { id: "page-info" }, `Page ${answer.page} of ${answer.pages}`),
        " ",
        answer.links.next ? link(answer.page + 1, "Older →", "next") : "",
      );
    }
  }
  async function refreshJobs() {
    try {
      renderJobs(await getJson(listPath(list.page)));
    } catch (error) {
      say(`Could not load the jobs: ${error.message}`, true);
    }
  }
  /** A `job` event: the row changes in place; a new job on the first page is added on top. */
  function applyJob(job) {
    const body = document.querySelector("#jobs tbody");
    if (!body) return;
    const existing = body.querySelector(`tr[data-job-id="${CSS.escape(job.id)}"]`);
    rows.set(job.id, job);
    if (existing) {
      if (matchesFilter(job)) existing.replaceWith(jobRow(job));
      else existing.remove();
    } else if (list.page === 1 && matchesFilter(job)) {
      body.prepend(jobRow(job));
      while (body.children.length > list.perPage) body.lastElementChild?.remove();
      document.getElementById("jobs-empty")?.setAttribute("hidden", "");
    }
    scheduleCounts();
  }
  let countsTimer;
  function scheduleCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(() => void refreshStatus(), 150);
  }

  function integrationRow(status) {
    const [css, text] = !status.configured
      ? ["off", "not configured"]
      : status.connected === false
        ? ["bad", "not connected"]
        : status.connected
          ? ["ok", "connected"]
          : status.detail === "checking…"
            ? ["off", "checking…"]
            : ["ok", "configured"];
    return el(
      "tr",
      { "data-integration": status.name },
      el("td", {}, status.name),
      el("td", { class: css }, text),
      el("td", { "data-label": "Detail" }, status.detail ?? ""),
      el("td", {}, el("button", { type: "button", "data-action": "test", "data-integration": status.name, "aria-label": `Test ${status.name}` }, "Test")),
    );
  }
  function pollerText(poller) {
    if (!poller || !poller.enabled) return "Polling is off (webhooks only).";
    const every = poller.intervalMs ? ` every ${duration(poller.intervalMs)}` : "";
    const state = poller.paused ? "paused" : `on${every}`;
    const error = poller.lastError ? ` Last error: ${poller.lastError}.` : "";
    return `Polling is ${state}; last poll ${poller.lastPollAt ? readableTime(poller.lastPollAt) : "never"}; next poll ${poller.nextPollAt ? readableTime(poller.nextPollAt) : "—"}.${error}`;
  }
  function renderPoller(poller) {
    const line = document.getElementById("poller-state");
    if (line) {
      line.textContent = pollerText(poller);
      line.setAttribute("data-paused", poller && poller.paused ? "true" : "false");
    }
    const button = document.getElementById("poller-toggle");
    if (button && poller) {
      button.setAttribute("data-action", poller.paused ? "poller-resume" : "poller-pause");
      button.textContent = poller.paused ? "Resume polling" : "Pause polling";
    }
  }
  async function refreshStatus() {
    let status;
    try {
      status = await getJson("/venom/api/status");
    } catch {
      return;
    }
    const body = document.querySelector("#integrations tbody");
    if (body) body.replaceChildren(...status.integrations.map(integrationRow));
    const fresh = document.getElementById("status-freshness");
    if (fresh) {
      fresh.textContent = `${status.checking ? "checking… " : ""}(${status.ageSeconds === null ? "not checked yet" : `checked ${status.ageSeconds} s ago`})`;
      fresh.toggleAttribute("data-checking", status.checking);
    }
    renderPoller(status.poller);
    for (const [state, count] of Object.entries(status.counts ?? {})) {
      const node = document.querySelector(`[data-count="${CSS.escape(state)}"]`);
      if (node) node.textContent = String(count);
    }
  }
  function num(value) {
    return value === null || value === undefined ? "—" : String(value);
  }
  function table(headers, rows) {
    return el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, headers.map((name) => el("th", { scope: "col" }, name)))), el("tbody", {}, rows)));
  }
  function renderTraffic(traffic) {
    const box = document.getElementById("traffic");
    if (!box || !traffic) return;
    const global = traffic.global ?? {};
    const summary = el(
      "p",
      {},
      `Outbound requests in the last minute: ${global.requestsLastMinute ?? 0}.${global.limitPerMinute ? ` Limit: ${global.limitPerMinute} per minute.` : ""} `,
      traffic.degraded
        ? [el("strong", { class: "bad" }, `Degraded mode until ${traffic.degradedUntil ? readableTime(traffic.degradedUntil) : "?"}`), `${traffic.degradedReason ? ` (${traffic.degradedReason})` : ""}: no new runs start; jobs wait.`]
        : el("span", { class: "ok" }, "Normal operation (not degraded)."),
    );
    const scopes = Object.values(traffic.scopes ?? {});
    const providers = Object.entries(traffic.providers ?? {}).map(([name, provider]) => {
      const own = scopes.filter((scope) => scope.provider === name);
      const sum = (pick) => own.reduce((total, scope) => total + pick(scope), 0);
      return el(
        "tr",
        {},
        el("td", {}, `${name}${provider.exempt ? " (exempt)" : ""}`),
        el("td", {}, provider.limit ? `${num(provider.limit.capacity)} burst, ${num(provider.limit.refillPerSecond)}/s` : "—"),
        el("td", {}, own.length ? own.map((scope) => `${scope.method} ${num(scope.tokensAvailable)}/${num(scope.capacity)}`).join(", ") : "full"),
        el("td", {}, String(provider.breaker ?? "closed"), provider.breakerOpenUntil ? [" until ", time(provider.breakerOpenUntil)] : ""),
        el("td", {}, String(sum((scope) => scope.requests ?? 0))),
        el("td", {}, String(sum((scope) => (scope["429"] ?? 0) + (scope["5xx"] ?? 0) + (scope.timeouts ?? 0) + (scope.networkErrors ?? 0)))),
        el("td", {}, time(provider.pausedUntil, "no")),
      );
    });
    const quotas = Object.entries(traffic.github ?? {}).flatMap(([installation, resources]) =>
      Object.entries(resources).map(([resource, quota]) =>
        el("tr", {}, el("td", {}, installation), el("td", {}, resource), el("td", {}, `${num(quota.remaining)} of ${num(quota.limit)}`), el("td", {}, time(quota.resetAt))),
      ),
    );
    box.replaceChildren(
      summary,
      el("h3", {}, "Per provider"),
      providers.length
        ? table(["Provider", "Limit", "Tokens left", "Breaker", "Requests", "Errors (429, 5xx, timeouts)", "Held off until"], providers)
        : el("p", {}, "No outbound requests yet."),
      el("h3", {}, "GitHub quota"),
      quotas.length ? table(["Installation", "Resource", "Remaining", "Resets"], quotas) : el("p", {}, "GitHub has not reported a quota yet."),
    );
  }
  async function refreshTraffic() {
    try {
      renderTraffic(await getJson("/venom/api/traffic"));
    } catch {
      /* kept as it was */
    }
  }

  function startOverview() {
    readFilter();
    document.getElementById("enqueue")?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("enqueue-ref");
      try {
        const answer = await post("/venom/api/jobs", { ref: input.value.trim() });
        say(answer.status === "already_active" ? `${answer.job.repo}#${answer.job.issue} already has an active job.` : `Queued ${answer.job.repo}#${answer.job.issue}.`);
        input.value = "";
        applyJob(answer.job);
      } catch (error) {
        say(error.message, true);
      }
    });
    document.getElementById("job-filter")?.addEventListener("submit", (event) => {
      event.preventDefault();
      list.state = document.getElementById("filter-state").value;
      list.repo = document.getElementById("filter-repo").value.trim();
      list.page = 1;
      const query = new URLSearchParams({ ...(list.state ? { state: list.state } : {}), ...(list.repo ? { repo: list.repo } : {}) });
      window.history.replaceState(null, "", `/venom${query.toString() ? `?${query.toString()}` : ""}`);
      void refreshJobs();
    });
    document.getElementById("pager")?.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[data-page]") : null;
      if (!link) return;
      event.preventDefault();
      list.page = Number(link.getAttribute("data-page")) || 1;
      window.history.replaceState(null, "", link.getAttribute("href"));
      void refreshJobs();
    });
    setInterval(() => {
      void refreshStatus();
      void refreshTraffic();
    }, 10_000);
    // Durations of running jobs tick without any request.
    setInterval(() => {
      for (const row of document.querySelectorAll('#jobs tr[data-state="running"], #jobs tr[data-state="queued"]')) {
        const id = row.getAttribute("data-job-id");
        const cached = rows.get(id);
        if (cached) row.querySelector('td[data-label="Duration"]').textContent = jobDuration(cached);
      }
    }, 1_000);
    if (document.querySelector("[data-checking]")) setTimeout(() => void refreshStatus(), 1_500);
    if (window.EventSource) {
      const events = new EventSource("/venom/events");
      // On every (re)connect — a restart included — the list is read again; events then apply on top.
      events.addEventListener("open", () => void refreshJobs());
      events.addEventListener("job", (event) => {
        try {
          applyJob(JSON.parse(event.data));
        } catch {
          /* not a job */
        }
      });
    }
  }
  const rows = new Map();

  // ---- Buttons (both pages) ------------------------------------------------------------------------------------
  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
    if (!button) return;
    const action = button.getAttribute("data-action");
    button.disabled = true;
    try {
      if (action === "retry" || action === "cancel") {
        const id = button.getAttribute("data-job") ?? "";
        const answer = await post(`/venom/api/jobs/${encodeURIComponent(id)}/${action}`);
        say(action === "retry" ? `Retry queued for ${answer.job.repo}#${answer.job.issue}.` : answer.cancelRequested ? `Asked ${answer.job.repo}#${answer.job.issue} to stop.` : `Cancelled ${answer.job.repo}#${answer.job.issue}.`);
        if (page === "overview") applyJob(answer.job);
        else if (action === "retry") window.location.assign(`/venom/jobs/${encodeURIComponent(answer.job.id)}`);
        else void refreshRun();
      } else if (action === "poller-pause" || action === "poller-resume") {
        const answer = await post(`/venom/api/poller/${action.slice("poller-".length)}`);
        renderPoller(answer.poller);
        say(answer.poller.paused ? "Polling paused." : "Polling resumed.");
      } else if (action === "test") {
        const name = button.getAttribute("data-integration") ?? "";
        say(`Testing ${name}…`);
        const answer = await post(`/venom/api/integrations/${encodeURIComponent(name)}/test`);
        button.closest("tr")?.replaceWith(integrationRow(answer.integration));
        say(`${name}: ${integrationRow(answer.integration).children[1].textContent}. ${answer.integration.detail}`);
      }
    } catch (error) {
      say(error.message, true);
    } finally {
      button.disabled = false;
    }
  });

  // ---- Run page ------------------------------------------------------------------------------------------------
  function link(url, text, id) {
    const safe = url ? safeUrl(url) : undefined;
    return safe ? el("a", { id, href: safe }, text) : el("span", { id }, "—");
  }
  function renderRun(detail) {
    const job = detail.job;
    const main = document.querySelector("main[data-job-id]");
    main.setAttribute("data-state", job.state);
    const set = (id, ...content) => document.getElementById(id)?.replaceChildren(...content);
    if (detail.title) set("run-title", ` — ${detail.title}`);
    set("run-state", stateBadge(job.state));
    set("run-step", String(job.step));
    set("run-attempts", String(job.attempts));
    set("run-duration", jobDuration(job));
    set("run-spend", spend(job));
    set("run-checks", job.checks ?? "—");
    document.getElementById("run-pr")?.replaceWith(link(detail.prUrl, detail.prUrl ?? "", "run-pr"));
    document.getElementById("run-comment")?.replaceWith(link(detail.statusCommentUrl, "status comment on the issue", "run-comment"));
    const error = document.getElementById("run-error");
    if (error) {
      error.textContent = job.error ? `Failure: ${job.error}` : "";
      error.toggleAttribute("hidden", !job.error);
    }
    set("run-buttons", jobButton(job));
    set(
      "run-plan",
      ...(detail.plan
        ? [
            el("p", {}, detail.plan.summary),
            el("ol", {}, detail.plan.steps.map((step) => el("li", {}, step))),
            detail.plan.files.length ? el("p", {}, "Files: ", detail.plan.files.map((file, index) => [index ? ", " : "", el("code", {}, file)])) : "",
          ]
        : [el("p", {}, "No plan yet.")]),
    );
    const steps = detail.steps.map((step) => {
      const started = Date.parse(step.startedAt);
      const ended = step.endedAt ? Date.parse(step.endedAt) : NaN;
      const took = Number.isNaN(started) ? "" : Number.isNaN(ended) ? " (running)" : ` (${duration(ended - started)})`;
      return el("li", { class: step.kind === "phase" ? "phase" : "step" }, el("strong", {}, String(step.name ?? "")), step.kind === "phase" ? " (phase)" : "", `, attempt ${step.attempt ?? ""}: `, time(step.startedAt), " → ", step.endedAt ? time(step.endedAt) : "…", took);
    });
    set("run-steps", ...(steps.length ? steps : [el("li", {}, "No step started yet.")]));
    const dropped = document.getElementById("run-dropped");
    if (dropped) {
      dropped.textContent = `${detail.toolCallsDropped} older calls not kept.`;
      dropped.toggleAttribute("hidden", !detail.toolCallsDropped);
    }
    const calls = detail.toolCalls.map((call) =>
      el(
        "li",
        {},
        el("p", {}, el("strong", {}, `${call.agent ?? ""} · ${call.name ?? ""}`), " ", el("span", { class: call.ok === false ? "bad" : "ok" }, call.ok === false ? "error" : "ok"), " ", time(call.at, "")),
        el("p", { class: "label" }, "Arguments"),
        el("pre", {}, String(call.arguments ?? "")),
        el("p", { class: "label" }, `Result${typeof call.resultChars === "number" ? ` (${call.resultChars} chars)` : ""}`),
        el("pre", {}, String(call.result ?? "")),
      ),
    );
    set("run-tools", ...(calls.length ? calls : [el("li", {}, "No tool calls yet.")]));
    set("run-checks-output", ...(detail.checks ? [el("p", {}, `${detail.checks.result ?? ""}: ${detail.checks.summary ?? ""}`), el("pre", {}, String(detail.checks.output ?? ""))] : [el("p", {}, "No checks ran.")]));
    const rounds = detail.followUps.map((round) =>
      el("li", {}, el("a", { href: `/venom/jobs/${encodeURIComponent(round.id)}` }, `${round.trigger} round`), ": ", stateBadge(round.state), `, ${round.step}`, round.prUrl && safeUrl(round.prUrl) ? [" · ", el("a", { href: safeUrl(round.prUrl) }, "PR")] : ""),
    );
    set("run-followups", ...(rounds.length ? rounds : [el("li", {}, "None.")]));
    const actions = detail.actions.map((action) => el("li", {}, time(action.at), `: ${action.action} by ${action.by}${action.detail ? ` (${action.detail})` : ""}`));
    set("run-actions", ...(actions.length ? actions : [el("li", {}, "No dashboard actions on this job.")]));
  }
  let runTimer;
  async function refreshRun() {
    clearTimeout(runTimer);
    const id = document.querySelector("main[data-job-id]")?.getAttribute("data-job-id");
    if (!id) return;
    try {
      const detail = await getJson(`/venom/api/jobs/${encodeURIComponent(id)}`);
      renderRun(detail);
      if (!FINISHED.includes(detail.job.state)) runTimer = setTimeout(() => void refreshRun(), 2_000);
    } catch {
      runTimer = setTimeout(() => void refreshRun(), 5_000);
    }
  }
  function startRun() {
    const main = document.querySelector("main[data-job-id]");
    const id = main?.getAttribute("data-job-id");
    if (!id) return;
    if (!FINISHED.includes(main.getAttribute("data-state"))) runTimer = setTimeout(() => void refreshRun(), 2_000);
    if (window.EventSource) {
      const events = new EventSource("/venom/events");
      events.addEventListener("job", (event) => {
        try {
          if (JSON.parse(event.data).id === id) void refreshRun();
        } catch {
          /* not a job */
        }
      });
    }
  }

  if (page === "overview") startOverview();
  if (page === "run") startRun();
})();
