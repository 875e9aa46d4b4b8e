// Token accounting: a cheap estimate for servers that send no usage, and the per-run budget (tokens and dollars) shared by every loop.
import { permanentError } from "../errors.js";
import { costUsd, formatUsd, type ResolvedPrice } from "./pricing.js";

/** Roughly four characters per token: good enough to budget with when the server reports no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The budget for one run, shared (and mutated) by the Architect and the Coder loops. */
export interface TokenBudget {
  used: number;
  max: number;
  /** Prompt and completion tokens of this run, kept apart because they are priced apart. */
  inputTokens?: number;
  outputTokens?: number;
  /** Estimated USD so far (earlier attempts included). */
  costUsd?: number;
  /** False once a call was made at an unknown price (counted as $0). */
  priceKnown?: boolean;
  /** venom.yml `max_cost_usd`: the run stops before (or right after) a call that passes it. */
  maxCostUsd?: number;
}

/** What the run did before the cost cap stopped it: the status comment's words. */
export function costCapError(budget: TokenBudget, reason: string): Error {
  const spent = `${budget.used.toLocaleString("en-US")} tokens, ~$${formatUsd(budget.costUsd ?? 0)}`;
  return permanentError(
    `the cost cap max_cost_usd: ${budget.maxCostUsd} was reached (${reason}; spent so far: ${spent}); nothing was pushed. Raise max_cost_usd in .github/venom.yml to let the run go further.`,
  );
}

/** Throws before a call whose prompt alone (estimated) would take the run past its cost cap. */
export function checkCostBeforeCall(budget: TokenBudget, price: ResolvedPrice, promptTokens: number): void {
  if (budget.maxCostUsd === undefined) return;
  const next = (budget.costUsd ?? 0) + costUsd(price, promptTokens, 0);
  if (next > budget.maxCostUsd) throw costCapError(budget, `the next model call would cost ~$${formatUsd(next - (budget.costUsd ?? 0))}`);
}

/** Throws once the run's spend has passed its cost cap. */
export function checkCostAfterCall(budget: TokenBudget): void {
  if (budget.maxCostUsd !== undefined && (budget.costUsd ?? 0) > budget.maxCostUsd) throw costCapError(budget, "the last model call passed it");
}

/** Counts the tokens one caller spent and charges them to a shared budget as it goes. */
export class TokenMeter {
  promptTokens = 0;
  completionTokens = 0;

  constructor(readonly budget: TokenBudget) {}

  add(promptTokens: number, completionTokens: number, price?: ResolvedPrice): void {
    this.promptTokens += promptTokens;
    this.completionTokens += completionTokens;
    const { budget } = this;
    budget.used += promptTokens + completionTokens;
    budget.inputTokens = (budget.inputTokens ?? 0) + promptTokens;
    budget.outputTokens = (budget.outputTokens ?? 0) + completionTokens;
    if (price) {
      budget.costUsd = (budget.costUsd ?? 0) + costUsd(price, promptTokens, completionTokens);
      if (!price.known) budget.priceKnown = false;
    }
  }

  get total(): number {
    return this.promptTokens + this.completionTokens;
  }

  get exhausted(): boolean {
    return this.budget.used >= this.budget.max;
  }
}
