// Whether a job's trigger still holds when it starts: events arrive late and out of order.
import type { Trigger } from "../queue/types.js";
import type { IssueDetails } from "./github-issue.js";

export interface TriggerSources {
  /** VENOM_TRIGGER_LABEL. */
  triggerLabel: string;
  /** The repository's own `label:` from `.github/venom.yml`, read only when the global label is not on the issue. */
  repoLabel: () => Promise<string | undefined>;
  /** VENOM_ASSIGNEE (or the token's user); undefined when none is set. */
  assignee: () => Promise<string | undefined>;
}

/**
 * Why the job's trigger no longer holds, or undefined when it does. Label and poll runs need the trigger label
 * (VENOM_TRIGGER_LABEL or the repository's own `label:`; a polled issue may be assigned instead), assign runs
 * the assignee; every run an open issue. Comment, retry and API runs were asked for by name: open is enough.
 */
export async function staleTriggerReason(trigger: Trigger, details: IssueDetails, sources: TriggerSources): Promise<string | undefined> {
  if (details.state !== "open") return `issue #${details.number} is ${details.state}`;
  const includes = (names: string[], name: string | undefined) =>
    name !== undefined && names.some((entry) => entry.toLowerCase() === name.toLowerCase());
  const labelled = async (): Promise<string | undefined> => {
    if (includes(details.labels, sources.triggerLabel)) return undefined;
    const repoLabel = await sources.repoLabel();
    if (includes(details.labels, repoLabel)) return undefined;
    return `label ${[sources.triggerLabel, repoLabel].filter(Boolean).join(" or ")} removed`;
  };
  const unassigned = async (): Promise<string | undefined> => {
    const assignee = await sources.assignee();
    if (assignee === undefined) return "no VENOM_ASSIGNEE is set";
    return includes(details.assignees, assignee) ? undefined : `${assignee} unassigned`;
  };
  switch (trigger) {
    case "label":
      return labelled();
    case "assign":
      return unassigned();
    case "poll": {
      // The poller finds labelled issues and assigned ones: either still holding is enough.
      const label = await labelled();
      if (!label) return undefined;
      const assignee = await sources.assignee();
      if (assignee === undefined) return label;
      return includes(details.assignees, assignee) ? undefined : `${label} and ${assignee} unassigned`;
    }
    default:
      return undefined;
  }
}
