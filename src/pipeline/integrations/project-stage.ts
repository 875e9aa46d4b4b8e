// The issue's GitHub project item follows the run (running → review, or failed): best effort, problems as status lines.
import type { ProjectSettings } from "../../config/repo-config.js";
import type { Octokit } from "../../github/clients.js";
import { ProjectBoard, type GraphqlCall } from "../../github/project-board.js";
import type { IssueRun } from "../issue-run.js";

export type ProjectStage = keyof ProjectSettings["values"];

/** One board per run: the project, field and option ids are resolved once and reused by the run's later stages. */
const boards = new WeakMap<IssueRun, ProjectBoard>();

export function projectBoard(octokit: Octokit, settings: ProjectSettings): ProjectBoard {
  const graphql: GraphqlCall = (query, variables) => octokit.graphql(query, variables);
  return new ProjectBoard(graphql, settings);
}

/**
 * Moves the issue's item to the stage's option when `project:` is configured. Never throws: a missing project,
 * field or option, or a GraphQL error, becomes a status line (`notes["project:<stage>"]`); the run goes on.
 * Returns whether the status comment has something new to show.
 */
export async function moveProjectItem(run: IssueRun, stage: ProjectStage): Promise<boolean> {
  const settings = run.artifacts.repoConfig?.project;
  const octokit = run.artifacts.octokit;
  if (!settings || !octokit) return false;
  let board = boards.get(run);
  if (!board) {
    board = projectBoard(octokit, settings);
    boards.set(run, board);
  }
  const problem = await board.moveIssue(run.job.repo, run.job.issue, settings.values[stage]);
  if (problem === undefined) {
    run.log.debug({ stage }, "Project item moved");
    return false;
  }
  run.log.warn({ stage, problem }, "Project item not moved");
  run.record({ notes: { ...run.checkpoint.attempt.notes, [`project:${stage}`]: problem } });
  return true;
}
