// Kept follow-up clones of merged or abandoned pull requests: removed once unused for longer than a retention, at worker start and then hourly.
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

/** A kept clone unused this long goes (a later round clones again if the PR is still open). */
export const KEPT_WORKSPACE_RETENTION_MS = 7 * 86_400_000;

/** Kept clones are named `<owner>__<repo>__issue-<N>` (followUpWorkspace); job clones are named by job id. */
const KEPT_NAME = /__issue-\d+$/;

export interface PruneOptions {
  dataDir: string;
  retentionMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * Removes the kept clones whose last use (the directory's mtime, touched whenever a round takes it) is older than
 * the retention; one `readdir` and one `stat` per kept clone. Returns the names removed.
 */
export async function pruneKeptWorkspaces(options: PruneOptions): Promise<string[]> {
  const root = path.resolve(options.dataDir, "workspaces");
  const cutoff = (options.now ?? Date.now)() - (options.retentionMs ?? KEPT_WORKSPACE_RETENTION_MS);
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!KEPT_NAME.test(name)) continue;
    const info = await stat(path.join(root, name)).catch(() => undefined);
    if (!info?.isDirectory() || info.mtimeMs >= cutoff) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface PrunerLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Prunes once now and then every `intervalMs` (default hourly); the timer never keeps the process alive. */
export class KeptWorkspacePruner {
  readonly #options: PruneOptions & { log: PrunerLog; intervalMs?: number };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<string[]> | undefined;

  constructor(options: PruneOptions & { log: PrunerLog; intervalMs?: number }) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    const tick = () => void this.pruneNow();
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs ?? 3_600_000);
    this.#timer.unref();
  }

  /** One prune; concurrent calls share it; a failure is logged, never thrown. */
  pruneNow(): Promise<string[]> {
    this.#running ??= pruneKeptWorkspaces(this.#options)
      .then((removed) => {
        if (removed.length) this.#options.log.info({ removed }, "Removed kept follow-up workspaces unused past their retention");
        return removed;
      })
      .catch((error: unknown) => {
        this.#options.log.warn({ err: error }, "Pruning kept follow-up workspaces failed; the next prune tries again");
        return [];
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
