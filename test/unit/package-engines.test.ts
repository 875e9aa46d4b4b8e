// package.json's engines tell the truth: the oldest Node it admits runs every runtime dependency but the one README names.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// npm's own range semantics (semver is in the installed tree, hoisted from the runtime dependencies).
const semver = createRequire(import.meta.url)("semver") as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(root, file), "utf8")) as T;
const pkg = readJson<{ engines: { node: string } }>("package.json");
const lock = readJson<{ packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }> }>("package-lock.json");

describe("engines.node", () => {
  it("admits no Node a runtime dependency refuses, except content-type (documented in README: Node.js version)", () => {
    const floor = semver.minVersion(pkg.engines.node)?.version ?? "";
    const refusing = Object.entries(lock.packages)
      .filter(([location, info]) => location !== "" && !info.dev && info.engines?.node && !semver.satisfies(floor, info.engines.node))
      .map(([location, info]) => `${location.replace(/^.*node_modules\//, "")}@${info.version}`);
    expect(refusing).toEqual(["content-type@3.1.1"]);
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toContain("EBADENGINE … content-type@3.1.1");
  });

  it("admits the Node running these tests", () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});
