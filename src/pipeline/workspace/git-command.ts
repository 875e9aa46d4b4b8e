// How the app runs git: a minimal inherited environment, safe settings, failures in plain words.
import { simpleGit, type SimpleGit } from "simple-git";
import { errorMessage, permanentError, transientError, VenomError } from "../../errors.js";
import { gitConfigEnv } from "./git-auth.js";

/** Variables git may inherit: enough to find its binary, global config and proxies, nothing else. */
const inheritedVariables = [
  "PATH",
  "HOME",
  "USER",
  "TMPDIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

/** No output from git for this long means it is stuck (a dead connection); simple-git kills it. */
const silenceTimeoutMs = 5 * 60_000;

/**
 * Settings every git command of the app runs with, at command-line scope so nothing in `.git/config`
 * (which checks could reach in VENOM_SANDBOX=none) overrides them: no hooks, no fsmonitor program.
 */
export const SAFE_GIT_SETTINGS: Array<[string, string]> = [
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
];

export function baseGitEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  // English messages: push rejections are recognised by their text. Never wait for a password.
  return { ...environment, ...gitConfigEnv(SAFE_GIT_SETTINGS), LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" };
}

/** Makes simple-git reject on any non-zero exit, not only when git also wrote to stderr. */
function failOnExitCode(
  error: Buffer | Error | undefined,
  result: { stdOut: Buffer[]; stdErr: Buffer[]; exitCode: number },
): Buffer | Error | undefined {
  if (error) return error;
  if (result.exitCode === 0) return undefined;
  return Buffer.concat([...result.stdErr, ...result.stdOut, Buffer.from(`(exit code ${result.exitCode})`)]);
}

export function gitCommand(baseDir: string, environment: Record<string, string>): SimpleGit {
  return simpleGit({
    baseDir,
    timeout: { block: silenceTimeoutMs },
    errors: failOnExitCode,
    // These are our own settings, never model or user input: the env-scoped auth header,
    // the empty askpass, hooks and fsmonitor turned off.
    unsafe: { allowUnsafeAskPass: true, allowUnsafeConfigEnvCount: true, allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
  }).env(environment);
}

/** What git prints when the server answered 401: it wanted other credentials (and may not prompt for them). */
export function tokenRefused(error: unknown): boolean {
  return /authentication failed|could not read username|invalid username or (?:password|token)|\b401\b/i.test(errorMessage(error));
}

/** A failed network git command: transient unless the server said no in a way a retry cannot fix. */
export function remoteFailure(action: string, error: unknown): VenomError {
  const detail = errorMessage(error).trim();
  const message = `git ${action} failed: ${detail}`;
  if (/not found|does not exist|denied|403|authentication failed|could not read username/i.test(detail)) {
    return permanentError(message, { cause: error });
  }
  return transientError(message, { cause: error });
}

/** Refuses a name git would read as an option or reject as a ref, before any command uses it. */
export async function assertBranchName(git: SimpleGit, name: string): Promise<void> {
  try {
    if (name.startsWith("-")) throw new Error("starts with -");
    await git.raw(["check-ref-format", "--branch", name]);
  } catch (error) {
    throw permanentError(`"${name}" is not a valid branch name; check branch_prefix in .github/venom.yml`, {
      cause: error,
    });
  }
}

export async function localBranchExists(git: SimpleGit, name: string): Promise<boolean> {
  try {
    await git.raw(["show-ref", "--verify", "--quiet", `refs/heads/${name}`]);
    return true;
  } catch {
    return false;
  }
}
