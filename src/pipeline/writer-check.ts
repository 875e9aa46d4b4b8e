// The pipeline's one question about permissions: may this user write to the repository? (Trust in prompts.)
import { isWriter, type Permission, type PermissionRequest } from "../github/permissions.js";

export type { PermissionRequest };

/** The permission lookup the pipeline is given (a cached API lookup, e.g. intake's PermissionCache). */
export interface PermissionLookup {
  lookup(request: PermissionRequest, repo: string, username: string): Promise<Permission>;
}

/**
 * Whether each user may write to `repo`, asked at most once per user: the answers last one run. A failed
 * lookup answers no, so text stays untrusted when GitHub cannot say otherwise.
 */
export function writerCheck(permissions: PermissionLookup, request: PermissionRequest, repo: string): (username: string) => Promise<boolean> {
  const answers = new Map<string, Promise<boolean>>();
  return (username) => {
    let answer = answers.get(username);
    if (!answer) {
      answer = permissions
        .lookup(request, repo, username)
        .then((permission) => isWriter(permission))
        .catch(() => false);
      answers.set(username, answer);
    }
    return answer;
  };
}
