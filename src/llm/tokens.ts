// Token accounting: a cheap estimate for servers that send no usage, and the per-run budget shared by every loop.

/** Roughly four characters per token: good enough to budget with when the server reports no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The budget for one run, shared (and mutated) by the Architect and the Coder loops. */
export interface TokenBudget {
  used: number;
  max: number;
}

/** Counts the tokens one caller spent and charges them to a shared budget as it goes. */
export class TokenMeter {
  promptTokens = 0;
  completionTokens = 0;

  constructor(readonly budget: TokenBudget) {}

  add(promptTokens: number, completionTokens: number): void {
    this.promptTokens += promptTokens;
    this.completionTokens += completionTokens;
    this.budget.used += promptTokens + completionTokens;
  }

  get total(): number {
    return this.promptTokens + this.completionTokens;
  }

  get exhausted(): boolean {
    return this.budget.used >= this.budget.max;
  }
}
