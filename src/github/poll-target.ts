// One repository the poller reads: its name, installation and the request function authenticated for it.
import type { GitHubRequest } from "./conditional-request.js";

/** One repository to poll, with the request function authenticated for it. */
export interface PollTarget {
  repo: string;
  installationId?: number;
  request: GitHubRequest;
  /** The repository's `pushed_at`: its `.github/venom.yml` is read again only when this changes. */
  pushedAt?: string | undefined;
}
