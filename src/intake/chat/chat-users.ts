// Maps a chat user (Slack user id, Teams AAD object id or account id) to the GitHub login it acts as.

/** The login of the first id that is mapped, or undefined: an unmapped chat user acts as nobody. */
export function githubLoginFor(users: Readonly<Record<string, string>>, ids: ReadonlyArray<string | undefined>): string | undefined {
  for (const id of ids) {
    if (id && Object.hasOwn(users, id)) return users[id];
  }
  return undefined;
}
