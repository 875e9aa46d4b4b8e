// The fake GitHub's GraphQL endpoint (`/api/graphql`, as on GHE): Projects (v2) — a project's single-select fields,
// an issue's project items, addProjectV2ItemById and updateProjectV2ItemFieldValue — and markPullRequestReadyForReview. Answers follow GitHub's schema
// and its recorded error shapes (HTTP 200 with `errors` and partial `data`; NOT_FOUND with the path of the null field).

export interface ProjectOption {
  id: string;
  name: string;
}

export interface ProjectRecord {
  id: string;
  owner: string;
  ownerType: "Organization" | "User";
  number: number;
  title: string;
  /** Single-select fields by name; other field kinds are answered as `{}` by the inline fragment, as GitHub does. */
  fields: Array<{ id: string; name: string; options: ProjectOption[] }>;
  items: ProjectItem[];
}

export interface ProjectItem {
  id: string;
  contentId: string;
  /** Field id → option id. */
  values: Map<string, string>;
  /** Every option name the item was set to, in order. */
  history: string[];
}

/** What the fake GitHub lends this module. */
export interface GraphqlHost {
  newId(): number;
  /** The issue's node id, or undefined when the repository has no such issue. */
  issueNodeId(fullName: string, issue: number): string | undefined;
  /** Marks the pull request with this node id ready for review; false when there is none. */
  markReady(pullRequestNodeId: string): boolean;
}

export interface GraphqlRequestRecord {
  operation: string;
  variables: Record<string, unknown>;
}

interface GraphqlError {
  type?: string;
  path?: Array<string | number>;
  locations?: Array<{ line: number; column: number }>;
  message: string;
}

export class FakeProjects {
  readonly #host: GraphqlHost;
  readonly #projects: ProjectRecord[] = [];
  /** Operations as the app named them (`query VenomOrganizationProject`…), with their variables. */
  readonly requests: GraphqlRequestRecord[] = [];

  constructor(host: GraphqlHost) {
    this.#host = host;
  }

  /** A project (v2) owned by an organisation (default) or a user, with one single-select field. */
  addProject(options: { owner: string; number: number; ownerType?: "Organization" | "User"; title?: string; field?: string; options?: string[] }): ProjectRecord {
    const id = this.#host.newId();
    const field = options.field ?? "Status";
    const project: ProjectRecord = {
      id: `PVT_kwDO${id}`,
      owner: options.owner,
      ownerType: options.ownerType ?? "Organization",
      number: options.number,
      title: options.title ?? `Project ${options.number}`,
      fields: [
        {
          id: `PVTSSF_${id}`,
          name: field,
          options: (options.options ?? ["Todo", "In progress", "In review", "Done", "Blocked"]).map((name, index) => ({ id: `opt${id}_${index}`, name })),
        },
      ],
      items: [],
    };
    this.#projects.push(project);
    return project;
  }

  /** The option names the issue's item was set to, in order (empty when it is not on the project). */
  statusHistory(project: ProjectRecord, fullName: string, issue: number): string[] {
    const contentId = this.#host.issueNodeId(fullName, issue);
    return project.items.find((item) => item.contentId === contentId)?.history ?? [];
  }

