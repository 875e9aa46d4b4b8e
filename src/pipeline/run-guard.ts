// Anti-loop: at most N pipeline runs per issue in a sliding hour; one more is refused and enters degraded mode.
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../shared/clock.js";

export interface RunDecision {
  allowed: boolean;
  /** Runs counted in the window, this one included when allowed. */
  runsInWindow: number;
  /** When refused: whole seconds (≥ 1) until the oldest run leaves the window. */
  retryAfterSeconds: number;
}

export interface RunGuardOptions {
  /** Runs per issue per window (`VENOM_RUNS_PER_ISSUE_PER_HOUR`). */
  limit: number;
  /** A looping issue holds every new run back: the traffic layer's degraded mode. */
  degraded: { enterDegraded(reason: string): void };
  log: Logger;
  clock?: Clock;
  windowMs?: number;
  /** Issues remembered; the least recently run is forgotten first. */
  maxIssues?: number;
}

export class RunGuard {
  readonly limit: number;
  readonly windowMs: number;
  readonly #degraded: RunGuardOptions["degraded"];
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Run start times per `repo#issue`, oldest first. */
  readonly #runs: LRUCache<string, number[]>;

  constructor(options: RunGuardOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 3_600_000;
    this.#degraded = options.degraded;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#runs = new LRUCache({ max: options.maxIssues ?? 10_000 });
  }

  /** Records the run when allowed; a refusal also enters degraded mode (a loop is likely not alone). */
  allowRun(repo: string, issue: number): RunDecision {
    const now = this.#clock.now();
    const key = `${repo.toLowerCase()}#${issue}`;
    const runs = (this.#runs.get(key) ?? []).filter((time) => now - time < this.windowMs);
    this.#runs.set(key, runs);
    if (runs.length >= this.limit) {
      const oldest = runs[0] ?? now;
      this.#log.warn({ repo, issue, runs: runs.length }, "Run refused: this issue hit its runs-per-hour cap (a loop?)");
      this.#degraded.enterDegraded(`${repo}#${issue} asked for more than ${this.limit} runs in an hour`);
      return { allowed: false, runsInWindow: runs.length, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    runs.push(now);
    return { allowed: true, runsInWindow: runs.length, retryAfterSeconds: 0 };
  }
}
