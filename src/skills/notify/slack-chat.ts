// Slack app mode's transport: chat.postMessage and chat.update through the official @slack/web-api client (loaded on first use).
import type { WebClient } from "@slack/web-api";
import { lazy } from "../../shared/lazy.js";

export interface SlackMessageRef {
  channel: string;
  /** The message's timestamp: its id within the channel. */
  ts: string;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export interface SlackChat {
  postMessage(channel: string, message: SlackMessage): Promise<SlackMessageRef>;
  update(ref: SlackMessageRef, message: SlackMessage): Promise<void>;
}

export interface SlackChatOptions {
  /** SLACK_BOT_TOKEN. */
  token: string;
  /** SLACK_API_URL (default https://slack.com/api). */
  apiUrl: string;
  timeoutMs?: number;
  /** Wraps each call (the traffic layer: limits, breaker); the client itself never retries. */
  through?: <T>(method: string, call: () => Promise<T>) => Promise<T>;
}

export function createSlackChat(options: SlackChatOptions): SlackChat {
  const through = options.through ?? (<T>(_method: string, call: () => Promise<T>) => call());
  const client = lazy(async (): Promise<WebClient> => {
    const { WebClient, LogLevel } = await import("@slack/web-api");
    return new WebClient(options.token, {
      slackApiUrl: `${options.apiUrl.replace(/\/+$/, "")}/`,
      // One layer retries (DESIGN: traffic); a failed update is redone by the run's next change anyway.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? 10_000,
      logLevel: LogLevel.ERROR,
    });
  });
  return {
    async postMessage(channel, message) {
      const answer = await through("chat.postMessage", async () =>
        (await client()).chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, unfurl_links: false }),
      );
      if (typeof answer.channel !== "string" || typeof answer.ts !== "string") throw new Error("Slack's chat.postMessage answered without channel and ts");
      return { channel: answer.channel, ts: answer.ts };
    },
    async update(ref, message) {
      await through("chat.update", async () => (await client()).chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks as never }));
    },
  };
}
