// Google Calendar as an integration: the skill built from config; its probe says what setup step is missing, if any.
import type { IntegrationContext, SkillIntegration } from "../integration.js";
import { GoogleCalendarSkill } from "./google-calendar-skill.js";

export function googleCalendarIntegration({ config, fetch, log }: IntegrationContext): SkillIntegration<GoogleCalendarSkill> {
  const skill = new GoogleCalendarSkill({
    ...config.integrations.calendar,
    // googleapis keeps its own retries; the traffic layer limits, counts and breaks.
    fetch: fetch("google", { retry: false }),
    log: log.child({ name: "calendar" }),
  });
  return {
    name: "google-calendar",
    skill,
    // Disabled or not set up, it answers from the config and the files alone, with no request.
    checkConnection: async () => ({ name: "google-calendar", ...(await skill.checkConnection()) }),
  };
}
