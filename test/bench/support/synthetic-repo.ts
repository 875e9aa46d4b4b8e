// Builds a large, realistic-looking repository with history straight into a bare repo, through `git fast-import`.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface SyntheticRepoOptions {
  /** Files at the tip (default 5,000). */
  files?: number;
  /** Commits written on top of the bare repo's current default branch (default 20; the first adds every file). */
  commits?: number;
  /** Share of the files each later commit edits (default 0.2). */
  touchedShare?: number;
  /** Seed of the pseudo-random generator, so every run builds the same repository. */
  seed?: number;
  /** Files whose content is given as is (added by the first commit, never edited later). */
  fixedFiles?: Record<string, string>;
}

export interface SyntheticRepo {
  /** Paths at the tip, sorted. */
  paths: string[];
  /** Directories holding at least one file. */
  directories: number;
  /** Bytes of all files at the tip. */
  tipBytes: number;
  /** Blob versions written over the whole history (the first commit's files included). */
  blobVersions: number;
  commits: number;
  /** Size of the bare repo's packs after `git repack -adf`, in bytes. */
  packBytes: number;
}

const modules = ["core", "api", "auth", "billing", "cli", "config", "db", "events", "http", "jobs"];
const layers = ["handlers", "models", "services", "utils", "validators", "adapters", "middleware", "schemas", "queries", "types"];
const words = [
  "account", "invoice", "session", "token", "order", "payment", "customer", "ledger", "report", "schedule",
  "retry", "cache", "queue", "event", "user", "policy", "quota", "webhook", "export", "import",
  "audit", "metric", "tenant", "profile", "address", "refund", "discount", "catalog", "shipment", "notice",
];
const verbs = ["load", "save", "build", "parse", "validate", "format", "resolve", "compute", "merge", "normalize", "fetch", "apply"];

/** mulberry32: small, fast and good enough for filler content. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Filler {
  readonly #random: () => number;
  constructor(seed: number) {
    this.#random = generator(seed);
  }
  next(): number {
    return this.#random();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.#random() * list.length)] as T;
  }
  identifier(): string {
    const noun = this.pick(words);
    return `${this.pick(verbs)}${noun[0]?.toUpperCase() ?? ""}${noun.slice(1)}${this.int(0, 99)}`;
  }
  hex(length: number): string {
    let text = "";
    while (text.length < length) text += Math.floor(this.#random() * 0x100000000).toString(16).padStart(8, "0");
    return text.slice(0, length);
  }

  /** One exported TypeScript function of roughly 250–700 bytes. */
  tsBlock(): string {
    const name = this.identifier();
    const noun = this.pick(words);
    const lines = [
      `/** ${this.pick(verbs)}s the ${noun} (${this.hex(8)}); see ${this.pick(words)}-${this.int(1, 999)}. */`,
      `export function ${name}(input: ${noun[0]?.toUpperCase() ?? ""}${noun.slice(1)}Input, limit = ${this.int(1, 500)}): Result<${this.pick(["string", "number", "boolean"])}> {`,
    ];
    for (let statement = this.int(3, 10); statement > 0; statement -= 1) {
      const variable = `${this.pick(words)}${this.int(0, 9)}`;
      switch (this.int(0, 3)) {
        case 0:
          lines.push(`  const ${variable} = input.${this.pick(words)}?.${this.pick(words)} ?? ${this.int(0, 10_000)};`);
          break;
        case 1:
          lines.push(`  if (input.${this.pick(words)}.length > limit) return { ok: false, error: "${this.pick(words)} over limit ${this.hex(6)}" };`);
          break;
        case 2:
          lines.push(`  for (const item of input.${this.pick(words)}s) total += item.${this.pick(words)} * ${(this.next() * 10).toFixed(3)};`);
          break;
        default:
          lines.push(`  log.debug("${this.pick(verbs)} ${this.pick(words)}", { id: input.id, ${this.pick(words)}: ${this.int(0, 999)} });`);
      }
    }
    lines.push(`  return { ok: true, value: ${this.identifier()}(input) };`, "}", "");
    return lines.join("\n");
  }

  /** A Markdown section of roughly 300–900 bytes. */
  mdBlock(): string {
    const sentences = Array.from({ length: this.int(4, 12) }, () => {
      const length = this.int(6, 16);
      const text = Array.from({ length }, () => this.pick([...words, ...verbs, "the", "a", "with", "for", "when", "and"])).join(" ");
      return `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}.`;
    });
    return `## ${this.pick(verbs)} ${this.pick(words)} ${this.int(1, 99)}\n\n${sentences.join(" ")}\n`;
  }
}

