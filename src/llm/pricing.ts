// Per-model token prices (USD per million tokens): built-in list, VENOM_MODEL_PRICES overrides, and what a call costs.

import type { ModelPrice, ModelPrices } from "../config/model-prices.js";

export type { ModelPrice, ModelPrices } from "../config/model-prices.js";

/** A price for one model, and whether it is a real one (unknown models and local servers count as $0). */
export interface ResolvedPrice extends ModelPrice {
  known: boolean;
}

/** OpenAI's list prices (standard tier); a dated snapshot such as gpt-4o-2024-08-06 uses its family's price. */
export const BUILT_IN_MODEL_PRICES: ModelPrices = {
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  "o3-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  "o4-mini": { input: 1.1, output: 4.4 },
};

const FREE: ResolvedPrice = { input: 0, output: 0, known: false };

/**
 * The price of `model`: an override first, then the built-in list (exact name, then without a date suffix).
 * A local server's model is free unless an override names it: the built-in names there are usually aliases.
 */
export function priceOf(model: string, overrides: ModelPrices = {}, local = false): ResolvedPrice {
  const override = overrides[model];
  if (override) return { ...override, known: true };
  if (local) return FREE;
  const builtIn = BUILT_IN_MODEL_PRICES[model] ?? BUILT_IN_MODEL_PRICES[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  return builtIn ? { ...builtIn, known: true } : FREE;
}

/** USD for a number of prompt and completion tokens at `price`. */
export function costUsd(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

/** "12,345 tokens · ~$0.0123" (or "price unknown"): what status comments and the CLI show. */
export function formatSpend(tokens: number, usd: number | undefined, priceKnown = true): string {
  const cost = !priceKnown && !usd ? "price unknown" : `~$${formatUsd(usd ?? 0)}`;
  return `${tokens.toLocaleString("en-US")} tokens · ${cost}`;
}

/** Four decimals below a dollar (calls cost fractions of a cent), two above. */
export function formatUsd(usd: number): string {
  return usd >= 1 ? usd.toFixed(2) : usd.toFixed(4);
}
