// GitHub Projects (v2) over GraphQL: puts an issue on a project and sets its single-select field, never throwing.

/** `octokit.graphql`: it posts to `/graphql` (github.com) or `/api/graphql` (GHE, derived from the REST base URL). */
export type GraphqlCall = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

export interface ProjectTarget {
  owner: string;
  number: number;
  /** The single-select field's name, e.g. "Status". */
  field: string;
}

interface ResolvedProject {
  projectId: string;
  fieldId: string;
  /** Option name (as the project spells it) → option id. */
  options: Map<string, string>;
  /** How the project is named in status lines: "project octo-org#5". */
  label: string;
}

interface ProjectFields {
  id: string;
  title?: string;
  fields: { nodes: Array<{ id?: string; name?: string; options?: Array<{ id: string; name: string }> } | null> };
}

const FIELDS = `id title fields(first: 50) { nodes { ... on ProjectV2SingleSelectField { id name options { id name } } } }`;
export const ORGANIZATION_PROJECT_QUERY = `query VenomOrganizationProject($owner: String!, $number: Int!) {
  organization(login: $owner) { projectV2(number: $number) { ${FIELDS} } }
}`;
export const USER_PROJECT_QUERY = `query VenomUserProject($owner: String!, $number: Int!) {
  user(login: $owner) { projectV2(number: $number) { ${FIELDS} } }
}`;
export const ISSUE_ITEMS_QUERY = `query VenomIssueItems($owner: String!, $repo: String!, $issue: Int!) {
  repository(owner: $owner, name: $repo) { issue(number: $issue) { id projectItems(first: 50) { nodes { id project { id } } } } }
}`;
export const ADD_ITEM_MUTATION = `mutation VenomAddItem($projectId: ID!, $contentId: ID!) {
  addProjectV2ItemById(input: { projectId: $projectId, contentId: $contentId }) { item { id } }
}`;
export const SET_FIELD_MUTATION = `mutation VenomSetField($projectId: ID!, $itemId: ID!, $fieldId: ID!, $optionId: String!) {
  updateProjectV2ItemFieldValue(input: { projectId: $projectId, itemId: $itemId, fieldId: $fieldId, value: { singleSelectOptionId: $optionId } }) {
    projectV2Item { id }
  }
}`;

/** A problem the status comment shows: the run goes on. */
export class ProjectProblem extends Error {}

/**
 * One project for one run: the project, field and option ids are resolved by name once and kept, as is the
 * issue's item. `moveIssue` answers undefined when the field was set, else the line the status comment shows.
 */
export class ProjectBoard {
  readonly #graphql: GraphqlCall;
  readonly #target: ProjectTarget;
  #resolved: Promise<ResolvedProject> | undefined;
  readonly #items = new Map<string, Promise<string>>();

  constructor(graphql: GraphqlCall, target: ProjectTarget) {
    this.#graphql = graphql;
    this.#target = target;
  }

  /** Sets the field of `repo#issue`'s item to `option`, adding the issue to the project first when it is not on it. */
  async moveIssue(repo: string, issue: number, option: string): Promise<string | undefined> {
    const where = `project ${this.#target.owner}#${this.#target.number}`;
    try {
      const project = await this.#resolve();
      const optionId = project.options.get(option.toLowerCase());
      if (optionId === undefined) {
        const known = [...project.options.keys()].join(", ") || "none";
        return `Project: ${project.label} has no "${option}" option in field "${this.#target.field}" (options: ${known}); the item was not moved.`;
      }
      const itemId = await this.#item(project, repo, issue);
      await this.#graphql(SET_FIELD_MUTATION, { projectId: project.projectId, itemId, fieldId: project.fieldId, optionId });
      return undefined;
    } catch (error) {
      if (error instanceof ProjectProblem) return `Project: ${error.message}`;
      return `Project: could not set "${this.#target.field}" to "${option}" on ${where}: ${graphqlMessage(error)}.`;
    }
  }