interface FileState {
  path: string;
  kind: "ts" | "md" | "fixed";
  header: string;
  blocks: string[];
  fixed?: string;
}

function render(file: FileState): string {
  return file.kind === "fixed" ? (file.fixed ?? "") : `${file.header}${file.blocks.join("\n")}`;
}

function generatedPaths(count: number): { path: string; kind: "ts" | "md" }[] {
  const paths: { path: string; kind: "ts" | "md" }[] = [];
  const testCount = Math.round(count * 0.05);
  const docsCount = Math.round(count * 0.008);
  const sourceCount = count - testCount - docsCount;
  const directories = modules.flatMap((module) => layers.map((layer) => `src/${module}/${layer}`));
  for (let index = 0; index < sourceCount; index += 1) {
    const directory = directories[index % directories.length] as string;
    const serial = Math.floor(index / directories.length);
    const base = `${words[serial % words.length]}-${verbs[Math.floor(serial / words.length) % verbs.length]}`;
    paths.push({ path: `${directory}/${base}${serial >= words.length * verbs.length ? `-${serial}` : ""}.ts`, kind: "ts" });
  }
  for (let index = 0; index < testCount; index += 1) {
    const module = modules[index % modules.length] as string;
    paths.push({ path: `test/${module}/${words[Math.floor(index / modules.length) % words.length]}-${index}.test.ts`, kind: "ts" });
  }
  for (let index = 0; index < docsCount; index += 1) {
    paths.push({ path: `docs/${modules[index % modules.length]}/${words[index % words.length]}-${index}.md`, kind: "md" });
  }
  return paths;
}

/** Size-targeted content: blocks are added until the file reaches its size (2–8 KB). */
function newFile(filler: Filler, path: string, kind: "ts" | "md"): FileState {
  const target = filler.int(2_048, 8_192);
  const header =
    kind === "ts"
      ? `// ${path}: ${filler.pick(verbs)}s ${filler.pick(words)} records.\nimport { log } from "../../core/utils/log.js";\nimport type { Result } from "../../core/types/result.js";\n\n`
      : `# ${path}\n\n`;
  const blocks: string[] = [];
  let size = header.length;
  while (size < target) {
    const block = kind === "ts" ? filler.tsBlock() : filler.mdBlock();
    blocks.push(block);
    size += block.length + 1;
  }
  return { path, kind, header, blocks };
}

/** Edits a file like a commit would: rewrites one to three blocks, sometimes adds or drops one. */
function edit(filler: Filler, file: FileState): void {
  const fresh = (): string => (file.kind === "ts" ? filler.tsBlock() : filler.mdBlock());
  for (let count = filler.int(1, 3); count > 0; count -= 1) {
    file.blocks[filler.int(0, file.blocks.length - 1)] = fresh();
  }
  const roll = filler.next();
  if (roll < 0.3) file.blocks.push(fresh());
  else if (roll < 0.45 && file.blocks.length > 2) file.blocks.splice(filler.int(0, file.blocks.length - 1), 1);
}

