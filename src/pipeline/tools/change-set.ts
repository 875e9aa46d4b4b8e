// The files the Coder changed through its tools, with their last written content: what a commit may hold.

export class ChangeSet {
  readonly #files = new Map<string, Buffer | null>();

  /** Records a write (content) or a deletion (null) of a path relative to the workspace root. */
  record(relative: string, content: string | Buffer | null): void {
    this.#files.set(relative, typeof content === "string" ? Buffer.from(content, "utf8") : content);
  }

  get size(): number {
    return this.#files.size;
  }

  /** Paths in the order they were first changed, each with its final content (null: deleted). */
  entries(): Array<[string, Buffer | null]> {
    return [...this.#files.entries()];
  }
}
