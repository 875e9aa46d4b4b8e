// Puts every channel's sender behind the traffic layer: limited, counted, and broken on repeated failures.
import type { TrafficControl } from "../../traffic/index.js";
import type { Channel, ChannelSender } from "./notifier.js";

/** Sent once, never retried: a failure comes back as that channel's result in the notifier's report. */
export function throughTraffic(senders: Partial<Record<Channel, ChannelSender>>, traffic: TrafficControl): Partial<Record<Channel, ChannelSender>> {
  const wrapped: Partial<Record<Channel, ChannelSender>> = {};
  for (const [channel, sender] of Object.entries(senders) as Array<[Channel, ChannelSender]>) {
    wrapped[channel] = (event) => traffic.run(channel, "post", () => sender(event), { retry: false });
  }
  return wrapped;
}
