// Where the per-repository settings live (read from the default branch).
export const REPO_CONFIG_PATH = ".github/venom.yml";
