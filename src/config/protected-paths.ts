// The paths the model may never touch in any repository: git's own files, everything GitHub reads from `.github/`, and CI definitions.

/**
 * A push to the app's branch runs the repository's CI like any collaborator's push, so a file that defines
 * what CI runs (or who reviews, or which secrets a workflow gets) is as powerful as a token: the model
 * must not write it. `.github/venom.yml`, the app's own settings, is covered by `.github/**`.
 */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  ".git/**",
  ".github/**",
  ".gitlab-ci.yml",
  ".circleci/**",
  "Jenkinsfile",
  "azure-pipelines.yml",
  ".travis.yml",
  "bitbucket-pipelines.yml",
];
