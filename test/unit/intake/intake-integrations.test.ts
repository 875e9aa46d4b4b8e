// Intake's hooks for the optional integrations: a merged app PR (project "done"), check completions (`checks: ci`),
// and `/venom run` enqueued as a `run` job with its workflow — official payloads, the real SQLite queue.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { slimPayload, type TriggerPayload } from "../../../src/intake/decide.js";
import { Intake } from "../../../src/intake/intake.js";
import { PermissionCache, type PermissionRequest } from "../../../src/github/permissions.js";
import { createLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/queue/sqlite-database.js";
import { SqliteJobQueue } from "../../../src/queue/sqlite-queue.js";
import { example, type Payload } from "../../fixtures/webhooks.js";

const writer: PermissionRequest = async () => ({ data: { permission: "write", role_name: "write" } });

async function setup() {
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  const queue = new SqliteJobQueue(openDatabase(":memory:"));
  const merged: unknown[] = [];
  const checks: Array<[string, string]> = [];
  const intake = new Intake({
    queue,
    permissions: new PermissionCache(),
    settings: () => ({ triggerLabel: "venom", botLogin: "venom-integrator[bot]" }),
    log,
    onMerged: async (event) => void merged.push(event),
    onCheckCompleted: (repo, sha) => void checks.push([repo, sha]),
  });
  let id = 0;
  const handle = (name: string, payload: Payload) =>
    intake.handleEvent({ id: `d-${(id += 1)}`, name, payload: slimPayload(payload as TriggerPayload), request: writer });
  return { queue, handle, merged, checks };
}

describe("Intake: integrations", () => {
  it("a merged app PR calls onMerged with its issue, and queues nothing", async () => {
    const { queue, handle, merged } = await setup();
    const payload = example("pull_request", "closed");
    payload.pull_request = { ...(payload.pull_request as object), number: 9, merged: true, user: { login: "venom-integrator[bot]", type: "Bot" }, head: { ref: "issue-4", sha: "abc" } };
    expect(await handle("pull_request", payload)).toEqual({ kind: "merged", repo: "Codertocat/Hello-World", issue: 4 });
    expect(merged).toEqual([{ repo: "Codertocat/Hello-World", issue: 4, prNumber: 9, installationId: 1 }]);
    expect(await queue.list({})).toHaveLength(0);
  });

  it("tells about every completed check run or suite, passing ones included", async () => {
    const { handle, checks } = await setup();
    const run = example("check_run", "completed");
    await handle("check_run", run);
    const suite = example("check_suite", "completed");
    await handle("check_suite", suite);
    expect(checks).toEqual([
      ["Codertocat/Hello-World", (run.check_run as { head_sha: string }).head_sha],
      ["Codertocat/Hello-World", (suite.check_suite as { head_sha: string }).head_sha],
    ]);
  });

  it("`/venom run` queues a run job carrying the workflow and its inputs", async () => {
    const { handle } = await setup();
    const payload = example("issue_comment", "created");
    payload.comment = { ...payload.comment!, body: "/venom run ci.yml target=prod", user: { ...payload.comment!.user, login: "maintainer", type: "User" } } as typeof payload.comment;
    payload.sender = { ...payload.sender, login: "maintainer", type: "User" };
    payload.issue = { ...payload.issue, state: "open" };
    delete payload.issue.pull_request;
    const outcome = await handle("issue_comment", payload);
    expect(outcome.kind).toBe("enqueued");
    if (outcome.kind !== "enqueued") return;
    expect(outcome.job).toMatchObject({ command: "run", trigger: "comment", data: { workflowRun: { workflow: "ci.yml", inputs: { target: "prod" } } } });
  });
});
