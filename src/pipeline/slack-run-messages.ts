// Keeps one Slack message per run: posted when the run is queued, then edited in place (chat.update) at each change.
//
// The message's {channel, ts} is stored in the job's data (`slackMessage`), and the right to post it is claimed
// once through the queue's durable one-time keys, so a restart or a second process edits the same message and a
// job never posts twice.
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import type { Job, JobQueue } from "../queue/types.js";
import type { SlackChat, SlackMessageRef } from "../skills/notify/slack-chat.js";
import { slackRunMessage } from "../skills/notify/slack-run-message.js";
import { savedCheckpoint } from "./run-checkpoint.js";

/** Where in the job's data the message's {channel, ts} is kept (an array of one, through `appendData`). */
export const SLACK_MESSAGE_KEY = "slackMessage";
/** How long the claim to post a job's message lasts: longer than any job lives. */
const POST_CLAIM_MS = 90 * 24 * 60 * 60_000;

export interface SlackRunMessagesOptions {
  queue: Pick<JobQueue, "get" | "appendData" | "rememberOnce" | "forgetOnce">;
  chat: SlackChat;
  channel: string;
  /** https://github.com or the GitHub Enterprise host: where the issue link points. */
  webBaseUrl: string;
  /** VENOM_PUBLIC_URL: the message links the dashboard's run page when set. */
  publicUrl?: string;
  log: Logger;
}

export class SlackRunMessages {
  readonly #options: SlackRunMessagesOptions;
  /** Per job: the message and the last text sent, so an unchanged view sends nothing. */
  readonly #known = new LRUCache<string, { ref?: SlackMessageRef; rendered?: string }>({ max: 2_000 });
  /** Per job: the change being sent, and the newest one waiting behind it (older waiting ones are skipped). */
  readonly #sending = new Map<string, { next?: Job; done: Promise<void> }>();

  constructor(options: SlackRunMessagesOptions) {
    this.#options = options;
  }

  /** The queue's change listener: never throws, never waits. */
  onChange(job: Job): void {
    const busy = this.#sending.get(job.id);
    if (busy) {
      busy.next = job;
      return;
    }
    const entry: { next?: Job; done: Promise<void> } = { done: Promise.resolve() };
    this.#sending.set(job.id, entry);
    entry.done = (async () => {
      let current: Job | undefined = job;
      while (current) {
        await this.#sync(current).catch((error: unknown) =>
          this.#options.log.warn({ err: error, jobId: current?.id }, "Slack run message not sent; the next change tries again"),
        );
        current = entry.next;
        delete entry.next;
      }
      this.#sending.delete(job.id);
    })();
  }

  /** Resolves when every change seen so far is sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all([...this.#sending.values()].map((entry) => entry.done));
  }

  async #sync(job: Job): Promise<void> {
    const { chat, queue } = this.#options;
    const message = slackRunMessage({
      id: job.id,
      repo: job.repo,
      issue: job.issue,
      state: job.state,
      step: job.step,
      ...(job.prUrl ? { prUrl: job.prUrl } : {}),
      ...(job.error ? { error: job.error } : {}),
      issueUrl: `${this.#options.webBaseUrl}/${job.repo}/issues/${job.issue}`,
      ...(this.#options.publicUrl ? { runUrl: `${this.#options.publicUrl}/venom/jobs/${encodeURIComponent(job.id)}` } : {}),
      awaitingApproval: job.state === "succeeded" && !job.prUrl && (job.command === "plan" || savedCheckpoint(job.data).planOnly === true),
    });
    const rendered = JSON.stringify(message);
    const known = this.#known.get(job.id) ?? {};
    if (known.rendered === rendered) return;
    const ref = known.ref ?? storedRef(job.data) ?? storedRef((await queue.get(job.id))?.data);
    if (ref) {
      await chat.update(ref, message);
      this.#known.set(job.id, { ref, rendered });
      return;
    }
    // A run first seen finished (an old job's data changed) gets no message of its own.
    if (job.state !== "queued" && job.state !== "running") return;
    const claim = `slack-post:${job.id}`;
    if (!(await queue.rememberOnce(claim, POST_CLAIM_MS))) return;
    let posted: SlackMessageRef;
    try {
      posted = await chat.postMessage(this.#options.channel, message);
    } catch (error) {
      await queue.forgetOnce(claim).catch(() => undefined);
      throw error;
    }
    this.#known.set(job.id, { ref: posted, rendered });
    await queue.appendData(job.id, SLACK_MESSAGE_KEY, { channel: posted.channel, ts: posted.ts }, 1);
  }
}

function storedRef(data: Record<string, unknown> | undefined): SlackMessageRef | undefined {
  const items = data?.[SLACK_MESSAGE_KEY];
  const item = Array.isArray(items) ? (items[items.length - 1] as Partial<SlackMessageRef> | undefined) : undefined;
  return typeof item?.channel === "string" && typeof item.ts === "string" ? { channel: item.channel, ts: item.ts } : undefined;
}
