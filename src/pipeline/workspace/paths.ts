// Turns a model-supplied path into a safe absolute path inside the workspace, or says why it is refused.
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";

export { DEFAULT_PROTECTED_PATHS } from "../../config/protected-paths.js";

export type SafePath = { ok: true; absolute: string; relative: string } | { ok: false; error: string };

/**
 * Resolves `relative` against the workspace `root`. Refused: absolute paths, anything outside the
 * root (lexically or through a symbolic link), anything inside a `.git` directory, anything matching
 * `protectedGlobs` (picomatch, dot files included). Both the path as written and the path it really
 * points to are checked, so a link inside the repository cannot lead into `.git` or a protected file.
 */
export async function resolveSafePath(root: string, relative: string, protectedGlobs: string[]): Promise<SafePath> {
  const shown = JSON.stringify(relative);
  if (relative.includes("\0")) return refuse(`path ${shown} contains a NUL character; remove it.`);
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) {
    return refuse(`path ${shown} is absolute; use a path relative to the repository root.`);
  }
  const absolute = path.resolve(root, relative);
  const written = locate(root, absolute, protectedGlobs);
  if (typeof written !== "string") return refuse(explain(written, shown, protectedGlobs, ""));

  const real = await realLocation(absolute);
  if (real === undefined) {
    return refuse(`path ${shown} is a broken symbolic link; use the file it was meant to point to.`);
  }
  const followed = locate(await realpath(root), real, protectedGlobs);
  if (typeof followed !== "string") {
    return refuse(explain(followed, shown, protectedGlobs, " through a symbolic link"));
  }
  return { ok: true, absolute, relative: written };
}

/**
 * Tells whether a POSIX relative path matches one of `globs`. Case-insensitive, so a case-insensitive
 * file system cannot be used to slip past `.github/workflows/**`.
 */
export function protectedPathMatcher(globs: string[]): (relative: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs, { dot: true, nocase: true });
}

type Problem = { problem: "outside" | "git" | "protected" };

function refuse(message: string): { ok: false; error: string } {
  return { ok: false, error: `Error: ${message}` };
}

function explain({ problem }: Problem, shown: string, protectedGlobs: string[], via: string): string {
  switch (problem) {
    case "outside":
      return `path ${shown} is outside the repository${via}; use a path relative to the repository root.`;
    case "git":
      return `path ${shown} is inside .git${via}, which tools may not read or change; pick a file of the project.`;
    case "protected":
      return (
        `path ${shown} is protected${via} by this repository's protected_paths (${protectedGlobs.join(", ")}); ` +
        "leave it unchanged and work on other files."
      );
  }
}

/** The POSIX path of `absolute` relative to `root` (`.` for the root itself), or why it is refused. */
function locate(root: string, absolute: string, protectedGlobs: string[]): string | Problem {
  const relative = path.relative(root, absolute);
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    return { problem: "outside" };
  }
  const posix = relative.split(path.sep).join("/");
  if (posix.split("/").some((segment) => segment.toLowerCase() === ".git")) return { problem: "git" };
  if (posix !== "" && protectedPathMatcher(protectedGlobs)(posix)) return { problem: "protected" };
  return posix === "" ? "." : posix;
}

/**
 * Where `absolute` really is: the real path of its deepest existing ancestor with the missing
 * remainder appended. Undefined for a dangling link, which a write would follow to an unknown place.
 */
async function realLocation(absolute: string): Promise<string | undefined> {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing);
    } catch {
      const dangling = await lstat(current).then(
        (stats) => stats.isSymbolicLink(),
        () => false,
      );
      if (dangling) return undefined;
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}
