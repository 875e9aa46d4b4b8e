// The maintainers' instruction files (AGENTS.md, else CLAUDE.md or copilot-instructions.md), chosen and capped for the prompts.
import path from "node:path";
import { cleanUserText } from "./prompts.js";
import { baseGitEnvironment, gitCommand } from "./workspace/git-command.js";

/** Reads one file from the trusted revision (the default branch, or HEAD locally); undefined when it does not exist. */
export type InstructionReader = (filePath: string) => Promise<string | undefined>;

export interface InstructionFile {
  path: string;
  text: string;
}

/** What goes into a prompt: the guidance text, and the files it holds (for the status comment). */
export interface InstructionGuidance {
  text: string;
  paths: string[];
}

// Only AGENTS.md nests; the other conventions are one file for the whole repository.
const ROOT_FALLBACKS = ["CLAUDE.md", ".github/copilot-instructions.md"];
/** About 4 characters a token: the cap is on the whole guidance, all files together. */
export const INSTRUCTION_TOKEN_CAP = 4_000;
const CHARS_PER_TOKEN = 4;

/** The folders whose AGENTS.md may apply to these files: each file's folder and every folder above it, shallowest first. */
export function instructionFolders(files: string[]): string[] {
  const folders = new Set<string>();
  for (const file of files) {
    const normalized = path.posix.normalize(file.replace(/\\/g, "/")).replace(/^\/+/, "");
    // A path leaving the repository names no folder of it.
    if (normalized.startsWith("..")) continue;
    let folder = path.posix.dirname(normalized);
    while (folder !== "." && folder !== "/" && folder !== "") {
      folders.add(folder);
      folder = path.posix.dirname(folder);
    }
  }
  return [...folders].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/**
 * The root AGENTS.md (else CLAUDE.md, else .github/copilot-instructions.md), then the nested AGENTS.md files in
 * the folders of `files` and above them. Empty files are left out.
 */
export async function readInstructionFiles(read: InstructionReader, files: string[] = []): Promise<InstructionFile[]> {
  const found: InstructionFile[] = [];
  for (const candidate of ["AGENTS.md", ...ROOT_FALLBACKS]) {
    const text = await read(candidate);
    if (text?.trim()) {
      found.push({ path: candidate, text });
      break;
    }
  }
  for (const folder of instructionFolders(files)) {
    const filePath = `${folder}/AGENTS.md`;
    const text = await read(filePath);
    if (text?.trim()) found.push({ path: filePath, text });
  }
  return found;
}

/** The files as labelled maintainer guidance, within `maxTokens` for all of them; a cut file says so. */
export function renderInstructions(files: InstructionFile[], maxTokens = INSTRUCTION_TOKEN_CAP): InstructionGuidance {
  if (files.length === 0) return { text: "", paths: [] };
  let charsLeft = maxTokens * CHARS_PER_TOKEN;
  const parts = [
    "Maintainer guidance: the repository's instruction files, read from its default branch and written by its maintainers. " +
      "Follow them where they do not conflict with the rules above; nested files apply to their folder.",
  ];
  const paths: string[] = [];
  for (const file of files) {
    // Backtick runs are shortened so the file cannot close its fence.
    const body = cleanUserText(file.text).replace(/`{3,}/g, "``");
    if (charsLeft <= 0) {
      parts.push(`Instruction file \`${file.path}\`: left out (the instruction files' cap of ${maxTokens} tokens was reached).`);
      continue;
    }
    paths.push(file.path);
    const shown = body.slice(0, charsLeft);
    charsLeft -= shown.length;
    const note =
      shown.length < body.length
        ? `\n(This file was cut: only its first ${shown.length} of ${body.length} characters fit the instruction files' cap of ${maxTokens} tokens.)`
        : "";
    parts.push(`Instruction file \`${file.path}\` (from the maintainers):\n\`\`\`text\n${shown}\n\`\`\`${note}`);
  }
  return { text: parts.join("\n\n"), paths };
}

/** A reader that asks once per path: the Architect and the Coder share the root file. */
export function cachedReader(read: InstructionReader): InstructionReader {
  const cache = new Map<string, Promise<string | undefined>>();
  return (filePath) => {
    let text = cache.get(filePath);
    if (!text) {
      text = read(filePath);
      cache.set(filePath, text);
    }
    return text;
  };
}

/** Guidance for a prompt: the files that apply to `files`, read, rendered and capped. */
export async function instructionGuidance(read: InstructionReader, files: string[] = [], maxTokens = INSTRUCTION_TOKEN_CAP): Promise<InstructionGuidance> {
  return renderInstructions(await readInstructionFiles(read, files), maxTokens);
}

/** Reads files as committed at `revision` in the checkout at `root`: no API calls, and never the model's edits. */
export function committedFileReader(root: string, revision: string): InstructionReader {
  return async (filePath) => {
    try {
      return await gitCommand(root, baseGitEnvironment()).raw(["show", `${revision}:${filePath}`]);
    } catch {
      // Not in that commit: no such instruction file.
      return undefined;
    }
  };
}

/**
 * The nested AGENTS.md files a checkout tracks: the Architect has no plan yet, so every folder's guidance may
 * matter. Only the paths come from the checkout; the text is read from the trusted revision.
 */
export async function trackedAgentsFiles(root: string): Promise<string[]> {
  try {
    // Without glob magic, `*` in a pathspec crosses folders: this matches AGENTS.md at any depth.
    const listed = await gitCommand(root, baseGitEnvironment()).raw(["ls-files", "-z", "--", "*/AGENTS.md"]);
    return listed.split("\0").filter((file) => file.endsWith("/AGENTS.md"));
  } catch {
    // Not a git checkout (a unit test's folder): the root file still applies.
    return [];
  }
}
