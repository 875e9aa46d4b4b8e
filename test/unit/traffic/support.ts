// Test doubles for the traffic layer: a clock and a sleep that only move when told, and a scripted HTTP server.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class FakeClock {
  #now: number;
  constructor(start = Date.parse("2030-01-01T00:00:00Z")) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A sleep that records each wait and moves the fake clock instead of waiting. */
export function fakeSleep(clock: FakeClock): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    },
  };
}

/** What the server does with one request: answer, never answer, or drop the connection. */
export type Cue =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | "hang"
  | "reset";

export interface ScriptedServer {
  url: string;
  /** Requests seen, in order. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }>;
  /** Cues are used in order; the last one repeats. */
  script(...cues: Cue[]): void;
  stop(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  let cues: Cue[] = [{ status: 200, body: { ok: true } }];
  const requests: ScriptedServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers, body: Buffer.concat(chunks).toString() });
      const cue = cues.length > 1 ? cues.shift() : cues[0];
      if (cue === undefined || cue === "hang") return;
      if (cue === "reset") {
        request.socket.destroy();
        return;
      }
      const text = JSON.stringify(cue.body ?? {});
      response.writeHead(cue.status, { "content-type": "application/json", ...cue.headers });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script(...next) {
      cues = next;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