function rootFiles(): Record<string, string> {
  return {
    "package.json": `${JSON.stringify(
      {
        name: "acme-platform",
        version: "4.12.0",
        private: true,
        type: "module",
        scripts: { build: "tsc -p .", test: "vitest run", lint: "eslint ." },
        dependencies: { zod: "^4.0.0", pino: "^10.0.0" },
        devDependencies: { typescript: "^5.9.0", vitest: "^4.1.0", eslint: "^9.0.0" },
      },
      null,
      2,
    )}\n`,
    "README.md": "# acme-platform\n\nThe billing, accounts and events platform of Acme.\n\n## Layout\n\n- `src/<module>/<layer>/`: the code\n- `test/`: tests\n- `docs/`: documentation\n",
    "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", strict: true, outDir: "dist" }, include: ["src"] }, null, 2)}\n`,
    ".gitignore": "node_modules/\ndist/\ncoverage/\n",
    LICENSE: "MIT License\n\nCopyright (c) Acme\n",
    "CHANGELOG.md": "# Changelog\n\n## 4.12.0\n\n- Faster invoices.\n",
    ".editorconfig": "root = true\n\n[*]\nindent_style = space\nindent_size = 2\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test\n",
    "eslint.config.js": 'export default [{ ignores: ["dist/**"] }];\n',
  };
}

/** Writes the data to a child's stdin, waiting whenever the pipe is full. */
async function writeAll(stream: NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
}

function gitEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) environment[key] = value;
  return { ...environment, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

/**
 * Appends `commits` commits to `branch` of the bare repo at `bare`: the first adds `files` files
 * (`src/<module>/<layer>/*.ts` across 100 directories, `test/`, `docs/`, root files and `fixedFiles`),
 * each later one edits `touchedShare` of them. Then repacks, as a hosted repository would be.
 */
export async function buildSyntheticRepo(bare: string, branch: string, options: SyntheticRepoOptions = {}): Promise<SyntheticRepo> {
  const total = options.files ?? 5_000;
  const commits = options.commits ?? 20;
  const touchedShare = options.touchedShare ?? 0.2;
  const filler = new Filler(options.seed ?? 20_240_601);
  const fixed = { ...rootFiles(), ...(options.fixedFiles ?? {}) };
  const files: FileState[] = Object.entries(fixed).map(([path, content]) => ({ path, kind: "fixed", header: "", blocks: [], fixed: content }));
  for (const { path, kind } of generatedPaths(total - files.length)) files.push(newFile(filler, path, kind));
  const editable = files.filter((file) => file.kind !== "fixed");

  const parent = (await execFileAsync("git", ["rev-parse", "--verify", `refs/heads/${branch}^{commit}`], { cwd: bare, env: gitEnvironment() })).stdout.trim();
  const child = spawn("git", ["fast-import", "--quiet", "--force", "--done"], { cwd: bare, env: gitEnvironment(), stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });

  let blobVersions = 0;
  const start = Math.floor(Date.UTC(2024, 0, 1) / 1000);
  for (let commit = 0; commit < commits; commit += 1) {
    const changed = commit === 0 ? files : editable.filter(() => filler.next() < touchedShare);
    if (commit > 0) for (const file of changed) edit(filler, file);
    const when = start + commit * 86_400 * 3;
    const message = commit === 0 ? "Import the platform" : `${filler.pick(verbs)} ${filler.pick(words)} handling across modules (#${100 + commit})`;
    const messageBytes = Buffer.byteLength(message);
    await writeAll(
      child.stdin,
      `commit refs/heads/${branch}\ncommitter Acme Dev <dev@acme.example> ${when} +0000\ndata ${messageBytes}\n${message}\n${commit === 0 ? `from ${parent}\n` : ""}`,
    );
    for (const file of changed) {
      const content = Buffer.from(render(file), "utf8");
      await writeAll(child.stdin, `M 100644 inline ${file.path}\ndata ${content.length}\n`);
      await writeAll(child.stdin, content);
      await writeAll(child.stdin, "\n");
      blobVersions += 1;
    }
    await writeAll(child.stdin, "\n");
  }
  await writeAll(child.stdin, "done\n");
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import exited with ${String(code)}: ${stderr}`);

  await execFileAsync("git", ["repack", "-a", "-d", "-f", "-q"], { cwd: bare, env: gitEnvironment(), maxBuffer: 64 * 1024 * 1024 });
  const counts = (await execFileAsync("git", ["count-objects", "-v"], { cwd: bare, env: gitEnvironment() })).stdout;
  const sizePackKib = Number(/^size-pack:\s*(\d+)/m.exec(counts)?.[1] ?? 0);

  const paths = files.map((file) => file.path).sort();
  return {
    paths,
    directories: new Set(paths.map((path) => path.split("/").slice(0, -1).join("/"))).size,
    tipBytes: files.reduce((sum, file) => sum + Buffer.byteLength(render(file)), 0),
    blobVersions,
    commits,
    packBytes: sizePackKib * 1024,
  };
}
