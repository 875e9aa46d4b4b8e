// The Probot app function: routes issue events to intake. Knows nothing of queues or pipelines.
import type { ApplicationFunction } from "probot";
import type { TriggerPayload } from "./intake/decide.js";
import { describeOutcome, type Intake } from "./intake/intake.js";
import { FOLLOW_UP_EVENTS } from "./intake/follow-up-decision.js";
import type { PermissionRequest } from "./github/permissions.js";

export interface AppDependencies {
  intake: Intake;
  /** The app's bot login, looked up once (needed to recognise assignments to the bot). */
  botLogin: () => Promise<string | undefined>;
  /** Stores what a delivery led to. */
  record: (deliveryId: string, outcome: string) => void;
}

export const TRIGGER_EVENTS = [
  "issues.labeled",
  "issues.assigned",
  "issue_comment.created",
  // The app's pull request merged: the project item moves to "done".
  "pull_request.closed",
  // Follow-ups on the app's own pull requests: reviews and CI results.
  ...FOLLOW_UP_EVENTS,
] as const;

export function createAppFunction(deps: AppDependencies): ApplicationFunction {
  return (app) => {
    app.on([...TRIGGER_EVENTS], async (context) => {
      const payload = context.payload as TriggerPayload;
      if (context.name === "issues" && payload.action === "assigned") await deps.botLogin();
      const outcome = await deps.intake.handleEvent({
        id: context.id,
        name: context.name,
        payload,
        request: context.octokit.request as unknown as PermissionRequest,
      });
      deps.record(context.id, describeOutcome(outcome));
    });
  };
}
