// `npm start` builds only when the sources changed since the last successful build (package.json's own scripts).
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const scripts = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/**
 * A project with the real prestart and build scripts, whose `tsc` only counts its runs (and emits, as tsc does,
 * dist/.tsbuildinfo even when it fails, when TSC_FAILS is set).
 */
function project(): { directory: string; builds: () => number; prestart: (env?: Record<string, string>) => Promise<number> } {
  const directory = mkdtempSync(path.join(tmpdir(), "venom-prestart-"));
  writeFileSync(path.join(directory, "package.json"), JSON.stringify({ name: "prestart-test", scripts: { prestart: scripts.prestart, build: scripts.build } }));
  writeFileSync(path.join(directory, "tsconfig.json"), "{}\n");
  mkdirSync(path.join(directory, "src/config"), { recursive: true });
  writeFileSync(path.join(directory, "src/main.ts"), "export {};\n");
  writeFileSync(path.join(directory, "src/config/env.ts"), "export {};\n");
  const bin = path.join(directory, "node_modules/.bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, "tsc"), '#!/bin/sh\necho run >> builds.log\nmkdir -p dist\n: > dist/.tsbuildinfo\n[ -z "$TSC_FAILS" ]\n');
  chmodSync(path.join(bin, "tsc"), 0o755);
  const log = path.join(directory, "builds.log");
  return {
    directory,
    builds: () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0),
    prestart: async (env = {}) => {
      try {
        await promisify(execFile)("npm", ["run", "-s", "prestart"], { cwd: directory, env: { ...process.env, ...env } });
        return 0;
      } catch (error) {
        return (error as { code?: number }).code ?? 1;
      }
    },
  };
}

/** As if the last build was a minute ago and every source older: only what changes next is newer than the stamp. */
function settle(directory: string): void {
  const age = (file: string, seconds: number) => {
    const when = new Date(Date.now() - seconds * 1000);
    utimesSync(file, when, when);
  };
  const walk = (file: string): void => {
    if (statSync(file).isDirectory()) readdirSync(file).forEach((name) => walk(path.join(file, name)));
    age(file, 120);
  };
  walk(path.join(directory, "src"));
  age(path.join(directory, "tsconfig.json"), 120);
  age(path.join(directory, "dist/.built"), 60);
}

describe("npm start's build step", () => {
  it("builds a fresh clone, then skips the build until a source, a folder's contents or tsconfig.json change", async () => {
    const { directory, builds, prestart } = project();
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(1);
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(1);

    settle(directory);
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(1);
    writeFileSync(path.join(directory, "src/config/env.ts"), "export const changed = 1;\n");
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(2);

    settle(directory);
    rmSync(path.join(directory, "src/config/env.ts"));
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(3);

    settle(directory);
    writeFileSync(path.join(directory, "tsconfig.json"), '{ "compilerOptions": {} }\n');
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(4);
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(4);
  });

  it("keeps building (and failing) after a failed build, though tsc wrote its build info", async () => {
    const { builds, prestart } = project();
    expect(await prestart({ TSC_FAILS: "1" })).not.toBe(0);
    expect(await prestart({ TSC_FAILS: "1" })).not.toBe(0);
    expect(builds()).toBe(2);
    expect(await prestart()).toBe(0);
    expect(await prestart()).toBe(0);
    expect(builds()).toBe(3);
  });
});
