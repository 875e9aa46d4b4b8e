// The live event stream without the in-process feed: changes made by another process are found by the poll.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { JobEvents } from "../../../src/dashboard/job-events.js";
import type { Job } from "../../../src/queue/types.js";

function job(state: Job["state"], step: string): Job {
  const time = "2026-01-01T00:00:00.000Z";
  return { id: "j1", repo: "o/r", issue: 1, trigger: "label", state, step, attempts: 1, createdAt: time, updatedAt: time, command: "fix", data: {} };
}

let server: Server | undefined;
let events: JobEvents | undefined;
afterEach(async () => {
  events?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function read(url: string, until: (text: string) => boolean, headers: Record<string, string> = {}): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers });
  const reader = response.body!.getReader();
  let text = "";
  const deadline = Date.now() + 3_000;
  while (!until(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  return text;
}

describe("JobEvents", () => {
  it("sends other processes' changes found by polling, once per visible change, with heartbeats and Last-Event-ID replay", async () => {
    let current = job("queued", "queued");
    events = new JobEvents({ newest: async () => [current], pollMs: 20, heartbeatMs: 30 });
    const hub = events;
    server = createServer((request, response) => hub.handle(request, response));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    setTimeout(() => (current = job("running", "coding")), 100);
    setTimeout(() => (current = { ...job("running", "coding"), updatedAt: "2026-01-01T00:00:05.000Z" }), 150);
    setTimeout(() => (current = job("succeeded", "done")), 200);
    const text = await read(url, (received) => received.includes('"state":"succeeded"') && received.includes(": heartbeat"));
    const states = [...text.matchAll(/"state":"(\w+)"/g)].map((match) => match[1]);
    // The first poll only learns the queued job; only visible changes are sent.
    expect(states).toEqual(["running", "succeeded"]);
    expect(text).toContain(": heartbeat");
    const replay = await read(url, (received) => received.includes('"state":"succeeded"'), { "last-event-id": "1" });
    expect([...replay.matchAll(/"state":"(\w+)"/g)].map((match) => match[1])).toEqual(["succeeded"]);
  });
});
