// The app's own package: where it is installed (app.yml sits there), its name, version and description.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface PackageInfo {
  /** The directory holding package.json: the checkout, or the installed copy. */
  root: string;
  name: string;
  version: string;
  description: string;
}

let cached: PackageInfo | undefined;

/** Walks up from this module to the first package.json, so it works from src/ (tsx) and from dist/src/ alike. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let directory = start; ; directory = path.dirname(directory)) {
    const file = path.join(directory, "package.json");
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as Partial<Record<"name" | "version" | "description", string>>;
      cached = { root: directory, name: json.name ?? "venom-integrator", version: json.version ?? "0.0.0", description: json.description ?? "" };
      return cached;
    }
    if (path.dirname(directory) === directory) throw new Error(`No package.json above ${start}; reinstall Venom Integrator.`);
  }
}
