// Chat actions on the real SQLite queue: unmapped users and readers act on nothing; writers retry, cancel and approve.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ChatActions, type ChatActionEntry } from "../../../../src/intake/chat/chat-actions.js";
import { PermissionCache, type Permission, type PermissionRequest } from "../../../../src/github/permissions.js";
import { createLogger } from "../../../../src/log.js";
import { openDatabase } from "../../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../../src/queue/sqlite-queue.js";
import type { Job } from "../../../../src/queue/types.js";

async function setup(permissions: Record<string, Permission> = { ana: "write", rita: "read" }) {
  const queue = new SqliteJobQueue(openDatabase(":memory:"));
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const asked: string[] = [];
  const request: PermissionRequest = async (_route, parameters) => {
    asked.push(`${parameters.owner}/${parameters.repo}:${parameters.username}`);
    const permission = permissions[parameters.username];
    if (!permission) throw Object.assign(new Error("Not Found"), { status: 404 });
    return { data: { permission, role_name: permission } };
  };
  const recorded: Array<{ jobId: string } & ChatActionEntry> = [];
  const queued: string[] = [];
  const actions = new ChatActions({
    queue,
    permissions: new PermissionCache(),
    requestFor: async () => request,
    isPlanOnly: (job) => job.command === "plan",
    record: async (job, entry) => void recorded.push({ jobId: job.id, ...entry }),
    log,
    onQueued: (job) => queued.push(job.id),
  });
  return { queue, actions, asked, recorded, queued };
}

async function finishedJob(queue: SqliteJobQueue, state: "succeeded" | "failed", command: "fix" | "plan" = "fix"): Promise<Job> {
  const { job } = await queue.enqueue({ repo: "octo/calc", issue: 3, trigger: "label", command, installationId: 7 });
  const lease = (await queue.claim("worker-1", 60_000))!;
  if (state === "failed") await queue.fail(lease, "checks failed");
  else await queue.complete(lease, {});
  return (await queue.get(job.id))!;
}

describe("ChatActions", () => {
  it("acts on nothing for an unmapped chat user, and says how to map one", async () => {
    const { queue, actions, asked } = await setup();
    const job = await finishedJob(queue, "failed");
    const result = await actions.act({ via: "slack", login: undefined, command: { action: "retry", target: { jobId: job.id } } });
    expect(result).toMatchObject({ acted: false, text: expect.stringContaining("not mapped") });
    expect(result.text).toContain("VENOM_SLACK_USERS");
    expect(asked).toEqual([]);
    expect((await queue.get(job.id))?.state).toBe("failed");
  });

  it("refuses a mapped user without write permission", async () => {
    const { queue, actions, asked, recorded } = await setup();
    const job = await finishedJob(queue, "failed");
    const result = await actions.act({ via: "teams", login: "rita", command: { action: "retry", target: { jobId: job.id } } });
    expect(result).toMatchObject({ acted: false, text: expect.stringContaining("rita has read access to octo/calc") });
    expect(asked).toEqual(["octo/calc:rita"]);
    expect(recorded).toEqual([]);
    expect((await queue.get(job.id))?.state).toBe("failed");
    const stranger = await actions.act({ via: "teams", login: "nobody", command: { action: "retry", target: { jobId: job.id } } });
    expect(stranger.text).toContain("none access");
  });

  it("retries a finished run for a writer and records who did it", async () => {
    const { queue, actions, recorded, queued } = await setup();
    const job = await finishedJob(queue, "failed");
    const result = await actions.act({ via: "slack", login: "ana", command: { action: "retry", target: { repo: "octo/calc", issue: 3 } } });
    expect(result.acted).toBe(true);
    expect((await queue.get(job.id))?.state).toBe("queued");
    expect(recorded).toEqual([{ jobId: job.id, action: "retry", by: "slack:ana" }]);
    expect(queued).toEqual([job.id]);
    // Queued again: a second retry has nothing finished to re-queue.
    const again = await actions.act({ via: "slack", login: "ana", command: { action: "retry", target: { jobId: job.id } } });
    expect(again).toMatchObject({ acted: false, text: expect.stringContaining("only finished runs") });
  });

  it("cancels a queued run for a writer, and says so when it is already finished", async () => {
    const { queue, actions, recorded } = await setup();
    const { job } = await queue.enqueue({ repo: "octo/calc", issue: 5, trigger: "label", command: "fix" });
    const result = await actions.act({ via: "teams", login: "ana", command: { action: "cancel", target: { jobId: job.id } } });
    expect(result).toMatchObject({ acted: true, text: expect.stringContaining("cancelled by teams:ana") });
    expect((await queue.get(job.id))?.state).toBe("cancelled");
    expect(recorded).toEqual([{ jobId: job.id, action: "cancel", by: "teams:ana" }]);
    const again = await actions.act({ via: "teams", login: "ana", command: { action: "cancel", target: { jobId: job.id } } });
    expect(again).toMatchObject({ acted: false, text: expect.stringContaining("already cancelled") });
  });

  it("approves a finished plan-only run: a comment-triggered fix of the issue, like /venom fix", async () => {
    const { queue, actions, recorded } = await setup();
    const plan = await finishedJob(queue, "succeeded", "plan");
    const result = await actions.act({ via: "slack", login: "ana", command: { action: "approve", target: { jobId: plan.id } } });
    expect(result.acted).toBe(true);
    const fix = (await queue.get(result.job!.id))!;
    expect(fix).toMatchObject({ repo: "octo/calc", issue: 3, trigger: "comment", command: "fix", actor: "ana", installationId: 7, state: "queued" });
    expect(recorded).toEqual([{ jobId: fix.id, action: "enqueue", by: "slack:ana", detail: `approved the plan of job ${plan.id}` }]);
    // A full run is not a plan awaiting approval.
    const notPlan = await actions.act({ via: "slack", login: "ana", command: { action: "approve", target: { jobId: fix.id } } });
    expect(notPlan).toMatchObject({ acted: false, text: expect.stringContaining("not a finished plan") });
    // The plan's button clicked again: its fix is already the issue's latest run.
    const twice = await actions.act({ via: "slack", login: "ana", command: { action: "approve", target: { jobId: plan.id } } });
    expect(twice).toMatchObject({ acted: false, text: expect.stringContaining(`has a later run (job ${fix.id}, queued)`) });
  });

  it("says so when no run matches", async () => {
    const { actions } = await setup();
    const result = await actions.act({ via: "slack", login: "ana", command: { action: "cancel", target: { repo: "octo/calc", issue: 99 } } });
    expect(result).toEqual({ acted: false, text: "No Venom run for octo/calc#99; nothing was done." });
  });
});
