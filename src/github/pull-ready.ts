// A draft pull request marked ready for review: GraphQL only (REST cannot change a PR's draft state).
import type { GraphqlCall } from "./project-board.js";

export const MARK_READY_MUTATION = `mutation VenomMarkReady($pullRequestId: ID!) {
  markPullRequestReadyForReview(input: { pullRequestId: $pullRequestId }) { pullRequest { id isDraft } }
}`;

export async function markReadyForReview(graphql: GraphqlCall, pullRequestNodeId: string): Promise<void> {
  await graphql(MARK_READY_MUTATION, { pullRequestId: pullRequestNodeId });
}
