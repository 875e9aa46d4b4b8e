// The fake GitHub's pull request reviews, check runs and suites, commit statuses, workflow runs and Actions job logs.
// Shapes follow GitHub's REST answers (@octokit/openapi-types): only the fields a client reads are filled in.

/** GitHub Actions' own app: the check runs of workflow jobs belong to it (its id on github.com). */
export const ACTIONS_APP = { id: 15368, slug: "github-actions" } as const;

export interface ChecksContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  url: URL;
}

export interface ChecksReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type AddRoute = (method: string, template: string, handler: (context: ChecksContext) => ChecksReply | Promise<ChecksReply>) => void;

export interface PullHead {
  number: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
}

/** What the fake GitHub lends this module: ids, users, pull requests and its error shapes. */
export interface ChecksHost {
  url: string;
  apiUrl: string;
  appId: number;
  appSlug: string;
  newId(): number;
  user(login: string): unknown;
  authorAssociation(fullName: string, login: string): string;
  /** The repository's full name as created (routes match it case-insensitively). */
  fullName(owner: string, repo: string): string;
  pull(fullName: string, number: number): PullHead | undefined;
  pulls(fullName: string): PullHead[];
  paginate<T>(items: T[], query: URLSearchParams, url: URL): { items: T[]; headers: Record<string, string> };
  notFound(): Error;
  validationFailed(errors: unknown[]): Error;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";

export interface ReviewRecord {
  id: number;
  pullNumber: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface CheckOutput {
  title?: string | null;
  summary?: string | null;
  text?: string | null;
}

export interface CheckRunRecord {
  id: number;
  headSha: string;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  output: CheckOutput;
  appId: number;
  appSlug: string;
  detailsUrl: string | null;
  externalId: string;
  suiteId: number;
  startedAt: string;
  completedAt: string | null;
  /** Every state the run was in, in order: "in_progress", "completed/success"… */
  history: string[];
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
}

export interface WorkflowRunRecord {
  id: number;
  name: string;
  headSha: string;
  headBranch: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "action_required";
  conclusion: string | null;
  suiteId: number;
  createdAt: string;
  /** Its jobs: each job's id is its check run's id, as on GitHub. */
  jobIds: number[];
  /** What started it (default `pull_request`); a dispatched run says `workflow_dispatch`. */
  event?: string;
  /** The workflow's file, e.g. `.github/workflows/ci.yml` (dispatched runs: fake-github-actions.ts). */
  path?: string;
}

export interface AddCheckRun {
  headSha: string;
  name: string;
  conclusion?: string | null;
  status?: CheckRunRecord["status"];
  output?: CheckOutput;
  /** Whose run it is (default GitHub Actions when `log` is given, else another app). */
  app?: { id: number; slug: string };
  /** An Actions job: a workflow run holding it, and this text as its log. */
  log?: string;
  workflowName?: string;
}

interface RepoChecks {
  reviews: ReviewRecord[];
  checkRuns: CheckRunRecord[];
  suites: Map<string, number>;
  statuses: StatusRecord[];
  workflowRuns: WorkflowRunRecord[];
  logs: Map<number, string>;
}

const OTHER_APP = { id: 9999, slug: "octocoders-linter" };

export class FakeChecks {
  readonly #host: ChecksHost;
  readonly #repos = new Map<string, RepoChecks>();

  constructor(host: ChecksHost) {
    this.#host = host;
  }

  #repo(fullName: string): RepoChecks {
    const key = fullName.toLowerCase();
    let repo = this.#repos.get(key);
    if (!repo) {
      repo = { reviews: [], checkRuns: [], suites: new Map(), statuses: [], workflowRuns: [], logs: new Map() };
      this.#repos.set(key, repo);
    }
    return repo;
  }

  // ---- test helpers ---------------------------------------------------------------------------

  addReview(fullName: string, pullNumber: number, review: { user: string; state: ReviewState; body?: string }): ReviewRecord {
    const pull = this.#host.pull(fullName, pullNumber);
    if (!pull) throw new Error(`fake-github: ${fullName} has no pull request #${pullNumber}`);
    const record: ReviewRecord = {
      id: this.#host.newId(),
      pullNumber,
      user: review.user,
      state: review.state,
      body: review.body ?? "",
      commitId: pull.headSha,
      submittedAt: timestamp(),
    };
    this.#repo(fullName).reviews.push(record);
    return record;
  }

