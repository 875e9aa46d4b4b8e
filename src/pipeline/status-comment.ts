// The one status comment per run: a checklist rendered from the run's state, found again by its marker.
import { formatSpend } from "../llm/pricing.js";

export const STATUS_MARKER = "<!-- venom:status -->";

export const STEPS = ["queued", "planning", "coding", "validating", "pull_request"] as const;
export type StepName = (typeof STEPS)[number];
export type StepState = "pending" | "running" | "done" | "failed" | "skipped";

const LABELS: Record<StepName, string> = {
  queued: "Queued",
  planning: "Planning",
  coding: "Coding",
  validating: "Validating",
  pull_request: "Pull request",
};
const ICONS: Record<StepState, string> = { pending: "⬜", running: "⏳", done: "✅", failed: "❌", skipped: "➖" };

export interface StatusView {
  steps: Partial<Record<StepName, StepState>>;
  plan?: { summary: string; steps: string[] };
  checks?: { result: "passed" | "failed" | "none"; summary: string };
  /** Where the checks ran, e.g. "checks ran in bubblewrap, no network". */
  isolation?: string;
  /** The maintainers' instruction files that reached the prompts: users can tell their guidance was read. */
  instructions?: string[];
  /** The optional integrations' lines: the project's column, dispatched workflows (problems included). */
  notes?: string[];
  prUrl?: string;
  /** The last line: how the run ended (or what it waits for). */
  outcome?: { kind: "success" | "failure" | "no_change" | "cancelled" | "waiting"; message: string };
  jobId?: string;
  tokens?: number;
  /** Estimated USD so far; shown with the tokens. */
  costUsd?: number;
  /** False when a model's price is unknown (counted as $0). */
  priceKnown?: boolean;
}

export function renderStatus(view: StatusView): string {
  const lines = [STATUS_MARKER, "### 🐍 Venom Integrator", ""];
  for (const step of STEPS) {
    const state = view.steps[step] ?? "pending";
    const suffix = step === "pull_request" && view.prUrl ? ` — ${view.prUrl}` : "";
    lines.push(`- [${state === "done" ? "x" : " "}] ${ICONS[state]} ${LABELS[step]}${suffix}`);
  }
  if (view.plan) {
    lines.push("", "<details><summary>Plan</summary>", "", quote(view.plan.summary));
    view.plan.steps.forEach((step, index) => lines.push(`${index + 1}. ${oneLine(step)}`));
    lines.push("", "</details>");
  }
  if (view.checks) lines.push("", `**Checks:** ${view.checks.result} — ${oneLine(view.checks.summary, 300)}`);
  if (view.isolation) lines.push("", `**Isolation:** ${oneLine(view.isolation, 300)}`);
  if (view.instructions?.length) lines.push("", `**Instructions:** ${oneLine(view.instructions.join(", "), 300)}`);
  if (view.notes?.length) lines.push("", ...view.notes.map((note) => `- ${oneLine(note, 400)}`));
  if (view.outcome) {
    const icon = { success: "🎉", failure: "😕", no_change: "🤷", cancelled: "🛑", waiting: "⏸️" }[view.outcome.kind];
    lines.push("", `${icon} ${view.outcome.message}`);
  }
  const footer = [view.jobId ? `job \`${view.jobId}\`` : undefined, view.tokens ? formatSpend(view.tokens, view.costUsd, view.priceKnown) : undefined]
    .filter(Boolean)
    .join(" · ");
  if (footer) lines.push("", `<sub>${footer} · comment \`/venom retry\` to run again, \`/venom cancel\` to stop</sub>`);
  return lines.join("\n");
}

function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function quote(text: string): string {
  return text
    .trim()
    .slice(0, 2_000)
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}
