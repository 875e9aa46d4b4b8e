// The package's programmatic API: createVenom() and the types around it.
export { createVenom, type Venom, type VenomOptions } from "./venom.js";
export { readConfig, type VenomConfig } from "./config/env.js";
export { VenomError, ConfigError, type ErrorKind } from "./errors.js";
export { createLogger, createMasker, maskToken } from "./log.js";
export { decide, parseSlashCommand, type Decision } from "./intake/decide.js";
export type { Job, JobRecord, JobQueue, JobState, Trigger } from "./queue/types.js";
export type { JobHandler, JobContext } from "./queue/worker.js";
export type { IntegrationStatus } from "./skills/integration.js";
export type { Orchestrator, Integrator, RemoteIssueResult, PolledIssue, HandledIssue, FinalizedIssue } from "./api/orchestrator.js";
export type { IssueDetails, IssueComment } from "./pipeline/github-issue.js";
export type { TriggeredIssue } from "./intake/poller.js";
export type { PlatformSkill, PlatformIssue, PlatformIssueDetails, PlatformConnection } from "./skills/platform.js";
export type { Notifier, NotificationEvent, Channel } from "./skills/notify/notifier.js";
