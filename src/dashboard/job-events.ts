// GET /venom/events: Server-Sent Events, one `job` event per job change, for the dashboard's live pages.
//
// Wire format (text/event-stream):
//   retry: 3000                      reconnect hint, sent first
//   : connected                      a comment; `: heartbeat` follows every 15 s so proxies keep the stream open
//   id: 42
//   event: job
//   data: {"id":"…","repo":"o/r","issue":1,"state":"running","step":"coding",…}   (a JobListItem: see job-view.ts)
// Ids count up within one server process. A client reconnecting with `Last-Event-ID` gets the events it missed from
// the last EVENT_BUFFER events when they are still held; after a restart (ids start again) or a longer gap it gets
// none, so a client refetches `/venom/api/jobs` on each (re)connect and then applies events.
//
// Sources: the queue decorator (queue/observed-queue.ts) reports this process's changes at once; changes made by
// other processes on the same store (a separate `venom worker`, several machines on one Redis) are found by polling
// the newest jobs' summaries every POLL_MS while anyone listens — one small indexed query, nothing when nobody does.
// An event is sent only when what a client shows changed (state, step, attempts, tokens, PR, checks, error), so a
// change seen by both sources is one event.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Job } from "../queue/types.js";
import { jobListItem, type JobListItem } from "./job-view.js";

export const EVENT_BUFFER = 500;
const HEARTBEAT_MS = 15_000;
const POLL_MS = 2_000;
const POLLED_JOBS = 50;
const MAX_CLIENTS = 100;

export interface JobEventsOptions {
  /** This process's job changes, as they happen; returns the function that stops listening. */
  subscribe?: (listener: (job: Job) => void) => () => void;
  /** The newest jobs in brief (`queue.list({limit, summary: true})`), polled for other processes' changes. */
  newest?: (limit: number) => Promise<Job[]>;
  log?: Logger;
  /** Where issue links point (https://github.com or the GitHub Enterprise host). */
  webBaseUrl?: string;
  heartbeatMs?: number;
  pollMs?: number;
}

interface SentEvent {
  id: number;
  text: string;
}

export class JobEvents {
  readonly #options: JobEventsOptions;
  readonly #clients = new Set<ServerResponse>();
  readonly #buffer: SentEvent[] = [];
  /** What each job looked like when last sent (or first seen by the poll). */
  readonly #seen = new Map<string, string>();
  #nextId = 1;
  #unsubscribe: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: JobEventsOptions) {
    this.#options = options;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Answers the request with the event stream until the client goes away. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.#clients.size >= MAX_CLIENTS) {
      response.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "10" });
      response.end(JSON.stringify({ error: "too_many_streams", message: `At most ${MAX_CLIENTS} event streams at once.` }));
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      // nginx would otherwise hold events back in its buffer.
      "x-accel-buffering": "no",
    });
    response.write("retry: 3000\n: connected\n\n");
    const lastId = Number(request.headers["last-event-id"]);
    if (Number.isInteger(lastId) && lastId > 0 && lastId < this.#nextId) {
      for (const event of this.#buffer) if (event.id > lastId) response.write(event.text);
    }
    this.#clients.add(response);
    if (this.#clients.size === 1) this.#start();
    const close = () => {
      if (!this.#clients.delete(response)) return;
      if (this.#clients.size === 0) this.#stop();
    };
    request.on("close", close);
    response.on("close", close);
    response.on("error", close);
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#stop();
  }

  /** Sends the job to every client if what they show of it changed. */
  publish(job: Job): void {
    const item = jobListItem(job, this.#options.webBaseUrl);
    const fingerprint = fingerprintOf(item);
    if (this.#seen.get(item.id) === fingerprint) return;
    this.#remember(item.id, fingerprint);
    const id = this.#nextId++;
    const text = `id: ${id}\nevent: job\ndata: ${JSON.stringify(item)}\n\n`;
    this.#buffer.push({ id, text });
    if (this.#buffer.length > EVENT_BUFFER) this.#buffer.shift();
    for (const client of this.#clients) client.write(text);
  }

  #start(): void {
    this.#unsubscribe = this.#options.subscribe?.((job) => this.publish(job));
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.write(": heartbeat\n\n");
    }, this.#options.heartbeatMs ?? HEARTBEAT_MS);
    this.#heartbeat.unref();
    if (this.#options.newest) {
      // The first poll only learns what the jobs look like; later ones send what changed.
      void this.#pollNewest(false);
      this.#poll = setInterval(() => void this.#pollNewest(true), this.#options.pollMs ?? POLL_MS);
      this.#poll.unref();
    }
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#heartbeat);
    clearInterval(this.#poll);
    this.#heartbeat = undefined;
    this.#poll = undefined;
  }

  async #pollNewest(send: boolean): Promise<void> {
    if (this.#polling || !this.#options.newest) return;
    this.#polling = true;
    try {
      const jobs = await this.#options.newest(POLLED_JOBS);
      // Oldest first, so clients apply changes in the order they happened.
      for (const job of [...jobs].reverse()) {
        if (send) this.publish(job);
        else if (!this.#seen.has(job.id)) this.#remember(job.id, fingerprintOf(jobListItem(job, this.#options.webBaseUrl)));
      }
    } catch (error) {
      this.#options.log?.debug({ err: error }, "Could not poll the newest jobs for the dashboard's events");
    } finally {
      this.#polling = false;
    }
  }

  #remember(id: string, fingerprint: string): void {
    this.#seen.delete(id);
    this.#seen.set(id, fingerprint);
    // Bounded: the oldest entries go first (a job forgotten here is at worst sent once more).
    if (this.#seen.size > 5_000) this.#seen.delete(this.#seen.keys().next().value as string);
  }
}

function fingerprintOf(item: JobListItem): string {
  return JSON.stringify([item.state, item.step, item.attempts, item.tokens, item.costUsd, item.prUrl, item.checks, item.error, item.trigger]);
}
