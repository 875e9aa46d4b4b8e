// Builds the environment that hands git an installation token for one command, never touching disk or argv.

/**
 * Environment variables that make git send `Authorization: Basic x-access-token:<token>` to the
 * GitHub host at `baseUrl` (e.g. `https://github.com` or `http://127.0.0.1:1234`).
 *
 * `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` is config that lives only in the process environment, so the
 * token never reaches `.git/config`, the remote URL or the process list. The header is scoped to
 * the host URL, so a submodule or LFS server elsewhere never receives it. With the prompt and
 * askpass disabled, a refused token fails the command instead of waiting for a password.
 */
export function gitAuthEnv(token: string, baseUrl: string, settings: Array<[string, string]> = []): Record<string, string> {
  return {
    ...gitConfigEnv([...settings, gitAuthSetting(token, baseUrl)]),
    GIT_TERMINAL_PROMPT: "0",
    // Empty (not unset): git then asks no helper program, not even SSH_ASKPASS.
    GIT_ASKPASS: "",
  };
}

/** The `scheme://host[:port]` a clone URL's credentials belong to. */
export function gitHostUrl(cloneUrl: string): string {
  return new URL(cloneUrl).origin;
}

/** The `http.<host>/.extraHeader` setting carrying the token as HTTP Basic credentials. */
function gitAuthSetting(token: string, baseUrl: string): [string, string] {
  const credentials = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  return [`http.${baseUrl.replace(/\/+$/, "")}/.extraHeader`, `Authorization: Basic ${credentials}`];
}

/** Config for one git command through the environment (command-line scope: it outranks `.git/config`). */
export function gitConfigEnv(settings: Array<[string, string]>): Record<string, string> {
  const environment: Record<string, string> = { GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], index) => {
    environment[`GIT_CONFIG_KEY_${index}`] = key;
    environment[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return environment;
}
