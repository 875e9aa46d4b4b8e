// The notifier service: one event, masked, sent to each configured channel; a failure is reported, never thrown.
import type { Logger } from "pino";
import { createMasker, maskValue } from "../../log.js";

export type Channel = "discord" | "slack" | "teams";
export const CHANNELS: readonly Channel[] = ["discord", "slack", "teams"];

export interface NotificationEvent {
  title: string;
  message: string;
  status: "success" | "failure" | "info";
  /** The link the notification is about (the PR, or the issue). */
  url?: string;
  repo?: string;
  issue?: number;
  issueUrl?: string;
  prUrl?: string;
  /** The run it is about: channels that link the dashboard's run page (Teams, with VENOM_PUBLIC_URL) use it. */
  jobId?: string;
}

export interface DeliveryResult {
  channel: Channel;
  ok: boolean;
  error?: string;
}

/** One channel's sender; throws with a one-line message on failure. */
export type ChannelSender = (event: NotificationEvent) => Promise<void>;

export class Notifier {
  readonly #senders: Partial<Record<Channel, ChannelSender>>;
  readonly #log: Logger;
  readonly #mask: (text: string) => string;

  /**
   * `mask` is applied once to every event before any channel sees it: titles and messages carry issue titles,
   * model text and checks' output. Pass `createMasker(config.secrets)` so the app's own secrets go too;
   * the default masks token shapes only.
   */
  constructor(senders: Partial<Record<Channel, ChannelSender>>, log: Logger, mask: (text: string) => string = createMasker()) {
    this.#senders = senders;
    this.#log = log;
    this.#mask = mask;
  }

  configured(): Channel[] {
    return CHANNELS.filter((channel) => this.#senders[channel] !== undefined);
  }

  /** Sends to one channel, several, or every configured one ("all", the default). */
  async send(event: NotificationEvent, channels: Channel | Channel[] | "all" = "all"): Promise<DeliveryResult[]> {
    const wanted = channels === "all" ? this.configured() : Array.isArray(channels) ? channels : [channels];
    const masked = maskValue(event, this.#mask);
    return Promise.all(
      wanted.map(async (channel): Promise<DeliveryResult> => {
        const sender = this.#senders[channel];
        if (!sender) return { channel, ok: false, error: `${channel} webhook URL not configured` };
        try {
          await sender(masked);
          return { channel, ok: true };
        } catch (error) {
          const message = (error as Error).message;
          this.#log.warn({ channel, err: error }, `Notification to ${channel} failed`);
          return { channel, ok: false, error: message };
        }
      }),
    );
  }
}
