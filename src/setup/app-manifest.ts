// The GitHub App manifest the setup page posts: app.yml, plus the URLs only the running server knows.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export type Manifest = Record<string, unknown>;

/** app.yml from the first directory that has one (the working directory first, as Probot did, then the install). */
export function readAppYml(directories: string[]): Manifest {
  for (const directory of directories) {
    const file = path.join(directory, "app.yml");
    if (!existsSync(file)) continue;
    const parsed: unknown = parse(readFileSync(file, "utf8"));
    if (!isRecord(parsed)) throw new Error(`${file} is not a YAML mapping; restore it from the repository.`);
    return parsed;
  }
  return {};
}

export interface ManifestUrls {
  /** Where this setup server is reached from the browser: GitHub sends it back to `<baseUrl>/probot/setup`. */
  baseUrl: string;
  /** Where GitHub will deliver webhooks (the smee channel, VENOM_PUBLIC_URL's webhook path, or this server's). */
  webhookUrl: string;
}

/**
 * app.yml wins over the package's defaults; the webhook and redirect URLs are always this server's, since a URL
 * written in app.yml cannot know the smee channel or the address the App is registered from.
 */
export function buildManifest(appYml: Manifest, urls: ManifestUrls, fallback: { name: string; description: string }): Manifest {
  const hook = isRecord(appYml.hook_attributes) ? appYml.hook_attributes : {};
  return {
    name: fallback.name,
    description: fallback.description,
    url: "https://github.com/",
    public: false,
    ...appYml,
    hook_attributes: { ...hook, url: urls.webhookUrl },
    redirect_url: `${urls.baseUrl}/probot/setup`,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