  #resolve(): Promise<ResolvedProject> {
    // A failed resolution is not kept: the next stage of the run asks again (the project may be fixed meanwhile).
    this.#resolved ??= this.#lookup().catch((error: unknown) => {
      this.#resolved = undefined;
      throw error;
    });
    return this.#resolved;
  }

  async #lookup(): Promise<ResolvedProject> {
    const { owner, number, field } = this.#target;
    const variables = { owner, number };
    let project: ProjectFields | null | undefined;
    try {
      project = ((await this.#graphql(ORGANIZATION_PROJECT_QUERY, variables)) as { organization?: { projectV2?: ProjectFields | null } | null }).organization
        ?.projectV2;
    } catch (error) {
      // Not an organisation: the same project number on a user.
      if (!notFoundAt(error, "organization")) throw asProblem(error, owner, number);
      try {
        project = ((await this.#graphql(USER_PROJECT_QUERY, variables)) as { user?: { projectV2?: ProjectFields | null } | null }).user?.projectV2;
      } catch (userError) {
        throw asProblem(userError, owner, number);
      }
    }
    if (!project) throw new ProjectProblem(`no project ${number} found for ${owner}; check \`project.owner\` and \`project.number\` in .github/venom.yml.`);
    const label = `"${project.title ?? number}" (${owner}#${number})`;
    const found = project.fields.nodes.find((node) => node?.id && node.name?.toLowerCase() === field.toLowerCase());
    if (!found?.id) throw new ProjectProblem(`${label} has no single-select field "${field}"; check \`project.field\` in .github/venom.yml.`);
    const options = new Map((found.options ?? []).map((option) => [option.name.toLowerCase(), option.id] as const));
    return { projectId: project.id, fieldId: found.id, options, label };
  }

  #item(project: ResolvedProject, repo: string, issue: number): Promise<string> {
    const key = `${repo}#${issue}`.toLowerCase();
    let item = this.#items.get(key);
    if (!item) {
      item = this.#findOrAddItem(project, repo, issue);
      item.catch(() => this.#items.delete(key));
      this.#items.set(key, item);
    }
    return item;
  }

  async #findOrAddItem(project: ResolvedProject, repo: string, issue: number): Promise<string> {
    const [owner = "", name = ""] = repo.split("/");
    const data = (await this.#graphql(ISSUE_ITEMS_QUERY, { owner, repo: name, issue })) as {
      repository?: { issue?: { id: string; projectItems?: { nodes: Array<{ id: string; project?: { id: string } | null } | null> } } | null } | null;
    };
    const found = data.repository?.issue;
    if (!found) throw new ProjectProblem(`issue ${repo}#${issue} was not found.`);
    const existing = found.projectItems?.nodes.find((node) => node?.project?.id === project.projectId);
    if (existing) return existing.id;
    const added = (await this.#graphql(ADD_ITEM_MUTATION, { projectId: project.projectId, contentId: found.id })) as {
      addProjectV2ItemById?: { item?: { id: string } | null } | null;
    };
    const id = added.addProjectV2ItemById?.item?.id;
    if (!id) throw new ProjectProblem(`GitHub did not add ${repo}#${issue} to ${project.label}.`);
    return id;
  }
}

interface GraphqlErrorShape {
  status?: number;
  message?: string;
  errors?: Array<{ type?: string; message?: string; path?: Array<string | number> }>;
}

function notFoundAt(error: unknown, field: string): boolean {
  const errors = (error as GraphqlErrorShape).errors ?? [];
  return errors.some((item) => item.type === "NOT_FOUND" && item.path?.length === 1 && item.path[0] === field);
}

function asProblem(error: unknown, owner: string, number: number): Error {
  const errors = (error as GraphqlErrorShape).errors ?? [];
  if (errors.some((item) => item.type === "NOT_FOUND")) {
    return new ProjectProblem(`no project ${number} found for ${owner} (${graphqlMessage(error)}); check \`project\` in .github/venom.yml.`);
  }
  return error as Error;
}

/** GraphQL's first error message, or the HTTP failure (403: the App lacks the projects permission). */
function graphqlMessage(error: unknown): string {
  const shaped = error as GraphqlErrorShape;
  const first = shaped.errors?.[0]?.message;
  if (first) return oneLine(first);
  if (shaped.status === 401 || shaped.status === 403) {
    return `GitHub answered ${shaped.status} (the App needs the "Projects" organization permission: read and write)`;
  }
  return oneLine(shaped.message ?? String(error));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
