// What `venom serve` says at start-up: what is configured, what is not and what that means, where the dashboard is.
import type { VenomConfig } from "./config/env.js";
import { displayUrl } from "./llm/client.js";
import type { SandboxReport } from "./pipeline/sandbox/types.js";

export interface StartupLine {
  /** `warn` when something the operator expects cannot work as configured. */
  level: "info" | "warn";
  message: string;
}

/** A few lines from the config alone: no request is made, so start-up is not delayed. */
export function describeStartup(config: VenomConfig, port: number): StartupLine[] {
  const { github, llm, polling } = config;
  const lines: StartupLine[] = [];
  const where = github.enterprise ? ` on ${github.apiBaseUrl}` : "";
  if (github.mode === "app") lines.push({ level: "info", message: `GitHub: App ${github.appId ?? "?"}${where}` });
  else if (github.mode === "token") lines.push({ level: "info", message: `GitHub: token mode for ${github.repo ?? "?"}${where}` });
  else lines.push({ level: "warn", message: "GitHub: not configured; set APP_ID and PRIVATE_KEY (App) or GITHUB_TOKEN and GITHUB_REPO_NAME" });

  lines.push(
    llm.apiKey || llm.baseUrl
      ? { level: "info", message: `Model: ${llm.model} at ${llm.baseUrl ? displayUrl(llm.baseUrl) : "OpenAI"}` }
      : { level: "warn", message: "Model: not configured; no run can succeed: set OPENAI_API_KEY or OPENAI_BASE_URL" },
  );

  // Webhooks without WEBHOOK_SECRET are refused (503), so the secret is what makes them a trigger.
  const webhooks = github.webhookSecret !== undefined;
  const sources = [
    ...(webhooks ? [`webhooks at ${config.server.webhookPath}${config.server.webhookProxyUrl ? " (through the smee channel)" : ""}`] : []),
    ...(polling.enabled ? [`polling every ${polling.intervalMinutes} min`] : []),
  ];
  const assignee = github.assignee ?? (github.mode === "token" ? "the token's user" : undefined);
  const what = `label "${config.triggerLabel}"${assignee ? ` or assignment to ${assignee}` : ""}`;
  if (sources.length > 0) {
    lines.push({ level: "info", message: `Triggers: ${what}, by ${sources.join(" and ")}` });
  } else if (github.mode !== "none") {
    const fix = github.mode === "token" ? "set ENABLE_ISSUE_POLLING=true" : "set WEBHOOK_SECRET (the App's webhook secret) or ENABLE_ISSUE_POLLING=true";
    lines.push({ level: "warn", message: `Triggers: none; nothing can trigger a run: ${fix}` });
  }

  const host = !config.server.host || ["0.0.0.0", "::"].includes(config.server.host) ? "localhost" : config.server.host;
  const access = config.dashboardToken ? "sign in with VENOM_DASHBOARD_TOKEN" : "this machine only; set VENOM_DASHBOARD_TOKEN to open it to others";
  lines.push({ level: "info", message: `Dashboard: http://${host.includes(":") ? `[${host}]` : host}:${port}/venom (${access})` });
  return lines;
}

/** The isolation line, logged once the sandbox probe (a process start or two) has answered. */
export function describeIsolation(report: SandboxReport): StartupLine {
  // The detail names the sandbox and its limits, or says plainly that checks run unisolated or not at all.
  return { level: report.kind === "bwrap" || report.kind === "docker" ? "info" : "warn", message: `Isolation: ${report.detail}` };
}