  reviews(fullName: string, pullNumber: number): ReviewRecord[] {
    return this.#repo(fullName).reviews.filter((review) => review.pullNumber === pullNumber);
  }

  /** A completed (by default) check run; with `log`, an Actions job inside a workflow run of its own. */
  addCheckRun(fullName: string, run: AddCheckRun): { checkRun: CheckRunRecord; workflowRun?: WorkflowRunRecord } {
    const repo = this.#repo(fullName);
    const app = run.app ?? (run.log !== undefined ? ACTIONS_APP : OTHER_APP);
    const status = run.status ?? "completed";
    const record = this.#newCheckRun(fullName, {
      headSha: run.headSha,
      name: run.name,
      status,
      conclusion: status === "completed" ? (run.conclusion ?? "success") : null,
      output: run.output ?? {},
      appId: app.id,
      appSlug: app.slug,
      detailsUrl: null,
      externalId: "",
    });
    if (run.log === undefined) return { checkRun: record };
    repo.logs.set(record.id, run.log);
    const branch = this.#host.pulls(fullName).find((pull) => pull.headSha === run.headSha)?.headRef ?? "";
    const workflowRun: WorkflowRunRecord = {
      id: this.#host.newId(),
      name: run.workflowName ?? "CI",
      headSha: run.headSha,
      headBranch: branch,
      status: status === "completed" ? "completed" : "in_progress",
      conclusion: record.conclusion,
      suiteId: record.suiteId,
      createdAt: timestamp(),
      jobIds: [record.id],
    };
    record.detailsUrl = `${this.#host.url}/${fullName}/actions/runs/${workflowRun.id}/job/${record.id}`;
    repo.workflowRuns.push(workflowRun);
    return { checkRun: record, workflowRun };
  }

  /** A workflow run waiting for a maintainer's approval (a first-time contributor's, or an environment's). */
  addWorkflowRun(
    fullName: string,
    run: { headSha: string; name?: string; status: WorkflowRunRecord["status"]; conclusion?: string | null; headBranch?: string; event?: string; path?: string },
  ): WorkflowRunRecord {
    const branch = run.headBranch ?? this.#host.pulls(fullName).find((pull) => pull.headSha === run.headSha)?.headRef ?? "";
    const record: WorkflowRunRecord = {
      id: this.#host.newId(),
      name: run.name ?? "CI",
      headSha: run.headSha,
      headBranch: branch,
      status: run.status,
      conclusion: run.conclusion ?? null,
      suiteId: this.#suiteId(fullName, run.headSha, ACTIONS_APP.id),
      createdAt: timestamp(),
      jobIds: [],
      ...(run.event ? { event: run.event } : {}),
      ...(run.path ? { path: run.path } : {}),
    };
    this.#repo(fullName).workflowRuns.push(record);
    return record;
  }

  addStatus(fullName: string, sha: string, status: { state: StatusRecord["state"]; context: string; description?: string; targetUrl?: string; creator?: string }): StatusRecord {
    const record: StatusRecord = {
      id: this.#host.newId(),
      sha,
      state: status.state,
      context: status.context,
      description: status.description ?? null,
      targetUrl: status.targetUrl ?? null,
      creator: status.creator ?? "octocat",
      createdAt: timestamp(),
    };
    this.#repo(fullName).statuses.push(record);
    return record;
  }

  checkRuns(fullName: string, headSha?: string): CheckRunRecord[] {
    return this.#repo(fullName).checkRuns.filter((run) => headSha === undefined || run.headSha === headSha);
  }

  statuses(fullName: string, sha: string): StatusRecord[] {
    return this.#repo(fullName).statuses.filter((status) => status.sha === sha);
  }

  /** The text served for a job's log (the target of the logs endpoint's redirect). */
  /** The repository's workflow runs, oldest first (dispatched ones included: fake-github-actions.ts). */
  workflowRuns(fullName: string): WorkflowRunRecord[] {
    return [...this.#repo(fullName).workflowRuns];
  }

  /** A run as GitHub's REST API shows it. */
  workflowRunJson(fullName: string, run: WorkflowRunRecord): unknown {
    return this.#workflowRunJson(fullName, run);
  }

  jobLog(fullName: string, jobId: number): string | undefined {
    return this.#repo(fullName).logs.get(jobId);
  }

  // ---- REST routes ----------------------------------------------------------------------------

  register(add: AddRoute): void {
    const host = this.#host;
    const ok = (body: unknown, headers?: Record<string, string>): ChecksReply => ({ status: 200, body, ...(headers ? { headers } : {}) });
    const created = (body: unknown): ChecksReply => ({ status: 201, body });
    const fullName = (context: ChecksContext) => host.fullName(context.params.owner ?? "", context.params.repo ?? "");
    const pullOf = (context: ChecksContext) => {
      const pull = host.pull(fullName(context), Number(context.params.number));
      if (!pull) throw host.notFound();
      return pull;
    };

    add("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews", (context) => {
      const name = fullName(context);
      const { items, headers } = host.paginate(this.reviews(name, pullOf(context).number), context.query, context.url);
      return ok(items.map((review) => this.#reviewJson(name, review)), headers);
    });
    add("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews/{id}", (context) => {
      const name = fullName(context);
      const review = this.reviews(name, pullOf(context).number).find((candidate) => candidate.id === Number(context.params.id));
      if (!review) throw host.notFound();
      return ok(this.#reviewJson(name, review));
    });

    add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", (context) => {
      const name = fullName(context);
      const sha = this.#resolve(name, context.params.ref ?? "");
      let runs = this.checkRuns(name, sha);
      const checkName = context.query.get("check_name");
      if (checkName) runs = runs.filter((run) => run.name === checkName);
      const status = context.query.get("status");
      if (status) runs = runs.filter((run) => run.status === status);
      if ((context.query.get("filter") ?? "latest") === "latest") {
        // The newest run of each name (per app), as GitHub's default `filter=latest`.
        const latest = new Map<string, CheckRunRecord>();
        for (const run of runs) latest.set(`${run.appId}:${run.name}`, run);
        runs = [...latest.values()];
      }
      const { items, headers } = host.paginate([...runs].reverse(), context.query, context.url);
      return ok({ total_count: runs.length, check_runs: items.map((run) => this.#checkRunJson(name, run)) }, headers);
    });
    add("GET", "/repos/{owner}/{repo}/check-runs/{id}", (context) => {
      const name = fullName(context);
      const run = this.#repo(name).checkRuns.find((candidate) => candidate.id === Number(context.params.id));
      if (!run) throw host.notFound();
      return ok(this.#checkRunJson(name, run));
    });
    add("POST", "/repos/{owner}/{repo}/check-runs", (context) => {
      const name = fullName(context);
      const body = record(context.body);
      const runName = typeof body.name === "string" ? body.name : "";
      const headSha = typeof body.head_sha === "string" ? body.head_sha : "";
      if (!runName || !/^[0-9a-f]{40}$/.test(headSha)) {
        throw host.validationFailed([{ resource: "CheckRun", field: runName ? "head_sha" : "name", code: "invalid" }]);
      }
      const tooLong = overLongOutput(body.output);
      if (tooLong) throw host.validationFailed([{ resource: "CheckRun", field: `output.${tooLong}`, code: "too_long" }]);
      const status = (typeof body.status === "string" ? body.status : body.conclusion ? "completed" : "queued") as CheckRunRecord["status"];
      const run = this.#newCheckRun(name, {
        headSha,
        name: runName,
        status,
        conclusion: typeof body.conclusion === "string" ? body.conclusion : null,
        output: outputOf(body.output),
        // Runs created through the API belong to the app whose installation token made the call.
        appId: host.appId,
        appSlug: host.appSlug,
        detailsUrl: typeof body.details_url === "string" ? body.details_url : null,
        externalId: typeof body.external_id === "string" ? body.external_id : "",
      });
      return created(this.#checkRunJson(name, run));
    });
    add("PATCH", "/repos/{owner}/{repo}/check-runs/{id}", (context) => {
      const name = fullName(context);
      const run = this.#repo(name).checkRuns.find((candidate) => candidate.id === Number(context.params.id));
      if (!run) throw host.notFound();
      const body = record(context.body);
      const tooLong = overLongOutput(body.output);
      if (tooLong) throw host.validationFailed([{ resource: "CheckRun", field: `output.${tooLong}`, code: "too_long" }]);
      if (typeof body.name === "string") run.name = body.name;
      if (typeof body.details_url === "string") run.detailsUrl = body.details_url;
      if (body.output !== undefined) run.output = outputOf(body.output);
      if (typeof body.conclusion === "string") {
        run.conclusion = body.conclusion;
        run.status = "completed";
      } else if (typeof body.status === "string") {
        run.status = body.status as CheckRunRecord["status"];
      }
      if (run.status === "completed") run.completedAt ??= timestamp();
      run.history.push(run.status === "completed" ? `completed/${run.conclusion ?? ""}` : run.status);
      return ok(this.#checkRunJson(name, run));
    });
    add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-suites", (context) => {
      const name = fullName(context);
      const sha = this.#resolve(name, context.params.ref ?? "");
      const suites = [...this.#repo(name).suites.entries()]
        .filter(([key]) => key.startsWith(`${sha}:`))
        .map(([key, id]) => this.#checkSuiteJson(name, id, sha, Number(key.split(":")[1])));
      return ok({ total_count: suites.length, check_suites: suites });
    });

    add("GET", "/repos/{owner}/{repo}/commits/{ref}/status", (context) => {
      const name = fullName(context);
      const sha = this.#resolve(name, context.params.ref ?? "");
      // The latest status of each context, newest first.
      const latest = new Map<string, StatusRecord>();
      for (const status of this.statuses(name, sha)) latest.set(status.context, status);
      const statuses = [...latest.values()].reverse();
      const states = statuses.map((status) => status.state);
      const state = states.some((value) => value === "error" || value === "failure")
        ? "failure"
        : states.length === 0 || states.some((value) => value === "pending")
          ? "pending"
          : "success";
      return ok({
        state,
        statuses: statuses.map((status) => this.#statusJson(name, status)),
        sha,
        total_count: statuses.length,
        commit_url: `${host.apiUrl}/repos/${name}/commits/${sha}`,
        url: `${host.apiUrl}/repos/${name}/commits/${sha}/status`,
      });
    });
    add("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", (context) => {
      const name = fullName(context);
      const sha = this.#resolve(name, context.params.ref ?? "");
      const { items, headers } = host.paginate([...this.statuses(name, sha)].reverse(), context.query, context.url);
      return ok(items.map((status) => this.#statusJson(name, status)), headers);
    });
    add("POST", "/repos/{owner}/{repo}/statuses/{sha}", (context) => {
      const name = fullName(context);
      const body = record(context.body);
      const state = body.state;
      if (state !== "error" && state !== "failure" && state !== "pending" && state !== "success") {
        throw host.validationFailed([{ resource: "Status", field: "state", code: "custom", message: "state is not included in the list" }]);
      }
      const status = this.addStatus(name, context.params.sha ?? "", {
        state,
        context: typeof body.context === "string" ? body.context : "default",
        ...(typeof body.description === "string" ? { description: body.description } : {}),
        ...(typeof body.target_url === "string" ? { targetUrl: body.target_url } : {}),
        creator: `${host.appSlug}[bot]`,
      });
      return created(this.#statusJson(name, status));
    });

    add("GET", "/repos/{owner}/{repo}/actions/runs", (context) => {
      const name = fullName(context);
      const { query } = context;
      const runs = this.#repo(name).workflowRuns.filter(
        (run) =>
          (!query.get("head_sha") || run.headSha === query.get("head_sha")) &&
          (!query.get("branch") || run.headBranch === query.get("branch")) &&
          (!query.get("status") || run.status === query.get("status") || run.conclusion === query.get("status")),
      );
      const { items, headers } = host.paginate([...runs].reverse(), query, context.url);
      return ok({ total_count: runs.length, workflow_runs: items.map((run) => this.#workflowRunJson(name, run)) }, headers);
    });
    add("GET", "/repos/{owner}/{repo}/actions/runs/{id}", (context) => {
      const name = fullName(context);
      return ok(this.#workflowRunJson(name, this.#workflowRun(name, Number(context.params.id))));
    });
    add("GET", "/repos/{owner}/{repo}/actions/runs/{id}/jobs", (context) => {
      const name = fullName(context);
      const run = this.#workflowRun(name, Number(context.params.id));
      const jobs = run.jobIds.map((id) => this.#jobJson(name, id));
      return ok({ total_count: jobs.length, jobs });
    });
    add("GET", "/repos/{owner}/{repo}/actions/jobs/{id}", (context) => ok(this.#jobJson(fullName(context), Number(context.params.id))));
    add("GET", "/repos/{owner}/{repo}/actions/jobs/{id}/logs", (context) => {
      const name = fullName(context);
      const id = Number(context.params.id);
      if (this.jobLog(name, id) === undefined) throw host.notFound();
      // GitHub answers with a redirect to a short-lived, pre-signed download URL.
      return { status: 302, headers: { location: `${host.url}${JOB_LOGS_PATH}${name}/${id}` } };
    });
  }

  /** Serves a redirected log download (`/_fake/job-logs/<owner>/<repo>/<job id>`); undefined for other paths. */
  downloadLog(pathname: string): string | undefined {
    if (!pathname.startsWith(JOB_LOGS_PATH)) return undefined;
    const [owner = "", repo = "", id = ""] = pathname.slice(JOB_LOGS_PATH.length).split("/");
    return this.jobLog(`${owner}/${repo}`, Number(id));
  }

  // ---- state --------------------------------------------------------------------------------

  #newCheckRun(
    fullName: string,
    fields: Omit<CheckRunRecord, "id" | "suiteId" | "startedAt" | "completedAt" | "history">,
  ): CheckRunRecord {
    const now = timestamp();
    const run: CheckRunRecord = {
      ...fields,
      id: this.#host.newId(),
      suiteId: this.#suiteId(fullName, fields.headSha, fields.appId),
      startedAt: now,
      completedAt: fields.status === "completed" ? now : null,
      history: [fields.status === "completed" ? `completed/${fields.conclusion ?? ""}` : fields.status],
    };
    this.#repo(fullName).checkRuns.push(run);
    return run;
  }

  /** One check suite per (head commit, app), as GitHub makes them. */
  #suiteId(fullName: string, headSha: string, appId: number): number {
    const suites = this.#repo(fullName).suites;
    const key = `${headSha}:${appId}`;
    let id = suites.get(key);
    if (id === undefined) {
      id = this.#host.newId();
      suites.set(key, id);
    }
    return id;
  }

  /** A ref (branch name or sha) → its commit, as far as the pull requests know it. */
  #resolve(fullName: string, ref: string): string {
    return this.#host.pulls(fullName).find((pull) => pull.headRef === ref)?.headSha ?? ref;
  }

  #workflowRun(fullName: string, id: number): WorkflowRunRecord {
    const run = this.#repo(fullName).workflowRuns.find((candidate) => candidate.id === id);
    if (!run) throw this.#host.notFound();
    return run;
  }

  #pullsFor(fullName: string, headSha: string): unknown[] {
    const api = `${this.#host.apiUrl}/repos/${fullName}`;
    return this.#host
      .pulls(fullName)
      .filter((pull) => pull.headSha === headSha)
      .map((pull) => ({
        url: `${api}/pulls/${pull.number}`,
        id: pull.number,
        number: pull.number,
        head: { ref: pull.headRef, sha: pull.headSha, repo: { url: api, name: fullName.split("/")[1] } },
        base: { ref: pull.baseRef, sha: pull.baseSha, repo: { url: api, name: fullName.split("/")[1] } },
      }));
  }

  // ---- JSON shapes --------------------------------------------------------------------------

  #reviewJson(fullName: string, review: ReviewRecord): unknown {
    const pullUrl = `${this.#host.apiUrl}/repos/${fullName}/pulls/${review.pullNumber}`;
    const htmlUrl = `${this.#host.url}/${fullName}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: this.#host.user(review.user),
      body: review.body,
      state: review.state,
      html_url: htmlUrl,
      pull_request_url: pullUrl,
      author_association: this.#host.authorAssociation(fullName, review.user),
      _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
    };
  }

  #appJson(id: number, slug: string): unknown {
    return { id, slug, node_id: `A_${id}`, name: slug, owner: this.#host.user(slug === ACTIONS_APP.slug ? "github" : "octocat") };
  }

  #checkRunJson(fullName: string, run: CheckRunRecord): unknown {
    const url = `${this.#host.apiUrl}/repos/${fullName}/check-runs/${run.id}`;
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: `CR_${run.id}`,
      external_id: run.externalId,
      url,
      html_url: `${this.#host.url}/${fullName}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title ?? null,
        summary: run.output.summary ?? null,
        text: run.output.text ?? null,
        annotations_count: 0,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: this.#appJson(run.appId, run.appSlug),
      pull_requests: this.#pullsFor(fullName, run.headSha),
    };
  }

  #checkSuiteJson(fullName: string, id: number, headSha: string, appId: number): unknown {
    const runs = this.#repo(fullName).checkRuns.filter((run) => run.suiteId === id);
    const done = runs.length > 0 && runs.every((run) => run.status === "completed");
    const conclusions = runs.map((run) => run.conclusion);
    const conclusion = !done ? null : conclusions.find((value) => value !== "success" && value !== "neutral" && value !== "skipped") ?? "success";
    const slug = runs[0]?.appSlug ?? (appId === ACTIONS_APP.id ? ACTIONS_APP.slug : OTHER_APP.slug);
    return {
      id,
      node_id: `CS_${id}`,
      head_branch: this.#host.pulls(fullName).find((pull) => pull.headSha === headSha)?.headRef ?? null,
      head_sha: headSha,
      status: done ? "completed" : "in_progress",
      conclusion,
      url: `${this.#host.apiUrl}/repos/${fullName}/check-suites/${id}`,
      app: this.#appJson(appId, slug),
      pull_requests: this.#pullsFor(fullName, headSha),
      latest_check_runs_count: runs.length,
      check_runs_url: `${this.#host.apiUrl}/repos/${fullName}/check-suites/${id}/check-runs`,
    };
  }

  #statusJson(fullName: string, status: StatusRecord): unknown {
    return {
      url: `${this.#host.apiUrl}/repos/${fullName}/statuses/${status.sha}`,
      avatar_url: null,
      id: status.id,
      node_id: `SC_${status.id}`,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      creator: this.#host.user(status.creator),
    };
  }

  #workflowRunJson(fullName: string, run: WorkflowRunRecord): unknown {
    const url = `${this.#host.apiUrl}/repos/${fullName}/actions/runs/${run.id}`;
    return {
      id: run.id,
      name: run.name,
      node_id: `WFR_${run.id}`,
      head_branch: run.headBranch,
      head_sha: run.headSha,
      event: run.event ?? "pull_request",
      ...(run.path ? { path: run.path } : {}),
      status: run.status,
      conclusion: run.conclusion,
      check_suite_id: run.suiteId,
      url,
      html_url: `${this.#host.url}/${fullName}/actions/runs/${run.id}`,
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      pull_requests: this.#pullsFor(fullName, run.headSha),
      created_at: run.createdAt,
      updated_at: run.createdAt,
      run_attempt: 1,
    };
  }

  #jobJson(fullName: string, id: number): unknown {
    const run = this.#repo(fullName).checkRuns.find((candidate) => candidate.id === id);
    const workflow = this.#repo(fullName).workflowRuns.find((candidate) => candidate.jobIds.includes(id));
    if (!run || !workflow) throw this.#host.notFound();
    return {
      id,
      run_id: workflow.id,
      run_url: `${this.#host.apiUrl}/repos/${fullName}/actions/runs/${workflow.id}`,
      node_id: `CR_${id}`,
      head_sha: run.headSha,
      url: `${this.#host.apiUrl}/repos/${fullName}/actions/jobs/${id}`,
      html_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      name: run.name,
      workflow_name: workflow.name,
      head_branch: workflow.headBranch,
      check_run_url: `${this.#host.apiUrl}/repos/${fullName}/check-runs/${id}`,
      steps: [],
      labels: ["ubuntu-latest"],
    };
  }
}

const JOB_LOGS_PATH = "/_fake/job-logs/";

function timestamp(milliseconds = Date.now()): string {
  return new Date(Math.floor(milliseconds / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** GitHub refuses (422) an output summary or text over 65,535 characters: the field named, else undefined. */
function overLongOutput(value: unknown): string | undefined {
  const output = record(value);
  return ["summary", "text"].find((key) => typeof output[key] === "string" && (output[key] as string).length > 65_535);
}

function outputOf(value: unknown): CheckOutput {
  const output = record(value);
  const text = (key: string) => (typeof output[key] === "string" ? (output[key] as string) : null);

  return { title: text("title"), summary: text("summary"), text: text("text") };
}

