// The Slack app's run message: status, links and the action buttons (approve, retry, cancel, Open PR) for a run's state.
import { truncate } from "./notification-parts.js";
import type { SlackMessage } from "./slack-chat.js";

/** What the message shows, in the notifier's terms (skills know nothing of the queue's jobs). */
export interface SlackRunView {
  id: string;
  repo: string;
  issue: number;
  state: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  step: string;
  prUrl?: string;
  error?: string;
  issueUrl: string;
  /** The dashboard's run page, when VENOM_PUBLIC_URL is set. */
  runUrl?: string;
  /** A finished plan-only run, waiting for an approval (`/venom fix`, or the Approve button). */
  awaitingApproval: boolean;
}

export function slackRunMessage(view: SlackRunView): SlackMessage {
  const ref = `${view.repo}#${view.issue}`;
  const status = statusLine(view);
  const links = [link(view.issueUrl, `Issue ${ref}`), view.prUrl ? link(view.prUrl, "Pull request") : "", view.runUrl ? link(view.runUrl, "Run") : ""]
    .filter(Boolean)
    .join(" · ");
  const buttons: Array<Record<string, unknown>> = [];
  const button = (actionId: string, text: string, style?: "primary" | "danger") =>
    buttons.push({ type: "button", action_id: actionId, text: { type: "plain_text", text }, value: view.id, ...(style ? { style } : {}) });
  if (view.awaitingApproval) button("approve", "Approve plan", "primary");
  if (view.state === "queued" || view.state === "running") button("cancel", "Cancel", "danger");
  else button("retry", "Retry");
  if (view.prUrl && safeUrl(view.prUrl)) buttons.push({ type: "button", action_id: "open_pr", text: { type: "plain_text", text: "Open PR" }, url: view.prUrl });
  return {
    text: truncate(`Venom ${ref}: ${status}`, 3000),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: truncate(`*Venom* ${escapeMrkdwn(ref)}: ${status}\n${links}`, 3000) } },
      { type: "context", elements: [{ type: "mrkdwn", text: `Job \`${escapeMrkdwn(view.id)}\`` }] },
      { type: "actions", block_id: `venom-run-${view.id}`.slice(0, 255), elements: buttons },
    ],
  };
}

function statusLine(view: SlackRunView): string {
  switch (view.state) {
    case "queued":
      return ":hourglass_flowing_sand: queued";
    case "running":
      return `:gear: running — step *${escapeMrkdwn(view.step)}*`;
    case "succeeded":
      if (view.prUrl) return ":white_check_mark: pull request opened";
      return view.awaitingApproval ? ":clipboard: plan ready — approve to apply it" : `:white_check_mark: done (${escapeMrkdwn(view.step)})`;
    case "failed":
      return `:x: failed${view.error ? `: ${escapeMrkdwn(truncate(view.error, 500))}` : ""}`;
    case "cancelled":
      return `:no_entry_sign: cancelled${view.error ? `: ${escapeMrkdwn(truncate(view.error, 300))}` : ""}`;
  }
}

/** Slack's mrkdwn needs only `&`, `<` and `>` escaped; that also keeps user text from forming `<!channel>` pings. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function link(url: string, text: string): string {
  return safeUrl(url) ? `<${url.replace(/\|/g, "%7C")}|${escapeMrkdwn(text)}>` : escapeMrkdwn(text);
}

function safeUrl(url: string): boolean {
  return /^https?:\/\/[^\s<>|]+$/.test(url);
}
