// Caps how many request bodies are read at once before anything proves who sent them (memory stays bounded).

export interface ReadGate {
  /** Takes a slot: a function that frees it (safe to call twice), or undefined when every slot is taken. */
  enter(): (() => void) | undefined;
  /** Slots taken now. */
  readonly active: number;
}

export function createReadGate(maxConcurrent: number): ReadGate {
  let active = 0;
  return {
    enter() {
      if (active >= maxConcurrent) return undefined;
      active += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        active -= 1;
      };
    },
    get active() {
      return active;
    },
  };
}
