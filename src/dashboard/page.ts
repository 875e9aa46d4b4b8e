// The "External Integrations" dashboard page: integrations, jobs and traffic, rendered on the server.
import type { JobRecord } from "../queue/types.js";
import { CHECKING, type IntegrationStatus } from "../skills/integration.js";
import type { StatusSnapshot } from "./status-cache.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.ok{color:#1a7f37}.bad{color:#cf222e}.off{color:#6e7781}code{font-size:12px}
button{font:inherit;padding:.15rem .6rem;cursor:pointer}`;

/** "checking…" while a probe runs, and how old the statuses shown are. */
function freshness(status: StatusSnapshot): string {
  const age =
    status.ageSeconds === null || status.checkedAt === null
      ? "not checked yet"
      : `checked <time datetime="${escapeHtml(status.checkedAt)}">${status.ageSeconds} s ago</time>`;
  return `<p class="off" id="status-freshness">${status.checking ? `${CHECKING} ` : ""}(${age})</p>`;
}

export function renderDashboard(input: {
  status: StatusSnapshot;
  jobs: JobRecord[];
  traffic?: { degraded?: boolean; degradedUntil?: string | null; requestsLastMinute?: number } | undefined;
}): string {
  const integrations = input.status.integrations
    .map((status: IntegrationStatus) => {
      const [css, state] = !status.configured
        ? ["off", "not configured"]
        : status.connected === false
          ? ["bad", "not connected"]
          : status.connected
            ? ["ok", "connected"]
            : status.detail === CHECKING
              ? ["off", CHECKING]
              : ["ok", "configured"];
      return `<tr><td>${escapeHtml(status.name)}</td><td class="${css}">${state}</td><td>${escapeHtml(status.detail)}</td></tr>`;
    })
    .join("");
  const jobs = input.jobs
    .map((job) => {
      const link = job.prUrl ? `<a href="${escapeHtml(job.prUrl)}">${escapeHtml(job.prUrl)}</a>` : escapeHtml(job.error ?? job.step);
      const retry =
        job.state === "failed" || job.state === "cancelled" || job.state === "succeeded"
          ? `<button data-retry="${escapeHtml(job.id)}">retry</button>`
          : "";
      return `<tr><td><code>${escapeHtml(job.id)}</code></td><td>${escapeHtml(job.repo)}#${job.issue}</td><td>${job.state}</td><td>${job.trigger}</td><td>${job.attempts}</td><td>${job.checks ?? ""}</td><td>${link}</td><td>${retry}</td></tr>`;
    })
    .join("");
  const traffic = input.traffic
    ? `<p>Outbound requests in the last minute: ${input.traffic.requestsLastMinute ?? 0}. ${
        input.traffic.degraded
          ? `<strong class="bad">Degraded mode until ${escapeHtml(input.traffic.degradedUntil ?? "?")}</strong>: no new runs start; jobs wait.`
          : `<span class="ok">Normal operation.</span>`
      } Details: <a href="/venom/api/traffic">/venom/api/traffic</a></p>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Venom Integrator</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<h1>🐍 Venom Integrator — External Integrations</h1>
<h2>Integrations</h2>${freshness(input.status)}<table><thead><tr><th>Integration</th><th>State</th><th>Detail</th></tr></thead><tbody>${integrations}</tbody></table>
<h2>Traffic</h2>${traffic || "<p>No traffic data.</p>"}
<h2>Jobs</h2>${
    jobs
      ? `<table><thead><tr><th>Job</th><th>Issue</th><th>State</th><th>Trigger</th><th>Attempts</th><th>Checks</th><th>Result</th><th></th></tr></thead><tbody>${jobs}</tbody></table>`
      : "<p>No jobs yet. Label an issue with the trigger label to start one.</p>"
  }
<script>
${
  input.status.checking
    ? `// The probes finish in the background: reload once they have.
(function waitForStatus() {
  setTimeout(async () => {
    const response = await fetch("/venom/api/status").catch(() => undefined);
    const status = response && response.ok ? await response.json() : { checking: true };
    if (status.checking) waitForStatus(); else location.reload();
  }, 1000);
})();`
    : ""
}
document.querySelectorAll("[data-retry]").forEach((button) => button.addEventListener("click", async () => {
  const response = await fetch("/venom/api/jobs/" + encodeURIComponent(button.dataset.retry) + "/retry", { method: "POST" });
  if (!response.ok) alert((await response.json()).message); else location.reload();
}));
</script></body></html>`;
}

export function renderLogin(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Venom Integrator</title><style>${STYLE}</style></head><body>
<h1>🐍 Venom Integrator</h1><p>${escapeHtml(message)}</p>
<form method="post" action="/venom/login"><label>Dashboard token <input type="password" name="token" autocomplete="current-password"></label>
<button type="submit">Open</button></form></body></html>`;
}
