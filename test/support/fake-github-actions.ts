// The fake GitHub's workflow_dispatch: workflows a test declares, dispatches recorded, and the runs they start.
// Shapes and refusals follow GitHub's REST answers (POST …/dispatches → 204; 404 unknown workflow; 422 bad ref or input).
import type { AddRoute, ChecksContext, ChecksReply, FakeChecks, WorkflowRunRecord } from "./fake-github-checks.js";

export interface WorkflowOptions {
  /** The `workflow_dispatch` inputs it declares; any other input is refused (422) as GitHub does. */
  inputs?: string[];
  /** How a dispatched run ends (default success), and after how long (ms; default 0: done at the first look after dispatch). */
  conclusion?: string;
  durationMs?: number;
  /** False: the workflow has no `workflow_dispatch` trigger (422). */
  dispatchable?: boolean;
  name?: string;
}

export interface DispatchRecord {
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  runId: number;
}

interface Workflow extends Required<Omit<WorkflowOptions, "durationMs">> {
  id: number;
  file: string;
  durationMs: number;
}

/** What the fake GitHub lends this module. */
export interface ActionsHost {
  url: string;
  apiUrl: string;
  newId(): number;
  fullName(owner: string, repo: string): string;
  branchSha(fullName: string, branch: string): string | undefined;
  paginate<T>(items: T[], query: URLSearchParams, url: URL): { items: T[]; headers: Record<string, string> };
  notFound(): Error;
  error(status: number, message: string): Error;
}

export class FakeActions {
  readonly #host: ActionsHost;
  readonly #checks: FakeChecks;
  readonly #workflows = new Map<string, Workflow[]>();
  readonly #dispatches = new Map<string, DispatchRecord[]>();

  constructor(host: ActionsHost, checks: FakeChecks) {
    this.#host = host;
    this.#checks = checks;
  }

  /** Declares `.github/workflows/<file>` with a `workflow_dispatch` trigger. */
  addWorkflow(fullName: string, file: string, options: WorkflowOptions = {}): void {
    const list = this.#workflows.get(fullName.toLowerCase()) ?? [];
    list.push({
      id: this.#host.newId(),
      file,
      name: options.name ?? file.replace(/\.ya?ml$/, ""),
      inputs: options.inputs ?? [],
      conclusion: options.conclusion ?? "success",
      durationMs: options.durationMs ?? 0,
      dispatchable: options.dispatchable ?? true,
    });
    this.#workflows.set(fullName.toLowerCase(), list);
  }

  dispatches(fullName: string): DispatchRecord[] {
    return [...(this.#dispatches.get(fullName.toLowerCase()) ?? [])];
  }

  register(add: AddRoute): void {
    const host = this.#host;
    const fullName = (context: ChecksContext) => host.fullName(context.params.owner ?? "", context.params.repo ?? "");

    add("POST", "/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", (context): ChecksReply => {
      const name = fullName(context);
      const workflow = this.#workflow(name, context.params.workflow ?? "");
      const body = (context.body ?? {}) as { ref?: unknown; inputs?: unknown };
      if (typeof body.ref !== "string" || body.ref === "") throw host.error(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
      if (!workflow.dispatchable) throw host.error(422, "Workflow does not have 'workflow_dispatch' trigger");
      const branch = body.ref.replace(/^refs\/heads\//, "");
      const sha = host.branchSha(name, branch);
      if (!sha) throw host.error(422, `No ref found for: ${body.ref}`);
      const inputs = (body.inputs ?? {}) as Record<string, string>;
      const unexpected = Object.keys(inputs).filter((key) => !workflow.inputs.includes(key));
      if (unexpected.length > 0) throw host.error(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
      const run = this.#checks.addWorkflowRun(name, {
        headSha: sha,
        headBranch: branch,
        name: workflow.name,
        status: "queued",
        event: "workflow_dispatch",
        path: `.github/workflows/${workflow.file}`,
      });
      this.#finishLater(run, workflow);
      const list = this.#dispatches.get(name.toLowerCase()) ?? [];
      list.push({ workflow: workflow.file, ref: body.ref, inputs, runId: run.id });
      this.#dispatches.set(name.toLowerCase(), list);
      return { status: 204 };
    });

    add("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs", (context): ChecksReply => {
      const name = fullName(context);
      const workflow = this.#workflow(name, context.params.workflow ?? "");
      const { query } = context;
      const runs = this.#checks
        .workflowRuns(name)
        .filter(
          (run) =>
            run.path === `.github/workflows/${workflow.file}` &&
            (!query.get("event") || (run.event ?? "pull_request") === query.get("event")) &&
            (!query.get("branch") || run.headBranch === query.get("branch")),
        )
        .reverse();
      const { items, headers } = host.paginate(runs, query, context.url);
      return { status: 200, body: { total_count: runs.length, workflow_runs: items.map((run) => this.#checks.workflowRunJson(name, run)) }, headers };
    });
  }

  /** A workflow by file name or numeric id, as the API accepts both. */
  #workflow(fullName: string, key: string): Workflow {
    const found = (this.#workflows.get(fullName.toLowerCase()) ?? []).find((workflow) => workflow.file === key || String(workflow.id) === key);
    if (!found) throw this.#host.notFound();
    return found;
  }

  #finishLater(run: WorkflowRunRecord, workflow: Workflow): void {
    run.status = "in_progress";
    const finish = () => {
      run.status = "completed";
      run.conclusion = workflow.conclusion;
    };
    if (workflow.durationMs <= 0) finish();
    else setTimeout(finish, workflow.durationMs).unref();
  }
}