  /** Serves one POST /api/graphql body. */
  serve(body: unknown): { status: number; body: unknown } {
    const { query, variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, unknown> };
    if (typeof query !== "string") return { status: 400, body: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/graphql" } };
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "anonymous";
    this.requests.push({ operation, variables });
    if (query.includes("markPullRequestReadyForReview")) {
      const id = String(variables.pullRequestId);
      if (!this.#host.markReady(id)) return errors({ markPullRequestReadyForReview: null }, [{ type: "NOT_FOUND", path: ["markPullRequestReadyForReview"], message: `Could not resolve to a node with the global id of '${id}'` }]);
      return data({ markPullRequestReadyForReview: { pullRequest: { id, isDraft: false } } });
    }
    if (query.includes("updateProjectV2ItemFieldValue")) return this.#setField(variables);
    if (query.includes("addProjectV2ItemById")) return this.#addItem(variables);
    if (/\brepository\s*\(/.test(query)) return this.#issueItems(variables);
    if (/\borganization\s*\(/.test(query)) return this.#ownerProject("organization", "Organization", variables);
    if (/\buser\s*\(/.test(query)) return this.#ownerProject("user", "User", variables);
    return errors(null, [{ message: "The fake GraphQL endpoint does not know this query." }]);
  }

  #ownerProject(field: "organization" | "user", type: "Organization" | "User", variables: Record<string, unknown>): { status: number; body: unknown } {
    const login = String(variables.owner ?? "");
    const owned = this.#projects.filter((project) => project.owner.toLowerCase() === login.toLowerCase());
    if (owned.length === 0 || owned.every((project) => project.ownerType !== type)) {
      return errors({ [field]: null }, [{ type: "NOT_FOUND", path: [field], locations: [{ line: 2, column: 3 }], message: `Could not resolve to ${type === "User" ? "a User" : "an Organization"} with the login of '${login}'.` }]);
    }
    const project = owned.find((candidate) => candidate.ownerType === type && candidate.number === Number(variables.number));
    if (!project) {
      return errors({ [field]: { projectV2: null } }, [
        { type: "NOT_FOUND", path: [field, "projectV2"], locations: [{ line: 2, column: 32 }], message: `Could not resolve to a ProjectV2 with the number ${String(variables.number)}.` },
      ]);
    }
    // The built-in fields come first and are not single-selects: the inline fragment makes them `{}`.
    const nodes = [{}, {}, ...project.fields.map((item) => ({ id: item.id, name: item.name, options: item.options }))];
    return data({ [field]: { projectV2: { id: project.id, title: project.title, fields: { nodes } } } });
  }

  #issueItems(variables: Record<string, unknown>): { status: number; body: unknown } {
    const fullName = `${String(variables.owner)}/${String(variables.repo)}`;
    const contentId = this.#host.issueNodeId(fullName, Number(variables.issue));
    if (!contentId) {
      return errors({ repository: null }, [{ type: "NOT_FOUND", path: ["repository"], locations: [{ line: 2, column: 3 }], message: `Could not resolve to a Repository with the name '${fullName}'.` }]);
    }
    const nodes = this.#projects.flatMap((project) => project.items.filter((item) => item.contentId === contentId).map((item) => ({ id: item.id, project: { id: project.id } })));
    return data({ repository: { issue: { id: contentId, projectItems: { nodes } } } });
  }

  #addItem(variables: Record<string, unknown>): { status: number; body: unknown } {
    const project = this.#projects.find((candidate) => candidate.id === variables.projectId);
    if (!project) return errors({ addProjectV2ItemById: null }, [{ type: "NOT_FOUND", path: ["addProjectV2ItemById"], message: `Could not resolve to a node with the global id of '${String(variables.projectId)}'` }]);
    const contentId = String(variables.contentId);
    // GitHub answers with the existing item when the content is on the project already.
    let item = project.items.find((candidate) => candidate.contentId === contentId);
    if (!item) {
      item = { id: `PVTI_${this.#host.newId()}`, contentId, values: new Map(), history: [] };
      project.items.push(item);
    }
    return data({ addProjectV2ItemById: { item: { id: item.id } } });
  }

  #setField(variables: Record<string, unknown>): { status: number; body: unknown } {
    const project = this.#projects.find((candidate) => candidate.id === variables.projectId);
    const item = project?.items.find((candidate) => candidate.id === variables.itemId);
    const field = project?.fields.find((candidate) => candidate.id === variables.fieldId);
    if (!project || !item || !field) {
      return errors({ updateProjectV2ItemFieldValue: null }, [{ type: "NOT_FOUND", path: ["updateProjectV2ItemFieldValue"], message: "Could not resolve to a node with the global id given." }]);
    }
    const option = field.options.find((candidate) => candidate.id === variables.optionId);
    if (!option) return errors({ updateProjectV2ItemFieldValue: null }, [{ path: ["updateProjectV2ItemFieldValue"], message: "The single select option Id does not belong to the field" }]);
    item.values.set(field.id, option.id);
    item.history.push(option.name);
    return data({ updateProjectV2ItemFieldValue: { projectV2Item: { id: item.id } } });
  }
}

function data(value: unknown): { status: number; body: unknown } {
  return { status: 200, body: { data: value } };
}

function errors(value: unknown, list: GraphqlError[]): { status: number; body: unknown } {
  return { status: 200, body: { data: value, errors: list } };
}
